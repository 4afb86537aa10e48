"""The figure pipeline: house rules enforced when a chart is made, spreadsheet-
safe CSVs, script-safe JSON, and in the built book: each figure's CSV holds
exactly the rows its chart plots; every page carries citation metadata, a RIS
and a CSL-JSON file that agree with CITATION.cff."""
import csv
import html
import io
import json
import re

import altair as alt
import pytest

from conftest import PAGES
from helpers.pages import charts, cite

# ---------------------------------------------------------------- fast

@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("  =HYPERLINK()", "'  =HYPERLINK()"), ("\u3000=1", "'\u3000=1"), ("\uff1d1+1", "'\uff1d1+1"),
    ("\uff0b1", "'\uff0b1"), ("\uff0d1", "'\uff0d1"), ("\uff20x", "'\uff20x"), ("\t=1", "'\t=1"),
    ("-5.5", "-5.5"), ("-12", "-12"), ("plain text", "plain text"), (None, ""), (27307, "27307"),
])
def test_csv_cells_are_neutralised(cell, safe):
    assert charts.neutralise(cell) == safe


# What the loader refuses as a formula (helpers.data.tables.formula_start) is what a figure CSV
# neutralises: one rule. Small and full-width equals signs, the minus sign, and a formula
# behind an invisible format character were let through by an older, weaker copy.
KIN = ["\ufe66cmd", "\u22122+3", "\u200b=1+1", "\ufe62x", "\ufe63x", "\u2060@x", "\ufeff=1", "\u00a0+1"]


def test_a_figure_csv_neutralises_what_the_loader_refuses():
    from helpers.data.tables import formula_start

    rows = [{"fact_id": f"row-{i}", "label": text, "value": 1} for i, text in enumerate(KIN)]
    rows.append({"fact_id": "row-number", "label": "-5.5", "value": -5.5})
    cells = list(csv.reader(io.StringIO(charts.csv_text({"rows": rows, "key": "fact_id"}))))[1:]
    for text, (_, shown, _) in zip(KIN, cells):
        assert formula_start(text), f"the loader would accept {text!r}"
        assert shown == "'" + text, f"{text!r} reaches the published CSV as {shown!r}"
    assert cells[-1][1:] == ["-5.5", "-5.5"]


def test_spec_json_is_safe_inside_a_script_element():
    text = charts.json_for_html({"a": "</script><b>&\u2028\u2029"})
    assert not any(c in text for c in "<>&\u2028\u2029"), text
    assert json.loads(text) == {"a": "</script><b>&\u2028\u2029"}


@pytest.fixture(scope="module")
def quarterly():
    from helpers import load_table

    d = load_table("deliveries")
    q = d[d["metric"].eq("deliveries") & d["period_type"].eq("quarter")]
    return q[["fact_id", "period", "value", "source_id"]].head(4)


def _bars(frame, **enc):
    charts.enable()
    return alt.Chart(frame).mark_bar().encode(y=alt.Y("period:N", title=None), x=alt.X("value:Q", title="Cars"), **enc)


ALT = "Bar chart of quarterly deliveries, rising every quarter shown."


def test_a_good_figure_renders_and_carries_its_kit(quarterly):
    fig = charts.Figure(_bars(quarterly), "test-good", title="Deliveries", alt_text=ALT, rows=quarterly,
                        page="trust-crisis", chapter="Trust crisis")
    assert fig.svg_width <= charts.MAX_WIDTH and fig.min_font_px >= charts.MIN_FONT
    bundle = fig._repr_mimebundle_()
    assert {"text/html", "image/svg+xml", charts.MIME, "text/plain"} <= set(bundle)
    page = bundle["text/html"]
    assert '<img class="xev-static" src="data:image/svg+xml;base64,' in page      # kept by JupyterLab's sanitizer
    assert "<svg" not in page and "<script>" not in page                           # nothing that needs trust
    for ext in ("svg", "png", "csv"):
        assert f'href="_static/figures/test-good.{ext}"' in page
    assert "Cite this figure" in page and cite.book().version in page
    rows = csv.DictReader(io.StringIO(charts.csv_text(bundle[charts.MIME])))
    got = list(rows)
    assert [r["fact_id"] for r in got] == list(quarterly["fact_id"])
    assert all(r["quote"] and r["source_publisher"] is not None for r in got)


@pytest.mark.parametrize("change, message", [
    (lambda c: c.properties(width=600), "px wide"),
    (lambda c: c.encode(text="period:N").mark_text(fontSize=9), "px text"),
    (lambda c: c.mark_text(fontWeight="bold").encode(text="period:N"), "bold"),
])
def test_house_rules_raise(quarterly, change, message):
    with pytest.raises(ValueError, match=message):
        charts.Figure(change(_bars(quarterly)), "test-bad", title="Deliveries", alt_text=ALT, rows=quarterly)


def test_rows_must_equal_the_plotted_rows(quarterly):
    with pytest.raises(ValueError, match="differ"):
        charts.Figure(_bars(quarterly.head(2)), "test-bad", title="T", alt_text=ALT, rows=quarterly)
    with pytest.raises(ValueError, match="key column"):
        charts.Figure(_bars(quarterly.drop(columns="fact_id")), "test-bad", title="T", alt_text=ALT, rows=quarterly)


def test_characters_outside_the_chart_font_raise(quarterly):
    odd = quarterly.assign(period=["小米"] + list(quarterly["period"][1:]))
    with pytest.raises(ValueError, match="U\\+5C0F"):
        charts.Figure(_bars(odd), "test-bad", title="T", alt_text=ALT, rows=quarterly)


# ---------------------------------------------------------------- the built book

FIG = re.compile(r'<div class="xev-figure" data-figure="([a-z0-9-]+)"(?:(?!<div class="xev-figure").)*?'
                 r'<script type="application/json" class="xev-spec">(.*?)</script>', re.S)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_each_csv_holds_exactly_the_plotted_rows(built, name):
    page = (built / f"{name}.html").read_text("utf-8")
    for fig, spec in FIG.findall(page):
        spec = json.loads(spec)
        assert f'href="_static/figures/{fig}.csv"' in page, f"{fig}: no CSV link"
        text = (built / "_static" / "figures" / f"{fig}.csv").read_text("utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        key = next(iter(rows[0]))
        assert set(r[key] for r in rows) == charts._plotted_keys(spec, key), fig
        assert len(rows) == len({r[key] for r in rows}), f"{fig}: a row twice"
        for col in ("source_id", "source_publisher", "source_date", "source_url", "quote"):
            assert col in rows[0], f"{fig}: no {col} column"
        for r in rows:
            for v in r.values():
                assert charts.neutralise(v) == v or v.startswith("'"), f"{fig}: unsafe cell {v!r}"
        for ext in ("svg", "png"):
            assert (built / "_static" / "figures" / f"{fig}.{ext}").stat().st_size > 1000


def reference_manager_fields(site, name) -> tuple[dict, dict, dict, str]:
    """A built page's citation_* meta tags, its RIS fields and its CSL-JSON item, and the page."""
    page = (site / f"{name}.html").read_text("utf-8")
    meta = {k: html.unescape(v) for k, v in re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)"', page)}
    ris = (site / "_static" / "cite" / f"{name}.ris").read_text("utf-8")
    fields = {}
    for line in ris.splitlines():
        m = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert m, f"not a RIS line: {line!r}"
        fields.setdefault(m.group(1), m.group(2))
    assert list(fields)[0] == "TY" and list(fields)[-1] == "ER"
    item, = json.loads((site / "_static" / "cite" / f"{name}.json").read_text("utf-8"))
    return meta, fields, item, page


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_reference_manager_metadata(built, name):
    """The checkout's CITATION.cff sets no public address: every format agrees
    with CITATION.cff, none carries an address, and the page says so.
    (With an address set, tests/test_site.py checks the addresses.)"""
    b = cite.book()
    assert not b.url, "CITATION.cff names a url: this test expects a local build"
    meta, fields, item, page = reference_manager_fields(built, name)
    title = html.unescape(re.search(r"<h1[^>]*>(.*?)<", page, re.S).group(1)).strip()
    released = b.released.replace("-", "/")
    is_book = title == b.title
    assert meta["citation_title"] == title
    assert meta["citation_author"] == b.author and meta["citation_publisher"] == b.author
    assert meta["citation_publication_date"] == released and meta["citation_online_date"] == released
    assert meta.get("citation_version") == b.version
    assert ("citation_inbook_title" in meta) != is_book
    assert "citation_pdf_url" not in meta and "citation_public_url" not in meta

    assert fields["TI"] == title and fields["AU"] == b.author and fields["ET"] == f"Version {b.version}"
    assert fields["PY"] == b.released[:4] and fields["DA"] == released
    assert fields["TY"] == ("BOOK" if is_book else "CHAP")
    assert fields.get("T2") == (None if is_book else b.title)     # the book, when TI is a chapter
    assert "UR" not in fields and "L1" not in fields

    assert item["title"] == title and item["author"] == [{"literal": b.author}]
    assert item["edition"] == f"Version {b.version}" and "URL" not in item
    assert item["issued"]["date-parts"] == [[int(x) for x in b.released.split("-")]]
    assert f'href="_static/cite/{name}.ris"' in page and f'href="_static/cite/{name}.json"' in page
    if 'class="xev-cite"' in page or 'class="xev-cite-figure"' in page:
        assert html.escape(cite.ADDRESS_NOT_SET) in page or cite.ADDRESS_NOT_SET in html.unescape(page)


def test_quotes_are_found_when_the_rows_lost_their_table_name(quarterly):
    rows = quarterly.copy()
    rows.attrs = {}
    fig = charts.Figure(_bars(rows), "test-quotes", title="Deliveries", alt_text=ALT, rows=rows)
    got = list(csv.DictReader(io.StringIO(charts.csv_text(fig.payload()))))
    assert all(r["quote"] for r in got), got
