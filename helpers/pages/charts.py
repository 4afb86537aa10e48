"""The book's figures.

One SVG per figure, rendered by vl-convert in the kernel when the notebook
runs, serves every reader: it is stored in the notebook's output (JupyterLab,
VS Code and nbconvert show it with no JavaScript and without running), shown
statically in the book (the interactive Vega view replaces it only when the
reader reaches it), printed into the PDFs and offered as a download with a
PNG, a CSV of exactly the rows plotted and a citation.

House rules (checked here; see ``Figure``): at most ``MAX_WIDTH`` px wide in
total, no text under ``MIN_FONT`` px, one font (a subset of DejaVu Sans
Condensed shipped in ``helpers/fonts`` and served to browsers from
``book/_static/fonts``, so vl-convert and the browser measure every label
alike), regular weight, Latin characters only, no label truncated with "…".

Imported on its own (``from helpers.pages import charts``) so that ``import
helpers`` never pulls in Altair.
"""
from __future__ import annotations

import csv
import html
import io
import json
import math
import re
import textwrap
from datetime import date, datetime
from functools import cache
from pathlib import Path

import altair as alt
import pandas as pd

from ..data.descriptor import SOURCE_REGISTRY
from ..data.loading import sources as _sources
from . import html as html_markup

# Okabe & Ito's palette: distinguishable under the common colour-vision
# deficiencies (tests check the pairwise contrast under simulation).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
INK = "#1f2328"
MUTED = "#59636e"
FONT_FAMILY = "Xev Sans"
FONT = FONT_FAMILY  # one name: vl-convert reads a CSS list as one (unknown) family
FONTS = Path(__file__).resolve().parent / "fonts"
# Written into the SVG after rendering, for viewers without the web font (an
# SVG shown as an <img>, as in JupyterLab, cannot load one): Arial, Helvetica
# and Liberation Sans set these labels within a few per cent of its width.
FONT_STACK = f"{FONT_FAMILY}, DejaVu Sans Condensed, Arial, Helvetica, Liberation Sans, sans-serif"
# The characters the shipped font subset holds (pyftsubset --unicodes=...):
# chart text outside them would be drawn with another font by each renderer.
FONT_UNICODES = ("U+0020-007E,U+00A0-00FF,U+0131,U+0152-0153,U+0160-0161,U+0178,U+017D-017E,U+02C6,"
                 "U+02DC,U+2009,U+200A,U+2010-2015,U+2018-201E,U+2020-2022,U+2026,U+202F,U+2030,"
                 "U+2032-2033,U+2039-203A,U+20AC,U+20B9,U+2122,U+2190-2193,U+2212,U+2264-2265,U+2248,"
                 "U+2260,U+25B2,U+25BC,U+25CF")
MAX_WIDTH = 340      # px, everything included: fits a 390 px phone's text column
MIN_FONT = 12        # px; the book never shows a figure below 0.92x, so text stays >= 11 px
DESKTOP_SCALE = 1.4  # the book may enlarge a figure up to this factor on wide screens
KEY_COLUMNS = ("fact_id", "event_id", "claim_id", "watch_id")
# The Vega-Lite version whose JavaScript the book serves (must match Altair's).
VEGALITE = "v" + ".".join(alt.VEGALITE_VERSION.split(".")[:2])
MIME = "application/vnd.xev.figure+json"


def _charset() -> frozenset[str]:
    chars = set()
    for part in FONT_UNICODES.split(","):
        lo, _, hi = part[2:].partition("-")
        chars.update(chr(c) for c in range(int(lo, 16), int(hi or lo, 16) + 1))
    return frozenset(chars | {"\n"})


CHARSET = _charset()


@alt.theme.register("xev", enable=False)
def theme() -> alt.theme.ThemeConfig:
    text = {"font": FONT, "fontSize": MIN_FONT, "fontWeight": "normal"}
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": 6,
            "view": {"stroke": None, "continuousWidth": MAX_WIDTH, "continuousHeight": 220},
            "range": {"category": PALETTE},
            "mark": {"color": PALETTE[0]},
            "text": {"color": INK, "fontSize": MIN_FONT, "lineBreak": "\n"},
            "axis": {"labelColor": INK, "titleColor": INK, "labelFontSize": MIN_FONT, "titleFontSize": MIN_FONT,
                     "labelFont": FONT, "titleFont": FONT, "titleFontWeight": "normal",
                     "gridColor": "#e6e8eb", "domainColor": MUTED, "tickColor": MUTED,
                     "labelLimit": 0, "labelOverlap": True, "labelFlush": True, "labelAngle": 0},
            "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": MIN_FONT, "titleFontSize": MIN_FONT,
                       "labelFont": FONT, "titleFont": FONT, "titleFontWeight": "normal",
                       "orient": "top", "direction": "vertical", "labelLimit": 0},
            "title": {"color": MUTED, "fontSize": MIN_FONT, "fontWeight": "normal", "anchor": "start",
                      "orient": "bottom", "offset": 12, "font": FONT, "subtitleFont": FONT,
                      "subtitleFontSize": MIN_FONT, "subtitleFontWeight": "normal"},
            "header": {"labelColor": INK, "titleColor": INK, "labelFontSize": MIN_FONT, "titleFontSize": MIN_FONT,
                       "labelFont": FONT, "titleFont": FONT, "labelFontWeight": "normal",
                       "titleFontWeight": "normal", "labelAngle": 0, "labelAlign": "left",
                       "labelAnchor": "start", "labelLimit": 0},
            "style": {"guide-label": text, "guide-title": text, "group-title": text},
        }
    }


def enable() -> None:
    """Use the book's theme for every chart made after this call."""
    alt.theme.enable("xev")


def wrap(text: str, width: int = 24) -> str:
    """``text`` broken into lines of at most ``width`` characters (joined by
    "\\n"): text marks break there (the theme's lineBreak), and so do axis
    labels drawn with ``wrapped_axis()``."""
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text)


def wrapped_axis(**kwargs) -> alt.Axis:
    """An axis whose labels break at "\\n" (see ``wrap``)."""
    return alt.Axis(labelExpr="split(datum.label, '\\n')", **kwargs)


def source_names(source_ids) -> list[str]:
    """Short citation names for source ids, in order, each once (helpers.pages.evidence.source_name)."""
    from .evidence import source_name

    return list(dict.fromkeys(source_name(sid) for sid in dict.fromkeys(source_ids)))


def source_line(*frames) -> str:
    """'Source: A; B; C.' for the rows of the frames given (their source_id)."""
    ids = [sid for f in frames for sid in f["source_id"]]
    return "Source: " + "; ".join(source_names(ids)) + "."


# ---------------------------------------------------------------- rendering

@cache
def _converter():
    """vl-convert, with the book's font registered (once per process)."""
    import vl_convert as vlc

    vlc.register_font_directory(str(FONTS))
    return vlc


def json_for_html(value) -> str:
    """JSON safe to put inside an HTML <script> element: '<', '>', '&' and the
    JavaScript line separators U+2028/U+2029 are written as \\u escapes."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


_COMPOSITE = ("facet", "hconcat", "vconcat", "concat", "repeat")
_TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", re.S)


def _texts(svg: str) -> list[tuple[str, str]]:
    """(attributes, text) of every <text> element of an SVG (tspans flattened)."""
    return [(a, html.unescape(re.sub(r"<[^>]+>", "\n", t))) for a, t in _TEXT.findall(svg)]


def _scope_ids(svg: str, name: str) -> str:
    """Prefix every id of the SVG with the figure's name, so that several
    figures inlined in one page never share a clip path."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for i in sorted(ids, key=len, reverse=True):
        new = f"xev-{name}-{i}"
        svg = svg.replace(f'id="{i}"', f'id="{new}"').replace(f"url(#{i})", f"url(#{new})") \
                 .replace(f'href="#{i}"', f'href="#{new}"')
    return svg


_DROP_ATTR = re.compile(r'\s(?:aria-[a-z]+|role|class|pointer-events)="[^"]*"|\sopacity="1"')
_EMPTY_PATH = re.compile(r'<path d="(?:|M0,0h0v0h0Z)"[^>]*/>')
_DECIMALS = re.compile(r"(\d\.\d{2})\d+")


def _compact(svg: str, label: str) -> str:
    """A smaller SVG that draws the same: no per-mark ARIA (the figure's alt
    text labels the whole image instead), no CSS classes but the root's
    "marks", no empty paths, coordinates to 2 decimals. Text is untouched."""
    head_end = svg.index(">") + 1
    head, body = svg[:head_end], svg[head_end:]
    body = re.sub(r"<[^>]+>", lambda m: _DECIMALS.sub(r"\1", _DROP_ATTR.sub("", m.group(0))), body)
    body = _EMPTY_PATH.sub("", body)
    body = body.replace(f'font-family="{FONT_FAMILY}"', f'font-family="{FONT_STACK}"')
    head = head.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label, quote=True)}" ', 1)
    return head + body


def _plain(value):
    """A JSON-safe cell: NaN/NaT -> None, timestamps -> ISO dates."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.date().isoformat() if isinstance(value, (pd.Timestamp, datetime)) else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _key_of(frame: pd.DataFrame) -> str:
    for k in list(frame.attrs.get("primary_key", [])[:1]) + list(KEY_COLUMNS):
        if k in frame.columns:
            return k
    raise ValueError("the rows plotted must keep their table's key column "
                     f"(one of {', '.join(KEY_COLUMNS)}) and source_id")


def _plotted_keys(spec, key: str) -> set[str]:
    """Every value of ``key`` (or of a "keys" column: keys joined by "; ") in the
    data a spec carries (Altair's top-level datasets and inline values)."""
    found: set[str] = set()

    def records(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "datasets" and isinstance(v, dict):
                    for rows in v.values():
                        yield from rows
                elif k == "values" and isinstance(v, list) and v and isinstance(v[0], dict):
                    yield from v
                else:
                    yield from records(v)
        elif isinstance(node, list):
            for v in node:
                yield from records(v)

    for rec in records(spec):
        if rec.get(key) is not None:
            found.add(str(rec[key]))
        if rec.get("keys"):
            found.update(k.strip() for k in str(rec["keys"]).split(";") if k.strip())
    return found


@cache
def _quotes(table: str) -> dict:
    from ..data.loading import load_table

    df = load_table(table)
    key = df.attrs["primary_key"][0]
    cols = [c for c in ("quote", "quote_origin") if c in df.columns]
    return {str(k): {c: _plain(v) for c, v in zip(cols, vals)}
            for k, *vals in df[[key] + cols].itertuples(index=False)}


@cache
def _all_quotes(key: str) -> dict:
    """Row key -> quote, over every table whose primary key is ``key`` (rows
    gathered from several tables, or a frame that lost its table's name)."""
    from ..data.loading import list_tables, load_table

    out: dict = {}
    for t in list_tables():
        if load_table(t).attrs["primary_key"][:1] == [key]:
            out.update(_quotes(t))
    return out


SOURCE_COLUMNS = {"title": "source_title", "publisher": "source_publisher", "published": "source_date",
                  "url": "source_url", "confidence": "source_confidence"}


def plotted_rows(rows: pd.DataFrame) -> tuple[str, list[dict]]:
    """The key column and the rows plotted as records, each completed with its
    source's title, publisher, date, URL and confidence and the row's quote."""
    key = _key_of(rows)
    if "source_id" not in rows.columns:
        raise ValueError("the rows plotted must keep their source_id column")
    quotes = {} if "quote" in rows.columns else \
        _quotes(rows.attrs["name"]) if rows.attrs.get("name") else _all_quotes(key)
    src = _sources().set_index("source_id")
    out = []
    for rec in rows.to_dict("records"):
        r = {key: str(rec[key])}
        r.update({c: _plain(v) for c, v in rec.items() if c != key})
        r.update(quotes.get(str(rec[key]), {}))
        s = src.loc[rec["source_id"]]
        r.update({new: _plain(s[old]) for old, new in SOURCE_COLUMNS.items()})
        out.append(r)
    return key, out


class Figure:
    """A finished chart, rendered now (in the kernel) to one SVG.

    ``rows`` are the table rows the chart plots (key column and source_id
    kept); the chart's own data must carry the same key column (or a "keys"
    column, for marks that stand for several rows). Raises ValueError, naming
    the figure and the rule, when the chart breaks a house rule.
    """

    def __init__(self, chart: alt.TopLevelMixin, name: str, *, title: str, alt_text: str,
                 rows: pd.DataFrame, page: str | None = None, chapter: str | None = None,
                 data_as_of: date | None = None):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            raise ValueError(f"figure name {name!r}: use lowercase letters, digits and hyphens")
        if not alt_text or len(alt_text) < 30:
            raise ValueError(f"figure {name!r}: alt text must say what the figure shows")
        if not title or not title.strip():
            raise ValueError(f"figure {name!r}: give it a title")
        self.name, self.title, self.alt_text = name, title.strip(), alt_text
        self.page, self.chapter = page, chapter
        # helpers.pages.coverage computes it from the plotted rows (Page.figure passes it); a bare
        # Figure, in tests, is dated by its own rows the same way
        self.data_as_of = data_as_of or _as_of_rows(rows)
        self.source = source_line(rows)
        self.key, self.rows = plotted_rows(rows)
        lines = textwrap.wrap(self.source, 52)
        self.chart = chart.properties(title=alt.TitleParams(text=lines), description=alt_text)
        self.spec = self._spec()
        plotted, given = _plotted_keys(self.spec, self.key), {r[self.key] for r in self.rows}
        if not plotted:
            raise ValueError(f"figure {name!r}: the chart's data must keep the key column {self.key!r} "
                             "(or a 'keys' column) so that its CSV can be proven to hold exactly the rows plotted")
        if plotted != given:
            raise ValueError(f"figure {name!r}: rows= and the chart's data differ: "
                             f"plotted but not in rows: {sorted(plotted - given)[:5]}; "
                             f"in rows but not plotted: {sorted(given - plotted)[:5]}")
        svg = _converter().vegalite_to_svg(self.spec, vl_version=VEGALITE)
        self.svg = _compact(_scope_ids(svg, name), alt_text)
        m = re.search(r'<svg\b[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', self.svg)
        self.svg_width, self.svg_height = float(m.group(1)), float(m.group(2))
        self._check()

    def _spec(self) -> dict:
        """The Vega-Lite spec, without its $schema address (pages name no other
        site). A single or layered chart with no width set is fitted to
        MAX_WIDTH, labels included."""
        with alt.data_transformers.disable_max_rows():
            spec = self.chart.to_dict()
        spec.pop("$schema", None)
        if not any(k in spec for k in _COMPOSITE) and "width" not in spec:
            spec["width"] = MAX_WIDTH
            spec["autosize"] = {"type": "fit-x", "contains": "padding"}
        return spec

    def _check(self) -> None:
        n = f"figure {self.name!r}"
        if self.svg_width > MAX_WIDTH + 0.5:
            raise ValueError(f"{n} is {self.svg_width:.0f} px wide; at most {MAX_WIDTH} px (labels, legend "
                             "included) fit a phone: narrow it, wrap labels, stack facets (see FIGURES rules)")
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)px"', self.svg)]
        self.min_font_px = min(sizes) if sizes else None
        if sizes and min(sizes) < MIN_FONT:
            raise ValueError(f"{n} has {min(sizes):g} px text; the smallest allowed is {MIN_FONT} px")
        for attrs, text in _texts(self.svg):
            if re.search(r'font-weight="(bold|[6-9]00)"', attrs) or 'font-style="italic"' in attrs:
                raise ValueError(f"{n}: text {text!r} is bold or italic; the book ships only the regular face")
            fam = re.search(r'font-family="([^"]*)"', attrs)
            if fam and not html.unescape(fam.group(1)).startswith(FONT_FAMILY):
                raise ValueError(f"{n}: text {text!r} uses font {fam.group(1)!r}; use the theme's font")
            if text.rstrip().endswith("…"):
                raise ValueError(f"{n}: label {text!r} was cut short; shorten or wrap it (charts.wrap)")
            bad = sorted(set(text) - CHARSET)
            if bad:
                raise ValueError(f"{n}: text {text!r} has characters the book's chart font lacks: "
                                 + " ".join(f"U+{ord(c):04X}" for c in bad))

    # ------------------------------------------------------------ outputs

    def spec_json(self) -> str:
        return json_for_html(self.spec)

    @property
    def anchor(self) -> str:
        return f"fig-{self.name}"

    def citation(self) -> str:
        """The figure's "Cite this figure" block (helpers.pages.cite: APA and BibTeX,
        with the figure's public address when CITATION.cff sets one). The
        figure's number is a placeholder the book's build fills in."""
        from . import cite

        return cite.figure_block(self.name, self.title, self.page, self.chapter, self.data_as_of)

    def to_html(self) -> str:
        """The figure block as notebooks carry it (helpers.pages.html): the static
        SVG as an <img> (the book writes it inline), the spec for the interactive
        view, the downloads and the citation."""
        chart = html_markup.static_chart(self.svg, self.alt_text, self.svg_width, self.svg_height)
        return html_markup.figure_block(self.name, chart, self.spec_json(), self.citation(),
                                        self.svg_width * DESKTOP_SCALE)

    def payload(self) -> dict:
        """What the build needs to write the figure's files (MIME type ``MIME``)."""
        return {"name": self.name, "title": self.title, "alt_text": self.alt_text, "page": self.page,
                "chapter": self.chapter, "key": self.key, "rows": self.rows,
                "data_as_of": self.data_as_of.isoformat(),
                "width": self.svg_width, "height": self.svg_height}

    def _repr_mimebundle_(self, include=None, exclude=None):
        from . import interactive

        # in `make lab`'s kernels only, a live chart (widget view) joins the static entries
        return {"text/html": self.to_html(), "image/svg+xml": self.svg, MIME: self.payload(),
                "text/plain": f"Figure {self.name}: {self.title}. {self.alt_text}",
                **interactive.widget_view(self.spec, self.name)}


def _as_of_rows(rows: pd.DataFrame) -> date:
    """The as-of date (helpers.pages.coverage) of plotted rows. A selection keeps its table's
    name in attrs; one that lost it is matched by key in every table that has its key column."""
    from ..data.loading import list_tables, load_table
    from . import coverage, evidence

    key = _key_of(rows)
    tables = [rows.attrs["name"]] if rows.attrs.get("name") else \
        [t for t in list_tables() if evidence.resources()[t].role != SOURCE_REGISTRY
         and load_table(t).attrs["primary_key"][0] == key]
    refs = [(t, str(k)) for k in rows[key] for t in tables if str(k) in evidence.raw_rows(t)]
    return coverage.as_of(refs)



# ---------------------------------------------------------------- the reuse kit

_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def neutralise(cell) -> str:
    """A CSV cell a spreadsheet will not run: text that the loader would refuse as
    a formula (``tables.formula_start``: = + - @ and their full-width, small and
    minus-sign forms, after spaces or invisible format characters; a tab or a
    carriage return) gets a leading apostrophe. One rule guards what is read and
    what is published. Plain numbers, such as -5.5, are left as they are."""
    from ..data.tables import formula_start

    if cell is None:
        return ""
    text = str(cell)
    if formula_start(text) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_text(payload: dict) -> str:
    """The CSV of a figure's plotted rows: the key first, then the row's own
    columns, then its source and quote."""
    rows = payload["rows"]
    tail = list(SOURCE_COLUMNS.values()) + ["quote", "quote_origin"]
    cols = [payload["key"]]
    for r in rows:
        cols += [c for c in r if c not in cols and c not in tail]
    cols += [c for c in tail if any(c in r for r in rows)]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([neutralise(r.get(c)) for c in cols])
    return out.getvalue()


def svg_to_png(svg: str, scale: float = 2) -> bytes:
    return _converter().svg_to_png(svg, scale=scale)


# ---------------------------------------------------------------- the interactive view

def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script that sets them as globals."""
    import vl_convert as vlc

    # Wrapped in a function: as a classic script its top-level names (such as
    # `_`) would clash with the page's other scripts.
    return "(function(){\n" + vlc.javascript_bundle(vl_version=VEGALITE) + "\n})();\n"
