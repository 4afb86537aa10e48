"""JupyterLab on the book's notebooks, read the way they read online.

`make lab` points Jupyter at this folder (JUPYTER_CONFIG_PATH=lab), whose
jupyter_server_config.py installs ``BookContentsManager`` and ``BookSessionManager``:

- **Prose with its values.** The book's markdown is MyST: numbers arrive
  through ``{glue}`` roles, figures through ``{glue:figure}`` directives.
  JupyterLab's renderer knows none of it, and jupyterlab-myst does not resolve
  glue (README, "Run this chapter"). So when JupyterLab opens a notebook of the
  book, the server renders each markdown cell's MyST with the values glued in
  that notebook's stored outputs (the values of the published page), by
  booktools.myst, the renderer the reader's copies are written with too.
- **Running never changes the checkout.** The notebooks of the book are
  served read-only (``writable: false``; JupyterLab then never autosaves
  them) and the server refuses to write over them. "Save Notebook As..."
  writes a copy, with the original MyST markdown restored.
- **Live charts.** ``BookSessionManager`` gives each notebook's kernel the
  variable with which a figure adds its interactive chart, a widget view,
  beside its SVG (helpers.pages.interactive); a saved copy loses the widget views
  and keeps the SVG, which shows without a kernel.

Nothing here runs in the book build or the tests of the notebooks: those
read the files on disk, which this never changes.
"""
from __future__ import annotations

from pathlib import Path

from .myst import GLUE_PREFIX, Book, Renderer, _text, glued

__all__ = ["Book", "render_notebook", "restore_notebook", "contents_manager_class"]

META = "xev_lab"   # cell metadata key holding the MyST source while a cell is shown rendered


# ------------------------------------------------------------------ notebooks

def render_notebook(nb, book: Book | None = None, page: str = "") -> int:
    """Render the MyST of every markdown cell in place (keeping the source in
    the cell's metadata); return how many cells changed."""
    renderer = Renderer(glued(nb), book, page)
    changed = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = _text(cell.get("source", ""))
        shown = renderer.render(source)
        if shown != source:
            cell.setdefault("metadata", {})[META] = {"myst": source, "shown": shown}
            cell["source"] = shown
            changed += 1
    return changed


def restore_notebook(nb) -> None:
    """Undo ``render_notebook`` before a notebook is written: a cell still as
    shown gets its MyST back; a cell the reader edited keeps the edit."""
    for cell in nb.get("cells", []):
        kept = (cell.get("metadata") or {}).pop(META, None)
        if kept and _text(cell.get("source", "")) == kept.get("shown"):
            cell["source"] = kept["myst"]


# ------------------------------------------------------------------ the server side

def contents_manager_class():
    """The contents manager `make lab` uses (imported lazily: only the Jupyter
    server needs jupyter_server)."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from tornado import web

    class BookContentsManager(AsyncLargeFileManager):
        """Serves the book's notebooks rendered and read-only (see the module)."""

        _book = None

        @property
        def book(self) -> Book:
            if self._book is None:
                self._book = Book(Path(self.root_dir))
            return self._book

        async def get(self, path, content=True, type=None, format=None, **kwargs):
            model = await super().get(path, content=content, type=type, format=format, **kwargs)
            if model.get("type") == "notebook" and self.book.notebook(path):
                model["writable"] = False
                if content and model.get("content") is not None:
                    self._book = None   # figure numbers and targets as they are now
                    render_notebook(model["content"], self.book, path.strip("/")[:-6])
            return model

        async def save(self, model, path=""):
            if model.get("type") == "notebook" and self.book.notebook(path) and \
                    (Path(self.root_dir) / path.strip("/")).exists():
                raise web.HTTPError(403, f"{path} is part of the book and is not saved from JupyterLab, so "
                                         "that running it never changes the project. Use File > Save "
                                         "Notebook As... to keep your own copy.")
            if model.get("type") == "notebook" and model.get("content"):
                restore_notebook(model["content"])
                drop_widget_views(model["content"])
            return await super().save(model, path)

    return BookContentsManager


def drop_widget_views(nb) -> int:
    """Remove the live charts' widget views (helpers.pages.interactive) from the outputs that also
    hold a static form: saved, a widget view without its kernel shows an error in JupyterLab
    instead of the chart, while the SVG beside it shows everywhere. Returns how many went."""
    from helpers.pages.interactive import WIDGET_VIEW

    dropped = 0
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data and set(data) - {WIDGET_VIEW, "text/plain"}:
                del data[WIDGET_VIEW]
                dropped += 1
    return dropped


def session_manager_class():
    """The session manager `make lab` uses: a notebook's kernel gets LIVE_ENV, so that its figures
    add their live chart (helpers.pages.interactive). Only these kernels: not the server's terminals, nor
    a build or nbval started from one, whose notebooks must store the static figure alone."""
    from jupyter_server.services.sessions.sessionmanager import SessionManager

    class BookSessionManager(SessionManager):
        def get_kernel_env(self, path, name=None):
            from helpers.pages.interactive import LIVE_ENV  # here, so that the server starts without pandas

            return {**super().get_kernel_env(path, name), LIVE_ENV: "1"}

    return BookSessionManager


def __getattr__(name):
    """``xev_lab.RenderMyST``: the nbconvert preprocessor (made on first use, so
    that the Jupyter server never imports nbconvert through this module)."""
    if name != "RenderMyST":
        raise AttributeError(name)
    from nbconvert.preprocessors import Preprocessor

    class RenderMyST(Preprocessor):
        """nbconvert: the book's MyST prose with the values glued by the run."""

        def preprocess(self, nb, resources):
            meta = resources.get("metadata") or {}
            render_notebook(nb, Book(Path(meta.get("path") or ".")), meta.get("name", ""))
            for cell in nb.cells:   # values glued for the prose only: no output to show
                if "outputs" in cell:
                    cell.outputs = [o for o in cell.outputs
                                    if not all(k.startswith(GLUE_PREFIX) for k in o.get("data", {"": 0}))]
            return nb, resources

    globals()["RenderMyST"] = RenderMyST
    return RenderMyST
