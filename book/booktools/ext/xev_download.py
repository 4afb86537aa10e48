"""From the page to your machine: every page made from a notebook offers that
notebook (``<page>.ipynb``, next to ``<page>.html``) as a download, in a line
under the page's header that says what it needs (README: "Run this chapter").

Jupyter Book's own download button stays off (it also offers a print-to-PDF
entry, and the book has `make pdf`); this writes one plain link instead."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

# The first cell of every downloaded notebook. Opened outside the project, a notebook
# would stop at `import helpers` with an ImportError that says nothing useful; this
# says what it needs. (It lives here, not in the book's notebooks, which always run
# inside the project: the download is the one copy that may travel alone.)
GUARD = """\
try:  # outside the project, say what this notebook needs instead of an ImportError
    import helpers  # noqa: F401
except ModuleNotFoundError:
    raise SystemExit("This notebook runs inside the Xiaomi EV briefing project: it reads the project's data/ "
                     "tables through its helpers package. Put it in book/ of a copy of the project and run "
                     "`make lab` there (see 'Run this chapter' in the project's README).") from None
"""


def downloadable(nb: dict) -> dict:
    """The notebook as readers download it: the guard cell first, then the page's own cells."""
    guard = {"cell_type": "code", "execution_count": None, "id": "xev-needs-the-project",
             "metadata": {"tags": ["remove-cell"]}, "outputs": [], "source": GUARD}
    return {**nb, "cells": [guard, *nb["cells"]]}


_HEADER = re.compile(r'(<div class="[^"]*\bxev-asof\b[^"]*"[^>]*>.*?</div>)', re.S)


def _notebook(app, pagename: str) -> Path | None:
    if pagename not in app.env.found_docs:
        return None
    path = Path(app.env.doc2path(pagename))
    return path if path.suffix == ".ipynb" else None


def _link(app, pagename, templatename, context, doctree):
    if doctree is None or "body" not in context or _notebook(app, pagename) is None:
        return
    name = html.escape(Path(pagename).name + ".ipynb")
    line = (f'<p class="xev-notebook">Run this page yourself: '
            f'<a href="{name}" download="{name}">download its notebook ({name})</a>. '
            "It runs inside the project, which holds the <code>helpers</code> package and the data "
            "tables it reads: put it in the project's <code>book/</code> folder and run "
            "<code>make lab</code>.</p>")
    body = context["body"]
    context["body"] = _HEADER.sub(lambda m: m.group(1) + line, body, count=1) if _HEADER.search(body) \
        else body + line


def _copy_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for docname in sorted(app.env.found_docs):
        src = _notebook(app, docname)
        if src is not None:
            dest = Path(app.outdir) / (docname + ".ipynb")
            dest.parent.mkdir(parents=True, exist_ok=True)
            nb = json.loads(src.read_text("utf-8"))
            dest.write_text(json.dumps(downloadable(nb), indent=1, ensure_ascii=False) + "\n", "utf-8")


def setup(app):
    app.connect("html-page-context", _link)
    app.connect("build-finished", _copy_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
