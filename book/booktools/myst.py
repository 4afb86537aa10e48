"""The book's MyST prose as plain Markdown, with the values glued in a
notebook's stored outputs written in: the one renderer behind `make lab`
(booktools.lab, which shows the book's notebooks this way) and the reader's
copy each page offers for download (booktools.reader).

- ``{glue}`` roles and directives become the glued value (HTML with its
  evidence link and standing marker, or its text), ``{glue:text}`` its text;
- a ``{glue:figure}`` becomes its numbered caption (the chart is the output of
  the cell that glues it), ``{numref}``/``{ref}`` "Figure N" or the target's
  heading, an admonition a block quote, ``[...]{.class}`` spans their text;
- ``(label)=`` lines and directive options disappear.

Where links lead is the caller's: ``NotebookLinks`` (the book's notebooks side
by side, as `make lab` serves them) or ``PublicLinks`` (the published book's
address, for a copy that travels alone).
"""
from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

GLUE_PREFIX = "application/papermill.record/"
# The order in which myst-nb's HTML output picks a glued value's format.
RICH = ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain")

_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*?)\s*$")
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_OPTION = re.compile(r"^:([\w-]+):(.*)$")
_TARGET = re.compile(r"^\(([^()\s]+)\)=\s*$")
_ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<body>[^`]*)`")
_LINK = re.compile(r"\[(?P<text>[^\[\]]*)\]\(#(?P<label>[^)\s]+)\)")
_SPAN_END = re.compile(r"\]\{(?:\.[\w-]+\s*)+\}")   # the end of a MyST span, [text]{.class}
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
_ANCHOR = re.compile(r'<a\b([^>]*)\bhref="([\w-]+)\.html(#[^"]*)?"([^>]*)>(.*?)</a>', re.S)


class NotebookLinks:
    """Links as `make lab` serves the book: its notebooks side by side in one
    folder, so a link to a page opens that page's notebook."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder

    def page(self, page: str, fragment: str = "") -> str | None:
        """Where a link to ``page`` (and an anchor on it) leads; None: no link."""
        return f"{page}.ipynb"

    def value(self, page: str, fragment: str = "") -> str | None:
        """Where a glued value's link into the book (``page.html#fragment``) leads."""
        if self.folder is not None and (self.folder / f"{page}.ipynb").exists():
            return f"{page}.ipynb"
        return f"{page}.html{fragment}"

    def file(self, path: str) -> str | None:
        """Where a link to one of the book's files (``_static/...``) leads: beside the notebooks."""
        return path


class PublicLinks:
    """Links for a notebook that travels alone: to the published book, at the
    address CITATION.cff names (``address(path)``); no link while it names none."""

    def __init__(self, address):
        self.address = address

    def page(self, page: str, fragment: str = "") -> str | None:
        url = self.address(f"{page}.html")
        return url + fragment if url else None

    value = page

    def file(self, path: str) -> str | None:
        return self.address(path)


# A markdown link to another page's notebook or to one of the book's files: they do not travel
# with a notebook, so its link renderer (``links``) says where they lead.
_FILE_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[\w-]+\.ipynb|_static/[^)\s]+)\)")


def _for_markdown(value: str, links) -> str:
    """A glued HTML value as a notebook's markdown can show it: each preview
    (a tooltip the book's CSS hides) becomes its link's native hover title;
    links into the book go where ``links`` says (or become plain text with the
    same title); a $ stays a $ (JupyterLab reads $...$ as math)."""
    tips = {}

    def keep(m):
        tips[m[1]] = html.unescape(re.sub(r"<[^>]+>", "", m[2])).strip()
        return ""

    value = _TIP.sub(keep, value)
    value = re.sub(r'aria-describedby="([^"]+)"',
                   lambda m: f'title="{html.escape(tips[m[1]], quote=True)}"' if m[1] in tips else m[0], value)

    def link(m):
        href = links.value(m[2], m[3] or "")
        if href is not None:
            return f'<a{m[1]}href="{html.escape(href, quote=True)}"{m[4]}>{m[5]}</a>'
        title = re.search(r'\btitle="[^"]*"', m[1] + m[4])
        return f'<span{" " + title[0] if title else ""}>{m[5]}</span>'

    return _ANCHOR.sub(link, value).replace("$", "&#36;")


def _rich(bundle: dict, block: bool, links=None) -> str:
    data = bundle["data"]
    for mime in RICH:
        if mime not in data:
            continue
        value = _text(data[mime])
        if mime == "text/html":
            return _for_markdown(value.strip(), links or NotebookLinks())
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
    """The pages of the folder's _toc.yml (booktools.project reads it); with no toc,
    every notebook of the folder, by name."""
    from booktools.project import read_toc, toc_pages

    try:
        return toc_pages(read_toc(folder / "_toc.yml"))
    except Exception:   # no toc, or one that does not parse
        return sorted(p.stem for p in folder.glob("*.ipynb"))


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
    def __init__(self, values: dict[str, dict], book: Book | None = None, page: str = "", links=None):
        self.values = values
        self.book = book
        self.page = page
        self.links = links or NotebookLinks(book.folder if book else None)

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
            return _rich(bundle, block=False, links=self.links)
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
        href = self._href(label)
        return f"[{text}]({href})" if href else text

    def inline(self, text: str) -> str:
        text = _ROLE.sub(self.role, text)

        def local(m):
            href = self._href(m["label"])
            return f"[{m['text']}]({href})" if href else m["text"]

        def file(m):
            target = m["target"]
            href = self.links.page(target[:-len(".ipynb")]) if target.endswith(".ipynb") else self.links.file(target)
            return f"[{m['text']}]({href})" if href else m["text"]

        return _FILE_LINK.sub(file, _LINK.sub(local, text))

    def _href(self, label: str) -> str | None:
        """A ``(label)=`` target's link: its heading on this page, else its page (``links``)."""
        page, heading = (self.book.targets.get(label) if self.book else None) or ("", "")
        if not heading:
            return f"#{label}"
        return f"#{_anchor(heading)}" if page == self.page else self.links.page(page)

    # blocks --------------------------------------------------------------
    def render(self, source: str) -> str:
        return "\n".join(self._lines(_unspan(source).splitlines())).strip("\n")

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
            yield _rich(bundle, block=True, links=self.links)   # an image no cell shows: show it here
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
            yield _rich(bundle, block=True, links=self.links)
        yield ""

    def _admonition(self, name: str, arg: str, content: list[str]):
        title = arg if name == "admonition" else name.capitalize() + (f": {arg}" if arg else "")
        yield ""
        yield f"> **{self.inline(title)}**"
        yield ">"
        for c in content:
            yield f"> {c}" if c else ">"
        yield ""


def _unspan(source: str) -> str:
    """``[text]{.class}`` (a MyST span, which may hold links and roles and run
    over several lines) as its text."""
    while (end := _SPAN_END.search(source)) is not None:
        depth, i = 0, end.start()
        while i >= 0:   # back to the bracket that opens this span
            depth += {"]": 1, "[": -1}.get(source[i], 0)
            if depth == 0:
                break
            i -= 1
        if i < 0:    # no opening bracket: leave the text as it is
            return source
        source = source[:i] + source[i + 1:end.start()] + source[end.end():]
    return source


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


