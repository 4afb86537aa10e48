"""Build the deployable site: every edition of the book at its own address.

    python -m booktools.site            # make site: book/_build/site/
    python -m booktools.site --check    # execute nothing (fail if a notebook is stale)

The site holds

- ``<version>/`` for the current edition (CITATION.cff's version), built from
  the working tree (booktools.build), with its PDFs in ``<version>/pdf/``
  (where citation_pdf_url and RIS L1 point);
- ``<version>/`` for each earlier edition recorded in ``book/_editions/``,
  built from the commit its manifest records: a git worktree of that commit,
  built by its own build script from its stored notebook outputs (nothing is
  executed), with this environment. Its pages get a banner naming the newest
  edition, with links to the same page there and to its What's new; its
  relative citation addresses are made absolute and versioned;
- ``latest/``, a copy of the newest edition, and ``index.html``, which leads there.

Every citation names the versioned address (``<url><version>/<page>.html``),
so a cited text stays where it was cited. Upload the folder as it is to the
address CITATION.cff's ``url`` names.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from booktools.project import checkout

ROOT = checkout(__file__)   # this checkout, or the copy this script was run from
BOOK = ROOT / "book"
BUILD = BOOK / "_build"
SITE = BUILD / "site"
SOURCES = BUILD / "editions"   # worktrees of earlier editions, removed after their build


def _run(cmd, **kw):
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def build_current(check: bool) -> Path:
    _run([sys.executable, BOOK / "booktools" / "build.py", *(["--check"] if check else [])], cwd=ROOT)
    return BUILD / "html"


# Where an edition's own build script lives: book/booktools in today's layout,
# book/_scripts in the editions released before it (0.1.0 to 0.3.0).
EDITION_BUILD_SCRIPTS = ("book/booktools/build.py", "book/_scripts/build.py")


def edition_build_script(src: Path) -> Path:
    for rel in EDITION_BUILD_SCRIPTS:
        if (src / rel).is_file():
            return src / rel
    sys.exit(f"site: {src} has no build script (looked for {', '.join(EDITION_BUILD_SCRIPTS)})")


def build_edition(git: Path, version: str, commit: str) -> Path:
    """An earlier edition's HTML, built in a worktree of its commit by that
    commit's own build script, from its stored outputs."""
    src = SOURCES / version
    _run(["git", "-C", git, "worktree", "prune"])
    if src.exists():
        subprocess.run(["git", "-C", git, "worktree", "remove", "--force", src], capture_output=True)
        shutil.rmtree(src, ignore_errors=True)
    src.parent.mkdir(parents=True, exist_ok=True)
    _run(["git", "-C", git, "worktree", "add", "--detach", "--force", src, commit])
    # its own helpers and booktools, not this checkout's; its own data
    env = {**os.environ, "PYTHONPATH": str(src), "XIAOMI_EV_ROOT": str(src)}
    _run([sys.executable, edition_build_script(src), "--check"], cwd=src, env=env)
    return src


def remove_worktree(git: Path, src: Path) -> None:
    subprocess.run(["git", "-C", git, "worktree", "remove", "--force", src], capture_output=True)
    shutil.rmtree(src, ignore_errors=True)


def banner(version: str, newest: str, page: str, newest_pages: set[str]) -> str:
    same = f"../{newest}/{page}" if page in newest_pages else f"../{newest}/index.html"
    whats_new = f"../{newest}/whats-new.html" if "whats-new.html" in newest_pages else f"../{newest}/index.html"
    return ('<div class="xev-edition-banner" role="note" style="border:1px solid #8a4b00;background:#fff8e1;'
            'color:#1f2328;padding:0.5rem 0.8rem;margin:0 0 1rem;border-radius:4px">'
            f"You are reading edition {html.escape(version)} of this book, kept as it was cited. "
            f"The newest edition is {html.escape(newest)}: "
            f'<a href="{html.escape(same)}">this page in edition {html.escape(newest)}</a> · '
            f'<a href="{html.escape(whats_new)}">what\'s new in it</a>.</div>')


_FIGURE_CITE = re.compile(r'<details class="xev-cite-figure".*?</details>', re.S)
_RELATIVE_FIG = re.compile(r'(?<![\w/.:#-])([a-z0-9-]+\.html#fig-[a-z0-9-]+)')


def mark_earlier(folder: Path, version: str, newest: str, base: str | None, newest_pages: set[str]) -> None:
    """An earlier edition's pages: the banner, the current print stylesheet,
    and absolute versioned addresses in its citations (when ``base`` is set)."""
    for page in folder.glob("*.html"):
        text = page.read_text("utf-8")
        if "bd-article" not in text:
            continue
        note = banner(version, newest, page.name, newest_pages)
        text = re.sub(r'(<article class="bd-article"[^>]*>)', lambda m, note=note: m.group(1) + note, text, count=1)
        text = text.replace("</head>", '<link rel="stylesheet" href="_static/xev-print.css">\n</head>', 1)
        if base:
            text = re.sub(r'(<meta name="citation_(?:pdf|public)_url" content=")(?!https?:)([^"]*)"',
                          lambda m: f'{m.group(1)}{base}{m.group(2)}"', text)
            text = _FIGURE_CITE.sub(lambda m: _RELATIVE_FIG.sub(lambda f: base + f.group(1), m.group(0)), text)
        page.write_text(text, "utf-8")
    shutil.copy2(BOOK / "_static" / "xev-print.css", folder / "_static" / "xev-print.css")
    if base:
        for ris in (folder / "_static" / "cite").glob("*.ris"):
            ris.write_bytes(re.sub(rb"^(UR|L1)  - (?!https?:)(\S+)", lambda m: m.group(1) + b"  - "
                                   + base.encode() + m.group(2), ris.read_bytes(), flags=re.M))
        for item in (folder / "_static" / "cite").glob("*.json"):
            data = json.loads(item.read_text("utf-8"))
            for entry in data:
                if entry.get("URL") and not re.match(r"https?:", entry["URL"]):
                    entry["URL"] = base + entry["URL"]
            item.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")


def old_book(src: Path) -> dict:
    """Title, author and version from an earlier edition's own CITATION.cff."""
    import yaml

    cff = yaml.safe_load((src / "CITATION.cff").read_text("utf-8"))
    return {"title": cff["title"], "author": cff["authors"][0]["name"], "version": str(cff["version"])}


def root_index(newest: str, versions: list[str]) -> str:
    items = "".join(f'<li><a href="{v}/index.html">Edition {v}</a></li>' for v in versions)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>The Xiaomi EV briefing</title>"
            f'<meta http-equiv="refresh" content="0; url=latest/index.html"></head>'
            f'<body><p>The newest edition is <a href="latest/index.html">edition {newest}</a>.</p>'
            f"<p>Every edition stays at its own address:</p><ul>{items}</ul></body></html>\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="execute no notebook: fail if one is stale")
    ap.add_argument("--git", type=Path, default=ROOT,
                    help="the git repository holding the editions' commits (default: this checkout)")
    ap.add_argument("--no-earlier-pdfs", action="store_true",
                    help="print no PDFs for earlier editions (tests; `make site` prints them)")
    ap.add_argument("--editions", nargs="+", metavar="VERSION",
                    help="build only these earlier editions (tests; `make site` builds every one)")
    args = ap.parse_args(argv)

    from booktools.browser import pdf
    from helpers.data import editions
    from helpers.pages import cite

    b = cite.book()
    newest = b.version
    if not b.url:
        print("site: CITATION.cff sets no url, so no citation carries an address (see the README, "
              "'Citing')", file=sys.stderr)
    shutil.rmtree(SITE, ignore_errors=True)
    SITE.mkdir(parents=True)

    html_dir = build_current(args.check)
    shutil.copytree(html_dir, SITE / newest)
    pdf(html=SITE / newest, out=SITE / newest / "pdf", root=ROOT, public=cite.address(),
        edition={"title": b.title, "author": b.author, "version": newest})
    newest_pages = {p.name for p in (SITE / newest).glob("*.html")}
    print(f"site: edition {newest} (current) in {(SITE / newest).relative_to(ROOT)}")

    versions = [newest]
    for version, manifest in editions.recorded(ROOT).items():
        if version == newest or editions.version_key(version) > editions.version_key(newest):
            continue
        if args.editions and version not in args.editions:
            continue
        commit = manifest.get("commit")
        if not commit:
            sys.exit(f"book/_editions/{version}.json records no commit: add one "
                     f"(python -m helpers.data.editions write {version} --commit SHA)")
        src = build_edition(args.git, version, commit)
        try:
            folder = SITE / version
            shutil.copytree(src / "book" / "_build" / "html", folder)
            base = f"{b.url}{version}/" if b.url else None
            mark_earlier(folder, version, newest, base, newest_pages)
            if not args.no_earlier_pdfs:
                pdf(html=folder, out=folder / "pdf", root=src, public=base, edition=old_book(src))
        finally:
            remove_worktree(args.git, src)
        versions.append(version)
        print(f"site: edition {version} (commit {commit[:7]}) in {folder.relative_to(ROOT)}")

    shutil.copytree(SITE / newest, SITE / "latest")
    (SITE / "index.html").write_text(root_index(newest, sorted(versions, key=editions.version_key, reverse=True)),
                                     "utf-8")
    print(f"site: {SITE.relative_to(ROOT)} holds editions {', '.join(versions)} and latest/ "
          f"(= {newest}); upload it to {b.url or 'the address CITATION.cff url will name'}")


if __name__ == "__main__":
    main()
