"""The one home of facts the build, the tests and the bench share.

- The page list: only ``book/_toc.yml`` names pages (``pages``, ``chapters``,
  and ``titles`` from each notebook's heading).
- How to copy the project for a throw-away build (``copy_project``).
- The options nbval runs with (``nbval_args``).

Every function takes the project's root folder, so that a copy of the project
is read from the copy (default: this checkout).
"""
from __future__ import annotations

import shutil
from pathlib import Path


def checkout(module_file: str) -> Path:
    """The project a tooling module sits in (``book/booktools/<module>.py``). Scripts
    ask with their own path, so that one run from a copy of the project builds
    that copy (the ``booktools`` they import is the installed checkout's)."""
    return Path(module_file).resolve().parents[2]


ROOT = checkout(__file__)
CHAPTERS_CAPTION = "Chapters"   # the part of _toc.yml whose entries are chapters

# What a build of the book reads: a copy holding these builds like the checkout.
# (requirements.lock is a staleness input of every notebook; the licences go into the chapter bundles.)
BUILD_INPUTS = ("data", "seeds", "helpers", "book", "CITATION.cff", "requirements.lock", "LICENSE",
                "LICENSE-text-and-data")
# Build outputs and caches, never copied (paths relative to the root).
_OUTPUTS = {"book/_build", "book/_static/figures", "book/_static/data", "book/_static/vega"}
_CACHES = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


def _toc(root: Path) -> dict:
    return read_toc(root / "book" / "_toc.yml")


def read_toc(path: Path) -> dict:
    import yaml

    toc = yaml.safe_load(Path(path).read_text("utf-8"))
    if not isinstance(toc, dict) or "root" not in toc:
        raise ValueError(f"{path}: no 'root' entry")
    return toc


def _files(entries) -> list[str]:
    out = []
    for entry in entries or []:
        if "file" in entry:
            out.append(Path(entry["file"]).with_suffix("").as_posix())
        out += _files(entry.get("sections"))
    return out


def pages(root: Path = ROOT) -> list[str]:
    """Every page of the book in reading order, as file names without suffix
    (the HTML is ``<name>.html``, the notebook ``book/<name>.ipynb``)."""
    return toc_pages(_toc(root))


def toc_pages(toc: dict) -> list[str]:
    """The pages a table of contents (as ``read_toc`` returns it) lists, in reading order."""
    out = [Path(toc["root"]).with_suffix("").as_posix()]
    for part in toc.get("parts", []):
        out += _files(part.get("chapters"))
    return out + _files(toc.get("chapters"))


def chapters(root: Path = ROOT) -> list[str]:
    """The pages of the part captioned "Chapters": each has figures, a
    "What to watch" list and a citation."""
    return [name for part in _toc(root).get("parts", []) if part.get("caption") == CHAPTERS_CAPTION
            for name in _files(part.get("chapters"))]


def titles(root: Path = ROOT) -> dict[str, str]:
    """Page name -> its title (the first ``# `` heading of its notebook), in
    toc order. In a notebook, pass ``helpers.data.paths.project_root()`` so that a
    copy of the project reads its own pages."""
    import json

    out = {}
    for name in pages(root):
        cells = json.loads((root / "book" / f"{name}.ipynb").read_text("utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), None)
        if heading is None:
            raise ValueError(f"book/{name}.ipynb: no '# ' title in its markdown")
        out[name] = heading
    return out


def copy_project(dest: Path, parts=BUILD_INPUTS, root: Path = ROOT) -> Path:
    """Copy ``parts`` (folders or files of the project) into ``dest``, without
    build outputs or caches: a copy with the default parts builds on its own
    (set XIAOMI_EV_ROOT to it so that the helpers read its data)."""
    dest = Path(dest)

    def ignore(folder, names):
        rel = Path(folder).relative_to(root)
        return {n for n in names if n in _CACHES or (rel / n).as_posix() in _OUTPUTS}

    for part in parts:
        src = root / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore, symlinks=True)
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    return dest


def nbval_args(root: Path = ROOT) -> list[str]:
    """pytest options that re-run notebooks and compare them with their stored
    outputs (volatile parts masked by book/sanitize.cfg)."""
    return ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(root / "book" / "sanitize.cfg"),
            "-p", "no:cacheprovider"]
