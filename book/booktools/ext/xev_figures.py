"""Figures and citation metadata in the published pages.

- A figure's static SVG travels in the notebook as an ``<img>`` with a data:
  URL (JupyterLab's sanitizer keeps that in an untrusted notebook; it drops
  inline ``<svg>``). In the book it is written inline instead, so it draws
  with the page's font (an SVG in an <img> cannot use web fonts) and the
  browser tests can measure its text. Its box keeps the same size.
- "Cite this figure" gets the figure's number, which Sphinx assigns (numfig).
- Every page gets reference-manager metadata: ``citation_*`` meta tags
  (Highwire Press names, read by Zotero, Mendeley and Google Scholar), and a
  RIS and a CSL-JSON file (``_static/cite/<page>.ris`` / ``.json``) linked
  from the page's head and from its citation section. Values come from
  CITATION.cff through helpers.pages.cite: nothing is typed here. The cite blocks
  stored in the notebooks' outputs are rendered again here (cite.refresh), so
  they carry the public address CITATION.cff names at build time.
- Every page gets a meta description: its first key finding, as text.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path


def _figures(app, pagename: str) -> list[tuple[dict, str]]:
    """The figures a page's notebook outputs hold: (payload, SVG) each, in order."""
    from helpers.pages.charts import MIME

    path = Path(app.env.doc2path(pagename))
    if path.suffix != ".ipynb":
        return []
    cells = json.loads(path.read_text("utf-8"))["cells"]
    def text(value):   # nbformat stores a text output as one string or as its lines
        return value if isinstance(value, str) else "".join(value)

    found = {out["data"][MIME]["name"]: (out["data"][MIME], text(out["data"]["image/svg+xml"]))
             for cell in cells if cell["cell_type"] == "code"
             for out in cell.get("outputs", []) if MIME in out.get("data", {})}
    return list(found.values())   # one per figure (a glued figure is stored once per glue)


def page_figures(body: str, figures, numbers: dict) -> str:
    """Each figure as the book shows it: its SVG inline instead of in an <img>, and
    "Figure" in its citation replaced by the number Sphinx gave it. Both forms are
    rendered from the figure's own data (helpers.pages.html); a figure whose
    notebook form is not in the page is a build error, not a silent miss."""
    from helpers.pages import html as markup

    for payload, svg in figures:
        size = (payload["alt_text"], payload["width"], payload["height"])
        stored = markup.static_chart(svg, *size)
        if stored not in body:
            raise ValueError(f"figure {payload['name']!r}: its stored chart markup is not in the page")
        body = body.replace(stored, markup.inline_chart(svg, *size))
        body = body.replace(markup.fignum_placeholder(payload["name"]),
                            markup.fignum(numbers.get(f"fig-{payload['name']}")))
    return body


_TIP = re.compile(r'<span class="xev-tip"[^>]*>.*?</span>', re.S)
_FINDING = re.compile(r'<div class="xev-findings[^"]*">\s*<ul[^>]*>\s*<li>(.*?)</li>', re.S)
_PARAGRAPH = re.compile(r'<p>(.*?)</p>', re.S)
_SKIP = re.compile(r'<div class="xev-asof[^"]*">.*?</div>|<p class="[^"]*">.*?</p>', re.S)
DESCRIPTION_MAX = 160


def description(body: str, limit: int = DESCRIPTION_MAX) -> str | None:
    """A page's meta description: its first key finding (the first item of its
    ``xev-findings`` list), else the first paragraph after its title; text only
    (previews left out), at most ``limit`` characters, cut at a word boundary."""
    m = _FINDING.search(body)
    if not m:
        after_title = body.split("</h1>", 1)[-1]
        m = _PARAGRAPH.search(_SKIP.sub("", after_title))
    if not m:
        return None
    text = html.unescape(re.sub(r"<[^>]+>", "", _TIP.sub("", m.group(1))))
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.\u2013\u2014") + "\u2026"
    return text or None


def _title(env, docname: str) -> str:
    return env.titles[docname].astext() if docname in env.titles else docname


def _page_context(app, pagename, templatename, context, doctree):
    if doctree is None or pagename not in app.env.found_docs:
        return
    from helpers.pages import cite

    title = _title(app.env, pagename)
    body = context.get("body", "")
    body = cite.refresh(body)   # cite blocks with the address CITATION.cff names now
    body = page_figures(body, _figures(app, pagename), app.env.toc_fignumbers.get(pagename, {}).get("figure", {}))
    files = (f'<p class="xev-refman">For reference managers: '
             f'<a href="_static/cite/{pagename}.ris" download>RIS</a> · '
             f'<a href="_static/cite/{pagename}.json" download>CSL-JSON</a></p>')
    # after the "Cite this chapter" block when the page has one, else at the end
    m = re.search(r'<pre class="xev-bibtex">.*?</pre>', body, re.S)
    body = body[:m.end()] + files + body[m.end():] if m else body + files
    context["body"] = body
    tags = "".join(f'<meta name="{k}" content="{html.escape(str(v), quote=True)}">\n'
                   for k, v in cite.page_meta(title, pagename).items() if v)
    text = description(body)
    if text:
        tags += f'<meta name="description" content="{html.escape(text, quote=True)}">\n'
    for kind, ext in (("application/x-research-info-systems", "ris"),
                      ("application/vnd.citationstyles.csl+json", "json")):
        tags += f'<link rel="alternate" type="{kind}" href="_static/cite/{pagename}.{ext}">\n'

    context["metatags"] = context.get("metatags", "") + tags


def _write_cite_files(app, exception):
    if exception or app.builder.format != "html":
        return
    from helpers.pages import cite

    out = Path(app.outdir) / "_static" / "cite"
    out.mkdir(parents=True, exist_ok=True)
    for docname in sorted(app.env.found_docs):
        title = _title(app.env, docname)
        (out / f"{docname}.ris").write_bytes(cite.ris(title, docname).encode("utf-8"))
        (out / f"{docname}.json").write_text(json.dumps(cite.csl(title, docname), indent=1, ensure_ascii=False) + "\n",
                                             "utf-8")


def setup(app):
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _write_cite_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
