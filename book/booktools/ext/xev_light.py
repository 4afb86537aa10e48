"""Light, valid pages (issue 19).

- Every evidence preview has its own id. A value glued twice on a page is
  the same HTML twice, so its tooltip's id (``xev-tip-<name>``) would repeat
  and the second link's ``aria-describedby`` would point at the first
  tooltip. The second and later copies get ``-2``, ``-3``... on their id and
  on the link that names it.
- No Font Awesome: the theme's 1.4 MB ``fontawesome.js`` only turns a dozen
  ``<i class="fa-...">`` into SVG; ``xev-icons.css`` draws those icons
  (inline SVG masks) and the script is neither linked nor shipped.
- The search index loads only when search is used: the theme links
  ``searchtools.js``, ``language_data.js`` and ``searchindex.js`` from every
  page, where nothing uses them (the search box sends the reader to
  ``search.html``, which loads them itself).

The last two are written into the theme's templates, not into the page body,
so they are removed from the written pages when the build finishes (each
rewrite is idempotent: an incremental build that leaves a page unwritten
leaves it right).
"""
from __future__ import annotations

import re
from pathlib import Path

_TIP = re.compile(r'aria-describedby="(xev-tip-[^"]+)"(>.*?<span class="xev-tip" role="tooltip" id=")\1"', re.S)
_UNUSED = re.compile(r'(?:<!-- So that users can add custom icons -->\s*)?<script[^>]*\bsrc="[^"]*'
                     r'(?:fontawesome|searchtools|language_data|searchindex)\.js[^"]*"[^>]*></script>\s*')
_FONTAWESOME = re.compile(r'(?:<!-- So that users can add custom icons -->\s*)?<script[^>]*\bsrc="[^"]*'
                          r'fontawesome\.js[^"]*"[^>]*></script>\s*')


def unique_tips(body: str) -> str:
    """Number the second and later copies of each tooltip id (and their links' aria-describedby)."""
    seen: dict[str, int] = {}

    def one(m):
        tip = m.group(1)
        seen[tip] = seen.get(tip, 0) + 1
        new = tip if seen[tip] == 1 else f"{tip}-{seen[tip]}"
        return f'aria-describedby="{new}"{m.group(2)}{new}"'
    return _TIP.sub(one, body)


def lighten(page: str, search_page: bool) -> str:
    """A written page without Font Awesome, and without the search scripts unless it is the search page."""
    return (_FONTAWESOME if search_page else _UNUSED).sub("", page)


def _page_context(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = unique_tips(context["body"])


def _rewrite(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text("utf-8")
        light = lighten(text, page.relative_to(out).as_posix() == "search.html")
        if light != text:
            page.write_text(light, "utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (out / "_static" / "scripts" / name).unlink(missing_ok=True)


def setup(app):
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
