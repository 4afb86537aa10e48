"""JupyterLab on the book's notebooks, read the way they read online.

`make lab` points Jupyter at this folder (JUPYTER_CONFIG_PATH=lab), whose
jupyter_server_config.py installs ``BookContentsManager`` and ``BookSessionManager``:

- **Prose with its values.** The book's markdown is MyST: numbers arrive
  through ``{glue}`` roles, figures through ``{glue:figure}`` directives.
  JupyterLab's renderer knows none of it, and jupyterlab-myst does not resolve
  glue (README, "Run this chapter"). So when JupyterLab opens a notebook of the
  book, the server renders each markdown cell's MyST with the values glued in
  that notebook's stored outputs (the values of the published page): glued
  numbers, dates and lists appear in place, a ``{glue:figure}`` becomes its
  numbered caption (the chart is the output of the cell that glues it),
  ``{numref}``/``{ref}`` become "Figure N" or the target's heading, and
  ``(label)=`` lines and directive options disappear.
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

import html
import re
import subprocess
from pathlib import Path

GLUE_PREFIX = "application/papermill.record/"
# The order in which myst-nb's HTML output picks a glued value's format.
RICH = ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain")
META = "xev_lab"   # cell metadata key holding the MyST source while a cell is shown rendered

_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*?)\s*$")
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_OPTION = re.compile(r"^:([\w-]+):(.*)$")
_TARGET = re.compile(r"^\(([^()\s]+)\)=\s*$")
_ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<body>[^`]*)`")
_LINK = re.compile(r"\]\(#(?P<label>[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
                "error", "seealso", "admonition"}


# ------------------------------------------------------------------ glue values

def glued(nb) -> dict[str, dict]:
    """Every value glued in a notebook's stored outputs: name -> mime bundle
    (prefix of display=False glue removed), and whether it is displayed."""
    values = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            name = (out.get("metadata") or {}).get("scrapbook", {}).get("name")
            if not name:
                continue
            data = {k.removeprefix(GLUE_PREFIX): v for k, v in (out.get("data") or {}).items()}
            values[name] = {"data": data, "displayed": not any(k.startswith(GLUE_PREFIX) for k in out["data"])}
    return values


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _plain(bundle: dict) -> str:
    text = _text(bundle["data"].get("text/plain", ""))
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]   # the repr of a str, as myst-nb's glue:text strips it
    return text


_TIP = re.compile(r'<span class="[^"]*\bxev-tip\b[^"]*" role="tooltip" id="([^"]+)">((?:(?!<span).)*?)</span>', re.S)
_HREF = re.compile(r'href="([\w-]+)\.html(#[^"]*)?"')


def _for_lab(value: str, folder: Path | None = None) -> str:
    """A glued HTML value as JupyterLab's markdown can show it: each preview
    (a tooltip the book's CSS hides) becomes its link's native hover title;
    links to a page of the book open its notebook; a $ stays a $ (JupyterLab
    reads $...$ as math)."""
    tips = {}

    def keep(m):
        tips[m[1]] = html.unescape(re.sub(r"<[^>]+>", "", m[2])).strip()
        return ""

    value = _TIP.sub(keep, value)
    value = re.sub(r'aria-describedby="([^"]+)"',
                   lambda m: f'title="{html.escape(tips[m[1]], quote=True)}"' if m[1] in tips else m[0], value)
    if folder is not None:
        value = _HREF.sub(lambda m: f'href="{m[1]}.ipynb"' if (folder / f"{m[1]}.ipynb").exists() else m[0],
                          value)
    return value.replace("$", "&#36;")


def _rich(bundle: dict, block: bool, folder: Path | None = None) -> str:
    data = bundle["data"]
    for mime in RICH:
        if mime not in data:
            continue
        value = _text(data[mime])
        if mime == "text/html":
            return _for_lab(value.strip(), folder)
        if mime == "text/markdown":
            return value.strip().replace("$", "&#36;")
        if mime.startswith("image/"):
            src = ("data:image/svg+xml;charset=utf-8," + _quote_svg(value) if mime == "image/svg+xml"
                   else f"data:{mime};base64,{value.strip()}")
            return f'<img src="{src}" alt="">'
        return html.escape(_plain(bundle)).replace("$", "&#36;")
    return ""


def _quote_svg(svg: str) -> str:
    from urllib.parse import quote

    return quote(svg, safe="")


# ------------------------------------------------------------------ the book

class Book:
    """What rendering needs to know across the book: the figure numbers and
    the headings of ``(label)=`` targets, page by page, in _toc.yml order."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.figures: dict[str, int] = {}
        self.targets: dict[str, tuple[str, str]] = {}   # label -> (page, heading)
        self.pages = _toc_pages(self.folder)
        n = 0
        for page in self.pages:
            nb = _read(self.folder / f"{page}.ipynb")
            for cell in (nb or {}).get("cells", []):
                if cell.get("cell_type") != "markdown":
                    continue
                lines = _text(cell.get("source", "")).splitlines()
                for i, line in enumerate(lines):
                    m = _OPEN.match(line)
                    if m and m["name"] in ("glue:figure", "figure"):
                        n += 1
                        label = next((o[2].strip() for o in map(_OPTION.match, lines[i + 1:i + 8])
                                      if o and o[1] == "name"), m["arg"].strip())
                        self.figures.setdefault(label, n)
                    t = _TARGET.match(line)
                    if t:
                        heading = next((h[1] for h in map(_HEADING.match, lines[i + 1:i + 4]) if h), t[1])
                        self.targets.setdefault(t[1], (page, heading))

    def notebook(self, path: str) -> bool:
        """Is ``path`` (relative to the book folder) one of the book's notebooks?"""
        return "/" not in path.strip("/") and path.endswith(".ipynb") and \
            (path.strip("/")[:-6] in self.pages or path.strip("/") in _tracked(self.folder))


def _read(path: Path):
    import json

    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _toc_pages(folder: Path) -> list[str]:
    try:
        import yaml

        toc = yaml.safe_load((folder / "_toc.yml").read_text("utf-8"))
    except Exception:   # no toc: every notebook of the folder, by name
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    def files(entries):
        for e in entries or []:
            if "file" in e:
                yield Path(e["file"]).with_suffix("").as_posix()
            yield from files(e.get("sections"))

    pages = [Path(toc["root"]).with_suffix("").as_posix()]
    for part in toc.get("parts", []):
        pages += files(part.get("chapters"))
    return pages + list(files(toc.get("chapters")))


def _tracked(folder: Path) -> set[str]:
    try:
        out = subprocess.run(["git", "ls-files", "--", "*.ipynb"], cwd=folder, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line for line in out.stdout.splitlines() if "/" not in line}


# ------------------------------------------------------------------ MyST -> Markdown

def _anchor(heading: str) -> str:
    """JupyterLab's id for a markdown heading."""
    return re.sub(r"\s", "-", heading.strip())


class Renderer:
    def __init__(self, values: dict[str, dict], book: Book | None = None, page: str = ""):
        self.values = values
        self.book = book
        self.page = page
        self.folder = book.folder if book else None

    # roles ---------------------------------------------------------------
    def role(self, m: re.Match) -> str:
        name, body = m["name"], m["body"]
        if name.startswith("glue"):
            key = body.split(":", 1)[0] if name == "glue:text" else body
            key = key.split("::")[-1].strip()
            bundle = self.values.get(key)
            if bundle is None:
                return f"*[{html.escape(key)}: not computed yet; run the notebook]*"
            if name == "glue:text":
                return html.escape(_plain(bundle)).replace("$", "&#36;")
            if name in ("glue:md", "glue:markdown"):
                return _text(bundle["data"].get("text/markdown", _plain(bundle))).strip().replace("$", "&#36;")
            return _rich(bundle, block=False, folder=self.folder)
        text, label = _split_ref(body)
        if name == "numref":
            number = self.book.figures.get(label) if self.book else None
            if number is None:
                return text or label
            return (text.replace("%s", str(number)).replace("{number}", str(number))
                    if text else f"Figure {number}")
        if name in ("ref", "doc"):
            return self.link(label, text)
        if name == "download":
            return f"[{text or label}]({label})"
        return text or body   # any other role: its text

    def link(self, label: str, text: str = "") -> str:
        page, heading = (self.book.targets.get(label) if self.book else None) or ("", "")
        text = text or heading or label
        if not heading:
            return text
        if page == self.page:
            return f"[{text}](#{_anchor(heading)})"
        return f"[{text}]({page}.ipynb)"

    def inline(self, text: str) -> str:
        text = _ROLE.sub(self.role, text)
        return _LINK.sub(lambda m: f"]({self._href(m['label'])})", text)

    def _href(self, label: str) -> str:
        page, heading = (self.book.targets.get(label) if self.book else None) or ("", "")
        if not heading:
            return f"#{label}"
        return f"#{_anchor(heading)}" if page == self.page else f"{page}.ipynb"

    # blocks --------------------------------------------------------------
    def render(self, source: str) -> str:
        return "\n".join(self._lines(source.splitlines())).strip("\n")

    def _lines(self, lines: list[str]):
        i = 0
        while i < len(lines):
            line = lines[i]
            if _TARGET.match(line):
                i += 1
                continue
            code = _CODE_FENCE.match(line)
            directive = _OPEN.match(line)
            if directive:
                end = _close(lines, i, directive["fence"])
                yield from self.directive(directive["name"], directive["arg"], lines[i + 1:end])
                i = end + 1
                continue
            if code:   # a code block: verbatim
                end = _close(lines, i, code[1])
                yield from lines[i:end + 1]
                i = end + 1
                continue
            yield self.inline(line)
            i += 1

    def directive(self, name: str, arg: str, body: list[str]):
        options = {}
        while body and _OPTION.match(body[0]):
            o = _OPTION.match(body[0])
            options[o[1]] = o[2].strip()
            body = body[1:]
        content = list(self._lines(body))
        if name == "glue:figure":
            yield from self._figure(arg, options, content)
        elif name in ("glue", "glue:any", "glue:md"):
            yield from self._glued(name, arg)
        elif name in _ADMONITIONS:
            yield from self._admonition(name, arg, content)
        elif name in ("code-cell", "code-block", "code", "sourcecode"):
            yield f"```{arg}"
            yield from body
            yield "```"
        else:   # div, container, figure, margin, epigraph, ...: their content
            yield ""
            yield from content
            yield ""

    def _figure(self, arg: str, options: dict, content: list[str]):
        label = options.get("name", arg)
        number = self.book.figures.get(label) if self.book else None
        bundle = self.values.get(arg)
        yield ""
        if bundle is not None and not bundle["displayed"] and \
                any(m.startswith("image/") for m in bundle["data"]):
            yield _rich(bundle, block=True)   # an image no cell shows: show it here
            yield ""
        caption = " ".join(c for c in content if c.strip())
        yield f"*Figure {number or ''}.* {caption}".replace(" .*", ".*").rstrip()
        yield ""

    def _glued(self, name: str, arg: str):
        bundle = self.values.get(arg.split("::")[-1].strip())
        yield ""
        if bundle is None:
            yield f"*[{html.escape(arg)}: not computed yet; run the notebook]*"
        elif name == "glue:md":
            yield _text(bundle["data"].get("text/markdown", _plain(bundle))).strip().replace("$", "&#36;")
        else:
            yield _rich(bundle, block=True, folder=self.folder)
        yield ""

    def _admonition(self, name: str, arg: str, content: list[str]):
        title = arg if name == "admonition" else name.capitalize() + (f": {arg}" if arg else "")
        yield ""
        yield f"> **{self.inline(title)}**"
        yield ">"
        for c in content:
            yield f"> {c}" if c else ">"
        yield ""


def _split_ref(body: str) -> tuple[str, str]:
    m = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", body.strip())
    return (m[1].strip(), m[2].strip()) if m else ("", body.strip())


def _close(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing the fence opened at ``start`` (or the last line)."""
    char, n = fence[0], len(fence)
    for j in range(start + 1, len(lines)):
        s = lines[j].strip()
        if s and set(s) == {char} and len(s) >= n:
            return j
    return len(lines) - 1


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
