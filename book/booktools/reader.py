"""The reader's copy of a page's notebook: the download each page offers.

The book's notebooks are MyST: their prose holds ``{glue}`` roles and
directive fences that only the book's build (and `make lab`'s server) can
show. The reader's copy reads correctly anywhere a notebook is shown
(JupyterLab without the project's settings, VS Code, nbconvert, GitHub):

- a first markdown cell says it is the edition's text (version and release
  date from CITATION.cff) and that running it refreshes the code outputs only;
- a guard cell: outside its chapter bundle (booktools.bundle) or the project,
  it says what the notebook needs instead of failing with an ImportError;
- the page's code cells as they are, with their stored outputs; cells the
  book hides keep their code, collapsed (JupyterLab's ``source_hidden``);
  each figure shows in the prose at its caption, as in the book, its code
  cell's output kept as a glue record (``figures_in_the_prose``);
- the prose rendered by booktools.myst with the values of the stored outputs
  written in, each with its standing marker, linking to its evidence entry at
  the book's public address (CITATION.cff ``url``); without one, a value is
  plain text whose hover shows its source and quote.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from .myst import GLUE_PREFIX, Book, PublicLinks, Renderer, _for_markdown, _text, glued

# Tags with which the book hides a cell's code (the outputs the book shows
# stay; glue-only outputs have no format a notebook front end shows).
HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
META = "xev_reader"   # notebook metadata: which edition's text this copy holds


def guard(page: str, bundled: bool) -> str:
    """The guard cell's code: what this notebook needs, said instead of an ImportError."""
    where = ([f"Download the chapter bundle ({page}.zip) from the page that offers this notebook, ",
              "unzip it, run `pip install -r requirements.txt` in its folder and open the notebook ",
              "there with `jupyter lab`; or put "] if bundled else ["Put "])
    words = ["This notebook reads the Xiaomi EV briefing's data tables through its helpers package. ",
             *where, "it in book/ of a copy of the project and run `make lab` ",
             "(see 'Run this chapter' in the project's README)."]
    message = "\n".join(f"        {w!r}" for w in words)
    return ("try:  # outside its chapter bundle or the project, say what it needs instead of an ImportError\n"
            "    import helpers  # noqa: F401\n"
            "except ModuleNotFoundError:\n"
            f"    raise SystemExit(\n{message}\n    ) from None\n")


def _intro(title: str, version: str, released: str, page: str, public: str | None, bundled: bool) -> str:
    links = (f"Each value links to its evidence (source, quote and standing) in the published book, "
             f"[{public}]({public})." if public else
             "The book's public address is not set in this edition, so in this copy values carry no "
             "link to their evidence (where the page's own text says a number links to its row of data, "
             "that holds in the published book): hovering a value shows its source and quote.")
    run = (f"To run it, use the chapter bundle (`{page}.zip`) offered next to this notebook: it holds "
           "this notebook, the data tables it reads with their sources, and the `helpers` package. "
           "Unzip it, `pip install -r requirements.txt`, then `jupyter lab`." if bundled else
           "It runs inside a copy of the project (`make lab`, see the project's README).")
    return (f"**{title}: {page}, the reader's copy of edition {version}** (released {released}).\n\n"
            "The prose below is the edition's text: its values are written in as the edition "
            "published them, each with its marker where it has one (such as [L], a low-confidence "
            f"source). {links} Running the notebook again refreshes the outputs of the code cells only; "
            f"the prose keeps the edition's values.\n\n{run}")


def _cell(cell: dict, renderer: Renderer) -> dict:
    cell = copy.deepcopy(cell)
    cell["source"] = _text(cell.get("source", ""))
    if cell["cell_type"] == "markdown":
        cell["source"] = renderer.render(cell["source"])
        return cell
    tags = set(cell.get("metadata", {}).get("tags", [])) if cell["cell_type"] == "code" else set()
    if HIDDEN & tags:
        cell["metadata"].setdefault("jupyter", {})["source_hidden"] = True
    for out in cell.get("outputs", []):
        # the book's HTML outputs (incident lists, end matter, figures) read as the prose does:
        # previews as hover titles, links into the book to its public address or none
        if "text/html" in out.get("data", {}):
            out["data"]["text/html"] = _for_markdown(_text(out["data"]["text/html"]), renderer.links)
    return cell


def figures_in_the_prose(nb: dict) -> dict:
    """The notebook with each figure shown where the prose places it (its caption) instead
    of in the output of the code cell that draws it, which in the book's notebooks comes
    after the section that discusses it: the figure's output is kept, as a glue record
    (the form of a glued value no front end displays), which the caption then shows."""
    from helpers.pages import html as markup
    from helpers.pages.charts import MIME

    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            data = out.get("data", {})
            if MIME in data and (out.get("metadata") or {}).get("scrapbook", {}).get("name"):
                # in the prose, the chart alone: its download and citation links lead to the
                # book's files, which do not travel with the notebook
                fig = data[MIME]
                chart = markup.static_chart(_text(data["image/svg+xml"]), fig["alt_text"], fig["width"], fig["height"])
                out["data"] = {GLUE_PREFIX + k: (chart if k == "text/html" else v) for k, v in data.items()}
    return nb


def readers_copy(nb: dict, book: Book, page: str, root: Path, bundled: bool) -> dict:
    """The reader's copy of notebook ``nb`` (page ``page`` of ``book``); ``bundled``:
    the page also offers its chapter bundle."""
    from helpers.pages import cite

    edition = cite.book(root)
    public = cite.address("", root)
    nb = figures_in_the_prose(nb)
    renderer = Renderer(glued(nb), book, page, PublicLinks(lambda path: cite.address(path, root)))
    intro = {"cell_type": "markdown", "id": "xev-edition", "metadata": {},
             "source": _intro(edition.title, edition.version, edition.released, page, public, bundled)}
    guard_cell = {"cell_type": "code", "execution_count": None, "id": "xev-needs-helpers",
                  "metadata": {"tags": ["remove-cell"]}, "outputs": [], "source": guard(page, bundled)}
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k != "xev"}
    metadata[META] = {"edition": edition.version, "page": page}
    cells = [intro, guard_cell, *(_cell(c, renderer) for c in nb["cells"])]
    return {**nb, "metadata": metadata, "cells": cells}


def dumps(nb: dict) -> str:
    """A notebook as the downloads hold it (nbformat's own layout, stable bytes)."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
