"""From the page to your machine: every page made from a notebook offers, in a
line under its header (README: "Run this chapter"),

- ``<page>.ipynb``, the reader's copy of its notebook (booktools.reader): the
  edition's prose with its values written in, the code with its outputs;
- for the summary and the chapters, ``<page>.zip``, the chapter bundle
  (booktools.bundle): that notebook with the data tables it reads, their
  sources, the helpers package and a pinned requirements.txt.

Both are made after Sphinx (build-finished) into book/_build/downloads/ and
copied next to the pages. They are made again only when something they are
made from changed (the notebooks, data/, seeds/, helpers/, CITATION.cff,
requirements.lock, _toc.yml or the code that makes them): a build with no
change only compares one hash.

Jupyter Book's own download button stays off (it also offers a print-to-PDF
entry, and the book has `make pdf`); this writes one plain line instead."""
from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path

_HEADER = re.compile(r'(<div class="[^"]*\bxev-asof\b[^"]*"[^>]*>.*?</div>)', re.S)
# What the downloads are made from, besides the notebooks (relative to the project root).
_INPUTS = ("data", "seeds", "helpers", "CITATION.cff", "requirements.lock", "LICENSE", "LICENSE-text-and-data",
           "book/_toc.yml", "book/_glue", "book/booktools/reader.py", "book/booktools/bundle.py",
           "book/booktools/myst.py", "book/booktools/build.py", __file__)


def _notebook(app, pagename: str) -> Path | None:
    if pagename not in app.env.found_docs:
        return None
    path = Path(app.env.doc2path(pagename))
    return path if path.suffix == ".ipynb" else None


def bundled(root: Path) -> list[str]:
    """The pages that offer a chapter bundle: the summary and the chapters."""
    from booktools.project import chapters, pages

    return [pages(root)[0], *chapters(root)]


def _line(page: str, bundle: bool) -> str:
    nb = html.escape(page + ".ipynb")
    text = (f'<p class="xev-notebook">Run this page yourself: '
            f'<a href="{nb}" download="{nb}">download its notebook ({nb})</a>, the edition&#x27;s text '
            "with the code that makes its numbers and figures. ")
    if bundle:
        zip_name = html.escape(page + ".zip")
        return text + (f'To run it, <a href="{zip_name}" download="{zip_name}">download the chapter bundle '
                       f"({zip_name})</a>: the notebook with the data tables it reads, their sources and the "
                       "<code>helpers</code> package. Unzip it, then <code>pip install -r requirements.txt</code> "
                       "and <code>jupyter lab</code>.</p>")
    return text + ("It runs inside the project, which holds the <code>helpers</code> package and the data "
                   "tables it reads: put it in the project's <code>book/</code> folder and run "
                   "<code>make lab</code>.</p>")


def _link(app, pagename, templatename, context, doctree):
    if doctree is None or "body" not in context or _notebook(app, pagename) is None:
        return
    line = _line(Path(pagename).name, Path(pagename).name in bundled(Path(app.srcdir).parent))
    body = context["body"]
    context["body"] = _HEADER.sub(lambda m: m.group(1) + line, body, count=1) if _HEADER.search(body) \
        else body + line


def _inputs_hash(root: Path, notebooks: list[Path]) -> str:
    h = hashlib.sha256()
    files = list(notebooks)
    for name in _INPUTS:
        path = root / name
        files += sorted(f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts) \
            if path.is_dir() else [path]
    for f in files:
        h.update(str(f).encode() + b"\0" + (f.read_bytes() if f.exists() else b"<missing>") + b"\0")
    return h.hexdigest()


def make_downloads(root: Path, folder: Path, notebooks: list[Path], out: Path) -> None:
    """Write every page's reader's copy and bundle into ``out``, unless ``out``
    holds those of the same inputs already."""
    from booktools import bundle, reader
    from booktools.myst import Book

    key = _inputs_hash(root, notebooks)
    stamp = out / "inputs.sha256"
    if stamp.exists() and stamp.read_text() == key:
        return
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    book, zips = Book(folder), bundled(root)
    requirements = bundle.requirements((root / "requirements.lock").read_text("utf-8")) if zips else ""
    for path in notebooks:
        page = path.stem
        nb = json.loads(path.read_text("utf-8"))
        copy = reader.dumps(reader.readers_copy(nb, book, page, root, page in zips)).encode("utf-8")
        (out / f"{page}.ipynb").write_bytes(copy)
        if page in zips:
            files = bundle.bundle_files(page, copy, nb, root, requirements)
            (out / f"{page}.zip").write_bytes(bundle.zipped(page, files))
    stamp.write_text(key)


def _copy_downloads(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    docs = [d for d in sorted(app.env.found_docs) if _notebook(app, d) is not None and "/" not in d]
    folder = Path(app.srcdir)
    out = Path(app.outdir).parent / "downloads"
    make_downloads(folder.parent, folder, [_notebook(app, d) for d in docs], out)
    for made in out.iterdir():
        target = Path(app.outdir) / made.name
        if made.suffix in (".ipynb", ".zip") and (not target.exists() or target.read_bytes() != made.read_bytes()):
            shutil.copyfile(made, target)


def setup(app):
    app.connect("html-page-context", _link)
    app.connect("build-finished", _copy_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
