"""Build the book: execute the notebooks whose inputs changed, write the
figure files, data downloads and Vega script, then run Jupyter Book (strict).

A notebook's inputs are its code cells, the data tables it loads, the
source registry, schema and seeds that every load is verified against, the
helpers package and CITATION.cff (all but its ``url``). Their hash is kept in the notebook's
metadata (``xev.inputs``); a notebook whose hash differs is re-executed, so a
change in data/ or helpers/ can never leave a stale output behind. (Jupyter
Book's own cache keys on cell code only, so it is switched off.)

    python book/booktools/build.py            # execute stale notebooks, build HTML
    python book/booktools/build.py --execute  # only execute stale notebooks
    python book/booktools/build.py --status   # list stale notebooks, exit 1 if any
    python book/booktools/build.py --check    # build HTML from stored outputs; fail if any is stale
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from booktools.project import checkout

ROOT = checkout(__file__)   # this checkout, or the copy this script was run from
BOOK = ROOT / "book"
STATIC = BOOK / "_static"
BUILD = BOOK / "_build"
LOAD = re.compile(r"""(?:load_table|\.load|\.row)\(\s*["']([a-z_]+)["']""")
ALL_TABLES = re.compile(r"list_tables\(|verify\(")
PAGE_SLUG = re.compile(r"""\bPage\(\s*["']([a-z0-9][a-z0-9-]*)["']""")
# A figure block (charts.Figure) in a page or a stored output, with its Vega-Lite spec.
FIGURE = re.compile(r'<div class="xev-figure" data-figure="([a-z0-9-]+)"[^>]*>(?:(?!<div class="xev-figure").)*?'
                    r'<script type="application/json" class="xev-spec">(.*?)</script>', re.S)


def notebooks() -> list[Path]:
    return sorted(p for p in BOOK.glob("*.ipynb"))


def _code(nb: dict) -> str:
    return "\n# ---- cell ----\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def tables_loaded(nb: dict, root: Path = ROOT) -> list[str]:
    """The tables a notebook reads: those its last run reported (helpers.pages.page
    records every table read, including those reached through row references),
    and those its code names. (The chapter bundles hold these: booktools.bundle.)"""
    code = _code(nb)
    if ALL_TABLES.search(code):
        return sorted(p.stem for p in (root / "data").glob("*.csv"))
    reported = nb.get("metadata", {}).get("xev", {}).get("tables_read", [])
    return sorted(set(LOAD.findall(code)) | set(reported) | {_registry(root)})


def _registry(root: Path) -> str:
    """The source registry's table name: every notebook reads it (each row cites it)."""
    from helpers.data.descriptor import SOURCE_REGISTRY, load_descriptor

    return next(name for name, res in load_descriptor(root).items() if res.role == SOURCE_REGISTRY)


def tables_reported(nb) -> list[str]:
    """The tables the run's outputs say it read (metadata of helpers.pages.page's last cell)."""
    found = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            found.update(out.get("metadata", {}).get("xev", {}).get("tables", []))
    return sorted(found)


def input_files(nb: dict) -> list[Path]:
    files = [ROOT / "data" / f"{t}.csv" for t in tables_loaded(nb)]
    files += [ROOT / "data" / "datapackage.json", ROOT / "CITATION.cff", ROOT / "requirements.lock"]
    files += sorted((ROOT / "seeds").rglob("*.txt")) + sorted((ROOT / "seeds" / "research").glob("*.md"))
    # the package with its data files (fonts the figures are drawn with), not its caches
    files += sorted(f for f in (ROOT / "helpers").rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    from helpers.pages.gluetable import path_of

    # the page's glue table (helpers.pages.gluetable): the values it declares are inputs, like its code
    files += [ROOT / path_of(slug) for slug in PAGE_SLUG.findall(_code(nb))]
    if "booktools" in _code(nb):  # a page that reads the toc (page list, titles) through booktools.project
        files += [BOOK / "_toc.yml", BOOK / "booktools" / "project.py"]
    return files


# CITATION.cff's url reaches the pages through the build (helpers.pages.cite.refresh
# renders the stored cite blocks again), never through a notebook's outputs:
# setting or changing it re-executes nothing.
_URL_LINE = re.compile(rb"^url:.*\n?", re.M)


def _input_bytes(f: Path) -> bytes:
    if not f.exists():
        return b"<missing>"
    data = f.read_bytes()
    return _URL_LINE.sub(b"", data) if f.name == "CITATION.cff" else data


def inputs_hash(nb: dict) -> str:
    h = hashlib.sha256(_code(nb).encode())
    for f in input_files(nb):
        h.update(str(f.relative_to(ROOT)).encode() + b"\0")
        h.update(_input_bytes(f))
    return h.hexdigest()


def stale(path: Path) -> bool:
    nb = json.loads(path.read_text("utf-8"))
    return nb.get("metadata", {}).get("xev", {}).get("inputs") != inputs_hash(nb)


def execute(path: Path) -> float:
    """Run the notebook top to bottom in place; fail loudly on any error."""
    import nbformat
    from nbclient import NotebookClient

    start = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(BOOK)}})
    client.execute()
    nb.metadata["xev"] = {"tables_read": tables_reported(nb)}
    nb.metadata["xev"].update(inputs=inputs_hash(nb), tables=tables_loaded(nb))
    nbformat.write(nb, path)
    return time.perf_counter() - start


def execute_stale(jobs: int, force: bool = False, only: list[str] | None = None) -> list[Path]:
    todo = [p for p in notebooks() if (force or stale(p)) and (not only or p.name in only)]
    if not todo:
        print("notebooks: all outputs current, nothing to execute")
        return []
    print(f"notebooks: executing {len(todo)} of {len(notebooks())} ({jobs} at a time)")
    failed = []

    def run(p):
        try:
            print(f"  {p.name}: {execute(p):.1f} s", flush=True)
        except Exception as e:  # report every failure, then stop the build
            failed.append(p)
            print(f"  {p.name}: FAILED\n{e}", flush=True)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run, todo))
    if failed:
        sys.exit(f"execution failed: {', '.join(p.name for p in failed)}")
    return todo


# Kept out of _static: Jupyter Book adds every .js file under _static to every
# page's <head>, and the pages fetch this one only when a figure is reached.
VEGA = BUILD / "vega" / "vega-bundle.js"


def write_vega_bundle() -> None:
    """Vega, Vega-Lite and vega-embed in one local script (no CDN), copied to
    the site's _static/vega/ after Sphinx."""
    import inspect
    from importlib.metadata import version

    from helpers.pages import charts

    vega = VEGA
    maker = hashlib.sha256(inspect.getsource(charts.javascript_bundle).encode()).hexdigest()[:12]
    stamp = (f"// vega-lite {charts.VEGALITE} from vl-convert {version('vl-convert-python')}, "
             f"wrapper {maker}; written by book/booktools/build.py\n")
    if not vega.exists() or not vega.read_text("utf-8").startswith(stamp):
        vega.parent.mkdir(parents=True, exist_ok=True)
        vega.write_text(stamp + charts.javascript_bundle(), "utf-8")


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def figure_outputs() -> dict[str, dict]:
    """Figure name -> ``{"svg", "payload"}``: the SVG rendered in the kernel and
    the rows plotted, read from the notebooks' stored outputs (charts.Figure)."""
    from helpers.pages import charts

    found: dict[str, dict] = {}
    where: dict[str, str] = {}
    for path in notebooks():
        for cell in json.loads(path.read_text("utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                # glue(..., display=False) would store the bundle under a papermill.record/ prefix
                payload = next((v for k, v in data.items() if k.endswith(charts.MIME)), None)
                if payload is None:
                    continue
                name = payload["name"]
                if where.setdefault(name, path.name) != path.name:
                    sys.exit(f"figure name {name!r} used in {where[name]} and {path.name}")
                svg = _joined(next(v for k, v in data.items() if k.endswith("image/svg+xml")))
                found[name] = {"svg": svg, "payload": payload}
    return found


def _write_figure(folder: Path, name: str, item: dict) -> None:
    from helpers.pages import charts

    (folder / f"{name}.svg").write_text(item["svg"], "utf-8")
    (folder / f"{name}.png").write_bytes(charts.svg_to_png(item["svg"], scale=2))
    (folder / f"{name}.csv").write_text(charts.csv_text(item["payload"]), "utf-8")


def export_figures(jobs: int) -> None:
    """Each figure's reuse kit: SVG (as rendered in the kernel), PNG at 2x and
    the CSV of the rows it plots; rewritten only when the figure changed."""
    figures = STATIC / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    cache_file = BUILD / "figure-specs.json"
    cache = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    items = figure_outputs()
    digests = {n: hashlib.sha256(json.dumps(i, sort_keys=True).encode()).hexdigest() for n, i in items.items()}
    todo = [n for n in items if cache.get(n) != digests[n] or not (figures / f"{n}.png").exists()]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda n: _write_figure(figures, n, items[n]), todo))
    for old in figures.glob("*.*"):
        if old.stem not in items:
            old.unlink()
    BUILD.mkdir(exist_ok=True)
    cache_file.write_text(json.dumps(digests, indent=1, sort_keys=True))
    print(f"figures: {len(items)} current ({len(todo)} rendered) in {figures.relative_to(ROOT)}")


def copy_data() -> None:
    """Publish exactly the tables the descriptor lists, and the descriptor, once
    they verify (helpers.data.publish): never a stray, linked or stale file."""
    from helpers.data.errors import DataError
    from helpers.data.publish import publish_tables

    try:
        publish_tables(STATIC / "data", ROOT)
    except DataError as e:
        sys.exit(f"data: nothing published, the data does not verify:\n{e}")


# ---------------------------------------------------------------- nothing changed, nothing rebuilt
# The HTML is a function of the files below: the notebooks with their stored
# outputs, the book's configuration, static files and extensions, this script,
# the helpers the extensions and figure export call, the data published with
# the pages and the seeds it is verified against, CITATION.cff and the locked
# environment. After a successful build their digests, and the size and time
# of every file written, are kept in MANIFEST; the next build that finds both
# the same skips copying the data, exporting figures and Sphinx (several
# seconds even when Sphinx finds nothing to read). Anything else (a changed
# byte in an input, an output file edited, added or removed) rebuilds as before.
MANIFEST = BUILD / "html-manifest.json"
_GENERATED = ("_build", "_static/figures", "_static/data", "_static/vega", ".ipynb_checkpoints", "__pycache__")


def html_inputs() -> list[Path]:
    def wanted(f: Path, top: Path) -> bool:
        rel = f.relative_to(top).as_posix()
        return f.is_file() and not any(rel == g or rel.startswith(g + "/") or f"/{g}/" in f"/{rel}"
                                       for g in _GENERATED)

    files = [ROOT / n for n in ("CITATION.cff", "requirements.lock", "pyproject.toml")]
    for top in (BOOK, ROOT / "helpers", ROOT / "data", ROOT / "seeds"):
        files += sorted(f for f in top.rglob("*") if wanted(f, top))
    return files


def _digest(f: Path) -> str:
    return hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else "<missing>"


def _written(html: Path) -> dict[str, list[int]]:
    return {f.relative_to(html).as_posix(): [f.stat().st_size, f.stat().st_mtime_ns]
            for f in sorted(html.rglob("*")) if f.is_file()}


# the installed packages that write the pages (a venv changed by hand, not through the lock file)
_WRITERS = ("jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme", "pydata-sphinx-theme",
            "vl-convert-python", "altair", "tinycss2", "pandas")


def manifest() -> dict:
    from importlib.metadata import version

    return {"root": str(ROOT), "python": sys.executable, "packages": {p: version(p) for p in _WRITERS},
            "inputs": {str(f.relative_to(ROOT)): _digest(f) for f in html_inputs()}}


def html_current() -> bool:
    """Is book/_build/html what building the current inputs would write?"""
    html = BUILD / "html"
    if not MANIFEST.exists() or not (html / "index.html").exists():
        return False
    try:
        kept = json.loads(MANIFEST.read_text("utf-8"))
    except ValueError:
        return False
    return kept.get("written") == _written(html) and {**kept, "written": None} == {**manifest(), "written": None}


def record_html() -> None:
    MANIFEST.write_text(json.dumps({**manifest(), "written": _written(BUILD / "html")}, indent=1, sort_keys=True),
                        "utf-8")


def rewrite_every_page() -> bool:
    """Must Sphinx write every page, not only those whose notebook changed? Yes when
    the code that writes pages (booktools, its Sphinx extensions included) or the
    page-writing packages changed since the last build, or when no build is recorded:
    Sphinx tracks documents and its configuration, not extension code, so a changed
    extension would otherwise reach only the pages re-executed for other reasons."""
    try:
        kept = json.loads(MANIFEST.read_text("utf-8"))
    except (OSError, ValueError):
        return True
    now = manifest()
    if kept.get("packages") != now["packages"]:
        return True
    old, new = kept.get("inputs", {}), now["inputs"]
    return any(old.get(k) != new.get(k) for k in set(old) | set(new) if k.startswith("book/booktools/"))


def build(jobs: int) -> None:
    """Sphinx and the static assets at once: neither needs the other until the
    end, when the assets are mirrored into the output. Nothing at all when the
    output is current (``html_current``)."""
    if html_current():
        print(f"html: {(BUILD / 'html').relative_to(ROOT)} is current (no input changed since it was built)")
        return
    every_page = rewrite_every_page()
    MANIFEST.unlink(missing_ok=True)    # an interrupted or failed build is never taken for a current one
    from helpers.pages import charts  # noqa: F401  (import once, before the threads below use it)

    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", str(BOOK), "--warningiserror", "--keep-going", "--quiet"]
    cmd += ["--all"] if every_page else []
    copy_data()  # before Sphinx: pages link the table files, and MyST checks those links
    shutil.rmtree(STATIC / "vega", ignore_errors=True)  # where older builds wrote the bundle
    print("html: " + " ".join(cmd[1:]), flush=True)
    sphinx = subprocess.Popen(cmd, cwd=ROOT)
    with ThreadPoolExecutor(max_workers=2) as pool:
        bundle = pool.submit(write_vega_bundle)
        export_figures(max(1, jobs - 1))
        bundle.result()
    if sphinx.wait() != 0:
        sys.exit("html: the strict build failed (warnings count as errors); see above")
    # Sphinx 7.4 neither overwrites files already in the output's _static/ nor
    # copies anything when no page changed, so a changed figure, table download
    # or stylesheet would stay stale there: mirror our own static files now.
    for ours in STATIC.iterdir():
        target = BUILD / "html" / "_static" / ours.name
        if target.is_dir():
            shutil.rmtree(target)
        if ours.is_dir():
            shutil.copytree(ours, target)
        else:
            shutil.copy2(ours, target)
    (BUILD / "html" / "_static" / "vega").mkdir(exist_ok=True)
    shutil.copy2(VEGA, BUILD / "html" / "_static" / "vega" / VEGA.name)
    record_html()
    print(f"\nThe book is at {(BUILD / 'html' / 'index.html').relative_to(ROOT)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    ap.add_argument("--force", action="store_true", help="execute every notebook")
    ap.add_argument("--execute", action="store_true", help="only execute stale notebooks")
    ap.add_argument("--status", action="store_true", help="list stale notebooks; exit 1 if any")
    ap.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="consider only these notebooks (file names)")
    ap.add_argument("--check", action="store_true",
                    help="execute nothing: fail if any notebook is stale, else build the HTML")
    args = ap.parse_args()
    if args.status:
        todo = [p.name for p in notebooks() if stale(p)]
        print("\n".join(todo) or "all notebooks current")
        sys.exit(1 if todo else 0)
    if args.check:
        todo = [p.name for p in notebooks() if stale(p)]
        if todo:
            sys.exit("stale notebooks (their data, helpers or code changed; run `make book`): "
                     + ", ".join(todo))
    else:
        execute_stale(args.jobs, args.force, args.only)
    if args.execute:
        return
    build(args.jobs)


if __name__ == "__main__":
    main()
