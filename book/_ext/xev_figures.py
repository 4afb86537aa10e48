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
  CITATION.cff through helpers.cite: nothing is typed here. The cite blocks
  stored in the notebooks' outputs are rendered again here (cite.refresh), so
  they carry the public address CITATION.cff names at build time.
- Every page gets a meta description: its first key finding, as text.
"""
from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_IMG = re.compile(r'<div class="xev-chart" style="([^"]*)"><img class="xev-static" '
                  r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)" [^>]*></div>')
_FIGNUM = re.compile(r'<span class="xev-fignum" data-figure="([a-z0-9-]+)">Figure</span>')


def inline_figures(body: str) -> str:
    def svg(m):
        style, data, alt = m.groups()
        text = base64.b64decode(data).decode("utf-8")
        text = re.sub(r"^<svg\b", '<svg aria-hidden="true" focusable="false"', text, count=1)
        return (f'<div class="xev-chart xev-has-static" role="img" aria-label="{alt}" style="{style}">'
                f'<div class="xev-static">{text}</div></div>')
    return _IMG.sub(svg, body)


def number_figures(body: str, numbers: dict) -> str:
    def num(m):
        n = numbers.get(f"fig-{m.group(1)}")
        return "Figure " + ".".join(map(str, n)) if n else "Figure"
    return _FIGNUM.sub(num, body)


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
    from helpers import cite

    title = _title(app.env, pagename)
    body = context.get("body", "")
    body = cite.refresh(body)   # cite blocks with the address CITATION.cff names now
    body = inline_figures(body)
    body = number_figures(body, app.env.toc_fignumbers.get(pagename, {}).get("figure", {}))
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
    from helpers import cite

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
