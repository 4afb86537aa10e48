"""The book's figures: one Altair theme, a source line built from the rows
plotted, alt text, offline HTML, and SVG/PNG export through vl-convert.

Imported on its own (``from helpers import charts``) so that ``import
helpers`` never pulls in Altair.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import altair as alt

from .loading import sources as _sources

# Okabe & Ito's palette: distinguishable under the common colour-vision
# deficiencies (tests check the pairwise contrast under simulation).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
INK = "#1f2328"
MUTED = "#59636e"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# The Vega-Lite version whose JavaScript the book serves (must match Altair's).
VEGALITE = "v" + ".".join(alt.VEGALITE_VERSION.split(".")[:2])


@alt.theme.register("xev", enable=False)
def theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 560, "continuousHeight": 300},
            "range": {"category": PALETTE},
            "mark": {"color": PALETTE[0]},
            "axis": {"labelColor": INK, "titleColor": INK, "labelFontSize": 12, "titleFontSize": 12,
                     "titleFontWeight": "normal", "gridColor": "#e6e8eb", "domainColor": MUTED,
                     "tickColor": MUTED, "labelLimit": 260},
            "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": 12, "titleFontSize": 12,
                       "titleFontWeight": "normal", "orient": "top", "labelLimit": 320},
            "title": {"color": MUTED, "fontSize": 11, "fontWeight": "normal", "anchor": "start",
                      "orient": "bottom", "offset": 14},
            "header": {"labelColor": INK, "titleColor": INK, "labelFontSize": 12},
            "text": {"color": INK, "fontSize": 12},
        }
    }


def enable() -> None:
    """Use the book's theme for every chart made after this call."""
    alt.theme.enable("xev")


def source_names(source_ids) -> list[str]:
    """Short citation names (publisher, else title) for source ids, in order."""
    table = _sources().set_index("source_id")
    names = []
    for sid in dict.fromkeys(source_ids):
        row = table.loc[sid]
        name = row["publisher"] if isinstance(row["publisher"], str) else \
            re.split(r"(?<=[?:])\s", row["title"])[0]
        if sid == "research-notes":
            name = "research notes (pages not named)"
        if name not in names:
            names.append(name)
    return names


def source_line(*frames) -> str:
    """'Source: A; B; C.' for the rows of the frames given (their source_id)."""
    ids = [sid for f in frames for sid in f["source_id"]]
    return "Source: " + "; ".join(source_names(ids)) + "."


class Figure:
    """A finished chart: renders offline in the book, exports to SVG/PNG."""

    def __init__(self, chart: alt.TopLevelMixin, name: str, alt_text: str, source: str):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            raise ValueError(f"figure name {name!r}: use lowercase letters, digits and hyphens")
        self.name = name
        self.alt_text = alt_text
        self.source = source
        self.chart = chart.properties(title=alt.TitleParams(text=source), description=alt_text)

    @property
    def spec(self) -> dict:
        """The Vega-Lite spec, without its $schema address: pages name no other site."""
        with alt.data_transformers.disable_max_rows():
            spec = self.chart.to_dict()
        spec.pop("$schema", None)
        return spec

    def spec_json(self) -> str:
        return json.dumps(self.spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def to_html(self) -> str:
        n = self.name
        spec = self.spec_json().replace("</", "<\\/")
        label = html.escape(self.alt_text, quote=True)
        return (
            f'<div class="xev-figure" data-figure="{n}">'
            f'<div id="xev-{n}" class="xev-chart" role="img" aria-label="{label}"></div>'
            f'<script type="application/json" id="xev-{n}-spec">{spec}</script>'
            "<script>(function(){"
            f'var el=document.getElementById("xev-{n}");'
            f'var spec=JSON.parse(document.getElementById("xev-{n}-spec").textContent);'
            'if(window.vegaEmbed){vegaEmbed(el,spec,{mode:"vega-lite",renderer:"svg",actions:false});}'
            'else{el.textContent="The interactive figure draws in the built book; its SVG and PNG are below.";}'
            "})();</script>"
            f'<p class="xev-downloads">Download: <a href="_static/figures/{n}.svg" download>SVG</a>'
            f' · <a href="_static/figures/{n}.png" download>PNG</a></p>'
            "</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": f"Figure {self.name}: {self.alt_text}"}


def figure(chart: alt.TopLevelMixin, name: str, alt_text: str, *data) -> Figure:
    """Finish ``chart``: the source line comes from the ``source_id`` of the
    frames in ``data`` (the rows plotted); ``alt_text`` says what it shows."""
    if not alt_text or len(alt_text) < 20:
        raise ValueError(f"figure {name!r}: alt text must say what the figure shows")
    return Figure(chart, name, alt_text, source_line(*data))


# ---------------------------------------------------------------- export

def export(spec: dict, folder: Path, name: str) -> list[Path]:
    """Write ``name``.svg and ``name``.png for a Vega-Lite spec."""
    import vl_convert as vlc

    folder.mkdir(parents=True, exist_ok=True)
    svg = folder / f"{name}.svg"
    png = folder / f"{name}.png"
    svg.write_text(vlc.vegalite_to_svg(spec, vl_version=VEGALITE), "utf-8")
    png.write_bytes(vlc.vegalite_to_png(spec, vl_version=VEGALITE, scale=2))
    return [svg, png]


def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script that sets them as globals."""
    import vl_convert as vlc

    # Wrapped in a function: as a classic script its top-level names (such as
    # `_`) would clash with the page's other scripts.
    return "(function(){\n" + vlc.javascript_bundle(vl_version=VEGALITE) + "\n})();\n"
