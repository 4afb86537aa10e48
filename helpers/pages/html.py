"""The book's own markup, written in one place.

Pages, evidence, figures and citations are HTML strings made in the kernel
and stored in the notebooks' outputs; the book's Sphinx extensions, the lab
server, the browser tooling and the tests act on them. They share this
module: the escaping rule (``esc``), the class names (constants below, also
read by ``book/_static/xev.js`` and ``xev-evidence.js``, which
tests/test_html.py holds to them), and the templates of the figure markup.

Nothing parses this markup back: where the book turns the notebook form of
a figure into its page form, it renders both forms from the same data
(``static_chart`` and ``inline_chart``) and swaps one for the other.
"""
from __future__ import annotations

import base64
import html as _html
import math

# ------------------------------------------------------------ class names
FIGURE = "xev-figure"            # a figure block: chart, spec, downloads, citation
CHART = "xev-chart"              # the chart's box (keeps the SVG's aspect ratio)
STATIC = "xev-static"            # the static SVG (an <img> in notebooks, inline in the book)
HAS_STATIC = "xev-has-static"    # a chart box whose static SVG is inline (the book)
SPEC = "xev-spec"                # the Vega-Lite spec, for the interactive view
DOWNLOADS = "xev-downloads"      # the figure's download line
FIGNUM = "xev-fignum"            # "Figure", until the build writes the number Sphinx gives
STATIC_FIGURE = "xev-static-figure"  # a chart replaced by its PNG for print
EVIDENCE_WRAP = "xev-evw"        # a glued value: its link, marker and preview
TIP = "xev-tip"                  # a preview (role=tooltip)


def esc(x) -> str:
    """Text as HTML (attributes included); a missing value (None or NaN) is empty."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return _html.escape(str(x), quote=True)


# ------------------------------------------------------------ figures

def figure_files(name: str) -> str:
    """Where a figure's SVG, PNG and CSV are published, without the suffix."""
    return f"_static/figures/{name}"


def _svg_data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def static_chart(svg: str, alt_text: str, width: float, height: float) -> str:
    """The chart as notebooks carry it: the SVG in an <img> (JupyterLab's sanitizer
    keeps that in an untrusted notebook; it drops inline <svg>)."""
    return (f'<div class="{CHART}" style="aspect-ratio:{width:g} / {height:g}">'
            f'<img class="{STATIC}" src="{_svg_data_url(svg)}" alt="{esc(alt_text)}" '
            f'width="{width:g}" height="{height:g}"></div>')


def inline_chart(svg: str, alt_text: str, width: float, height: float) -> str:
    """The chart as the book shows it: the SVG inline, so that it draws with the
    page's font and the browser tests can measure its text; same box."""
    if svg.startswith("<svg"):
        svg = '<svg aria-hidden="true" focusable="false"' + svg[len("<svg"):]
    return (f'<div class="{CHART} {HAS_STATIC}" role="img" aria-label="{esc(alt_text)}" '
            f'style="aspect-ratio:{width:g} / {height:g}"><div class="{STATIC}">{svg}</div></div>')


def figure_block(name: str, chart: str, spec_json: str, citation: str, max_width: float) -> str:
    """A whole figure: the chart, its spec for the interactive view, its downloads and citation."""
    files = figure_files(name)
    return (f'<div class="{FIGURE}" data-figure="{esc(name)}" style="max-width:{max_width:.0f}px">'
            + chart +
            f'<script type="application/json" class="{SPEC}">{spec_json}</script>'
            f'<p class="{DOWNLOADS}">Download: <a href="{files}.svg" download>SVG</a>'
            f' · <a href="{files}.png" download>PNG (2x)</a>'
            f' · <a href="{files}.csv" download>data (CSV, with sources and quotes)</a></p>'
            + citation + "</div>")


def fignum_placeholder(name: str) -> str:
    """"Figure" in a figure's citation, until the build writes the number Sphinx gives it."""
    return f'<span class="{FIGNUM}" data-figure="{esc(name)}">Figure</span>'


def fignum(number: tuple[int, ...] | None) -> str:
    return "Figure " + ".".join(map(str, number)) if number else "Figure"
