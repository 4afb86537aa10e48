"""The notebook author's API: what a chapter declares (glue_rows, cites, glue_range,
select, searches, use), the words it is said in (helpers.pages.narrative) and the shared
chart (helpers.pages.plots) give exactly what the calls they replace gave; notebooks use
no private names."""
import ast
import json

import altair as alt
import pandas as pd
import pytest

from conftest import ROOT
from helpers.pages import appendix, incidents, narrative, plots, tariffs
from helpers.pages import page as page_module
from helpers.pages.narrative import ordinal, span
from helpers.pages.page import Page


@pytest.fixture
def glued(monkeypatch):
    """Capture what a page glues instead of writing notebook outputs."""
    out = {}
    monkeypatch.setattr(page_module, "_glue", lambda name, value, display=False: out.__setitem__(name, value))
    return out


def _texts(glued):
    return {name: getattr(value, "text", value) for name, value in glued.items()}


# ---------------------------------------------------------------- declarations

def test_glue_rows_glues_what_glue_value_glues(glued):
    one, two = Page("t-one", "T"), Page("t-two", "T")
    one.glue_value("jan", one.row("deliveries", "del-2026-01-163"))
    one.glue_value("jan_change", one.row("deliveries", "del-2026-01-163"), "change_pct")
    one.glue_value("launch", one.row("events", "new-su7-launch-2026-03-19"), "date")
    expected = _texts(glued)
    glued.clear()
    two.glue_rows("deliveries", jan="del-2026-01-163", jan_change="del-2026-01-163:change_pct",
                  launch="events:new-su7-launch-2026-03-19:date")
    assert _texts(glued) == expected
    assert list(two.used) == list(one.used)     # the rows, recorded in the order declared


def test_glue_rows_words_values_with_say(glued):
    p = Page("t-say", "T")
    p.glue_rows("peers", say=ordinal, rank="peer-xiaomi-yu7-sales-rank-2026-01-livemint")
    row = p.row("peers", "peer-xiaomi-yu7-sales-rank-2026-01-livemint")
    assert glued["rank"].text.split()[0] == ordinal(row["value"])


def test_a_bad_row_reference_is_refused(glued):
    p = Page("t-bad", "T")
    with pytest.raises(ValueError, match="key:field"):
        p.glue_rows("deliveries", x="del-2026-01-163:value:extra")
    with pytest.raises(KeyError):
        p.glue_rows("deliveries", x="no-such-row")


def test_cites_cites_what_cite_cites(glued):
    one, two = Page("t-c1", "T"), Page("t-c2", "T")
    one.cite("c", one.row("events", "teardown-2026-01-03"), one.row("deliveries", "del-2025-12-udn"))
    expected = glued["c"].html
    glued.clear()
    two.cites("events", c="teardown-2026-01-03 deliveries:del-2025-12-udn")
    assert glued["c"].html == expected


def test_glue_range_says_the_unit_once_or_twice(glued):
    p = Page("t-range", "T")
    p.glue_range("wait", p.row("company_facts", "wait-new-order-2026-01-digitimes"))
    p.glue_range("packs", p.row("company_facts", "new-su7-battery-packs-reportify"), repeat=True)
    assert glued["wait"].text == "3 to 4 months"
    assert glued["packs"].text == "73 kWh to 101.7 kWh"


def test_select_keeps_the_order_asked_and_the_columns(glued):
    p = Page("t-select", "T")
    keys = ["del-2025-12-udn", "del-2025-09-notebookcheck"]
    rows = p.select("deliveries", keys, ["fact_id", "value", "source_id"])
    assert list(rows["fact_id"]) == keys and list(rows.columns) == ["fact_id", "value", "source_id"]


def test_searches_refuses_a_search_that_found_something(glued):
    p = Page("t-search", "T")
    assert len(p.searches("search-recalls-2026-refinements", found_nothing=True)) == 1
    with pytest.raises(ValueError, match="now found something"):
        p.searches("search-density-2026-01-refinements", found_nothing=True)


def test_use_records_every_row_of_the_tables(glued):
    p = Page("t-use", "T")
    tables = p.use("incidents", "recalls")
    assert len(p.used) == sum(len(t) for t in tables.values())


def test_glue_published_glues_the_source_date(glued):
    p = Page("t-pub", "T")
    row = p.row("tariffs", "tariff-canada-quota-start")
    p.glue_published(said=row)
    assert glued["said"].text.startswith(p.published(row).date().isoformat())


# ---------------------------------------------------------------- words

@pytest.mark.parametrize("low, high, unit, repeat, said", [
    (3, 4, "months", False, "3 to 4 months"),
    (32, 33, "CNY bn", False, "RMB 32 to 33 billion"),
    (10000, 14000, "CNY", True, "RMB 10,000 to RMB 14,000"),
    (35, 40, "%", True, "35% to 40%"),
])
def test_span(low, high, unit, repeat, said):
    assert span(low, high, unit, repeat) == said


def test_ordinal_and_month():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]
    assert narrative.month(pd.Timestamp("2026-01-07")) == "January 2026"


# ---------------------------------------------------------------- the shared chart

def test_bars_is_the_chart_it_replaces():
    data = pd.DataFrame({"fact_id": ["a", "b"], "month": ["Jan", "Feb"], "value": [3.0, 5.0], "shown": ["3", "5"]})
    base = alt.Chart(data).encode(
        y=alt.Y("month:N", sort=["Jan", "Feb"], title=None),
        x=alt.X("value:Q", title="Cars", scale=alt.Scale(domain=[0, 5.0 * 1.45]), axis=alt.Axis(tickCount=4)))
    by_hand = alt.layer(base.mark_bar().encode(tooltip=["month:N", "shown:N"]),
                        base.mark_text(align="left", dx=4).encode(text="shown:N")).properties(height=alt.Step(28))
    made = plots.bars(data, "month:N", "value:Q", x_title="Cars", pad=1.45, x_axis=alt.Axis(tickCount=4),
                      tooltip=["month:N", "shown:N"], step=28)
    assert made.to_dict() == by_hand.to_dict()
    assert made.to_dict() != plots.bars(data, "month:N", "value:Q", x_title="Cars", pad=1.5,
                                        tooltip=["month:N", "shown:N"], step=28).to_dict()


# ---------------------------------------------------------------- modules the chapters call

def test_tariff_state_from_the_rows_own_dates(glued):
    p = Page("t-tariff", "T")
    quota, start = p.row("tariffs", "tariff-canada-quota-cnevpost"), p.row("tariffs", "tariff-canada-quota-start")
    before, after = start["effective"] - pd.Timedelta(days=1), start["effective"]
    assert tariffs.state(quota, before, start=start) == "scheduled"
    assert tariffs.state(quota, after, start=start) == "in force by its dates"
    stale = p.row("tariffs", "tariff-eu-xiaomi-stale-48")
    assert tariffs.state(stale, after) == "stale"
    other = p.row("tariffs", "tariff-eu-other-cooperating")
    assert tariffs.total(other) == round(other["base_duty_pct"] + other["rate_pct"], 2)


def test_fact_tables_leave_out_the_registry():
    assert "sources" not in appendix.fact_tables() and "deliveries" in appendix.fact_tables()
    assert appendix.changes_html([]) == "<p>No row has changed since the previous edition.</p>"


def test_incident_list_links_every_row_and_refuses_a_stale_rewording(glued):
    p = Page("t-inc", "T")
    html = incidents.incident_list_html(p, "incidents")
    assert html.startswith('<ul class="xev-incidents">') and len(p.used) == len(p.load("incidents"))
    key = p.load("incidents")["fact_id"].iloc[0]
    with pytest.raises(ValueError, match="statement changed"):
        incidents.incident_list_html(Page("t-inc2", "T"), "incidents", {key: ("words it no longer says", "x")})


# ---------------------------------------------------------------- what notebooks may use

def test_page_declares_all_its_public_names():
    defined = {name for name, value in vars(page_module).items() if not name.startswith("_")
               and getattr(value, "__module__", None) == page_module.__name__}
    assert defined <= set(page_module.__all__), defined - set(page_module.__all__)
    assert all(hasattr(page_module, name) for name in page_module.__all__)


def _private_names(tree) -> list[str]:
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name.split(".")[-1] for a in node.names] + ([node.module.split(".")[-1]]
                                                                 if getattr(node, "module", None) else [])
        found += [n for n in names if n.startswith("_") and not n.startswith("__")]
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_use_no_private_names(path):
    cells = json.loads(path.read_text("utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert not _private_names(ast.parse(code)), path.name


def test_the_private_name_check_can_fail():
    code = "from helpers.pages.evidence import _esc\nx = evidence._esc('a')"
    assert _private_names(ast.parse(code)) == ["_esc", "_esc"]
    assert not _private_names(ast.parse("x = page.__class__"))
