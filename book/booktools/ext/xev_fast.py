"""A fast first paint (issue 19): one trimmed stylesheet, no blocking script.

Lighthouse (mobile, slow 4G) found the first paint of every page waiting for
eight theme stylesheets (about 530 KB, 80 KB gzipped, one of them behind an
``@import``) and ten synchronous scripts in the head. When the build
finishes, this step:

- joins the theme's stylesheets (Sphinx's ``basic.css``, pydata-sphinx-theme,
  pygments, sphinx-book-theme, togglebutton, copybutton, myst-nb,
  sphinx-design), in their order, into ``_static/styles/xev-theme.css``,
  without the rules no page can match: a selector goes when one of its class
  or id names appears in no written page and in no shipped script (the
  scripts add classes such as ``show`` or ``collapsing``, and the search page
  builds its results). Every ``@media print`` block is kept whole, and so is
  any rule that names no class or id (the colour variables of light and dark
  mode, elements, attributes). The pages link that one file instead of the
  eight; the originals stay in ``_static`` (Sphinx does not copy them again
  on an incremental build), unlinked.
- gives every script in the head ``defer``: they run in the same order, after
  the page is parsed and before ``DOMContentLoaded``, which is when each of
  them starts its work anyway. ``documentation_options.js`` (a few hundred
  bytes, read by the inline line that names the page) is inlined instead.

Like ``xev_light``, each rewrite is idempotent, so a page an incremental
build leaves unwritten stays right; the stylesheet is written again from every
page on each build.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import tinycss2

# The theme's stylesheets, in the order the pages link them; theme.css only @imports basic.css.
THEME_CSS = ("basic.css", "styles/pydata-sphinx-theme.css", "pygments.css", "styles/sphinx-book-theme.css",
             "togglebutton.css", "copybutton.css", "mystnb.*.css", "sphinx-design.min.css")
LINKED = ("styles/theme.css",) + THEME_CSS
OUT = "styles/xev-theme.css"  # in styles/, so pydata's relative url(../vendor/...) still resolve
# Class names that Bootstrap builds at run time (`bs-${name}-auto`), never spelt out in a script.
RUNTIME = re.compile(r"^(bs-|tooltip|popover)")
WORD = re.compile(r"[A-Za-z0-9_-]+")

_LINK = re.compile(r'[ \t]*<link[^>]*\bhref="(?:\.\./)*_static/(?P<name>[^"?]+)(?:\?[^"]*)?"'
                   r'[^>]*rel="stylesheet"[^>]*/>\n?'
                   r'|[ \t]*<link rel="stylesheet"[^>]*\bhref="(?:\.\./)*_static/(?P<name2>[^"?]+)(?:\?[^"]*)?"'
                   r'[^>]*/>\n?')
_OURS = re.compile(r'<link[^>]*href="(?P<pre>(?:\.\./)*)_static/styles/xev-theme\.css\?digest=[0-9a-f]+"[^>]*/>')
_DOCOPTS = re.compile(r'<script src="(?:\.\./)*_static/documentation_options\.js[^"]*"></script>')
_SYNC = re.compile(r'<script (?![^>]*\b(?:defer|async)\b)([^>]*\bsrc="[^"]+"[^>]*)></script>')


def _matches_theme(name: str) -> bool:
    return any(Path(name).match(pattern) for pattern in LINKED)


# --- trimming ---------------------------------------------------------------

def _split(prelude):
    """The comma-separated selectors of a rule's prelude, as token lists (commas inside :is() stay)."""
    out, cur = [], []
    for tok in prelude:
        if tok.type == "literal" and tok.value == ",":
            out.append(cur)
            cur = []
        else:
            cur.append(tok)
    out.append(cur)
    return out


def _names(selector):
    """Class and id names a selector requires. Names inside functional pseudo-classes
    (:not(), :is(), :where(), :has()) are not required: such a selector is kept."""
    names, prev = [], None
    for tok in selector:
        if tok.type == "ident" and prev is not None and prev.type == "literal" and prev.value == ".":
            names.append(tok.value)
        elif tok.type == "hash" and tok.is_identifier:
            names.append(tok.value)
        prev = tok
    return names


def trim(css: str, words: set[str]) -> str:
    """The rules of `css` that can match: every selector whose class and id names are all in `words`."""

    def used(selector) -> bool:
        return all(n in words or RUNTIME.match(n) for n in _names(selector))

    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            kept = [s for s in _split(rule.prelude) if used(s)]
            if kept:
                sel = ",".join(tinycss2.serialize(s).strip() for s in kept)
                out.append(sel + "{" + tinycss2.serialize(rule.content).strip() + "}")
        elif rule.type == "at-rule":
            kw, prelude = rule.lower_at_keyword, tinycss2.serialize(rule.prelude).strip()
            if kw == "charset":
                continue
            if kw in ("media", "supports", "layer", "container") and rule.content is not None \
                    and not (kw == "media" and "print" in prelude):
                inner = trim(tinycss2.serialize(rule.content), words)
                if inner:
                    out.append(f"@{kw} {prelude}{{{inner}}}")
            else:
                out.append(rule.serialize().strip())  # @font-face, @keyframes, @media print: whole
    return "\n".join(out)


def corpus(out: Path) -> set[str]:
    """Every word of every written page and shipped script (not the search index, not the Vega bundle)."""
    words: set[str] = set()
    for f in list(out.rglob("*.html")) + list((out / "_static").rglob("*.js")):
        if f.name == "searchindex.js" or "vega" in f.parts:
            continue
        words.update(WORD.findall(f.read_text("utf-8", errors="replace")))
    return words


def theme_css(static: Path, words: set[str]) -> str:
    parts = []
    for pattern in THEME_CSS:
        for f in sorted(static.glob(pattern)):
            if f.name != Path(OUT).name:
                parts.append(f"/* {f.relative_to(static).as_posix()}, trimmed */\n" + trim(f.read_text("utf-8"), words))
    return "\n".join(parts) + "\n"


# --- pages ------------------------------------------------------------------

def rewrite(page: str, href: str, docopts: str) -> str:
    """One stylesheet for the theme's eight, at the first one's place; every head script deferred."""
    head, sep, body = page.partition("</head>")
    if not sep:
        return page
    first = True

    def link(m):
        nonlocal first
        if not _matches_theme(m.group("name") or m.group("name2")):
            return m.group(0)
        if first:
            first = False
            pre = re.match(r'.*?href="((?:\.\./)*)_static/', m.group(0)).group(1)
            return f'<link href="{pre}_static/{href}" rel="stylesheet" />\n'
        return ""

    head = _LINK.sub(link, head)
    head = _OURS.sub(lambda m: f'<link href="{m.group("pre")}_static/{href}" rel="stylesheet" />', head)
    head = _DOCOPTS.sub(lambda m: f"<script>{docopts}</script>", head)
    head = _SYNC.sub(r"<script defer \1></script>", head)
    return head + sep + body


def _finish(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    static = out / "_static"
    css = theme_css(static, corpus(out))
    (static / OUT).write_text(css, "utf-8")
    href = f"{OUT}?digest={hashlib.sha256(css.encode()).hexdigest()[:20]}"
    docopts = (static / "documentation_options.js").read_text("utf-8").strip()
    for page in out.rglob("*.html"):
        text = page.read_text("utf-8")
        new = rewrite(text, href, docopts)
        if new != text:
            page.write_text(new, "utf-8")


def setup(app):
    app.connect("build-finished", _finish, priority=900)  # after xev_light (500) drops the unused scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
