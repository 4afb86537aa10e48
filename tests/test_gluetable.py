"""A page's glue table (book/_glue/<page>.csv, helpers.pages.gluetable): each row glues what the
glue call it replaces glued, and bad input is refused with its file, line and column."""
import pytest

from conftest import ROOT
from helpers.data.errors import DataError
from helpers.pages import evidence, gluetable
from helpers.pages import page as page_module
from helpers.pages.narrative import ordinal
from helpers.pages.page import Page

TABLES = set(evidence.resources())
HEADER = "name,say,rows,how\n"


@pytest.fixture
def glued(monkeypatch):
    out = {}
    monkeypatch.setattr(page_module, "_glue", lambda name, value, display=False: out.__setitem__(name, value))
    return out


def _parse(body: str):
    return gluetable.parse((HEADER + body).encode(), "book/_glue/t.csv", TABLES)


def test_every_page_with_a_glue_table_is_a_page_of_the_book():
    tables = sorted(p.stem for p in (ROOT / "book" / "_glue").glob("*.csv"))
    assert tables and all((ROOT / "book" / f"{slug}.ipynb").exists() for slug in tables)
    for slug in tables:
        assert gluetable.read(slug), slug


def test_each_kind_glues_what_its_call_glues(glued):
    entries = _parse("jan,value,deliveries:del-2026-01-163,\n"
                     "jan_change,value,deliveries:del-2026-01-163:change_pct,\n"
                     "rank,ordinal,peers:peer-xiaomi-yu7-sales-rank-2026-01-livemint,\n"
                     "wait,range,company_facts:wait-new-order-2026-01-digitimes,\n"
                     "packs,range-both,company_facts:new-su7-battery-packs-reportify,\n"
                     "said,published,tariffs:tariff-canada-quota-start,\n"
                     "c,cite,events:teardown-2026-01-03 deliveries:del-2025-12-udn,\n"
                     "c3,cite,events:teardown-2026-01-03 events:fires-2026-01-19 events:hood-dispute,the rows\n")
    by_table = Page("t-table", "T")
    gluetable.glue(by_table, entries)
    from_table = {name: (v.html, v.text) for name, v in glued.items()}
    glued.clear()
    by_hand = Page("t-hand", "T")
    r = by_hand.row
    by_hand.glue_value("jan", r("deliveries", "del-2026-01-163"))
    by_hand.glue_value("jan_change", r("deliveries", "del-2026-01-163"), "change_pct")
    by_hand.glue_rows("peers", say=ordinal, rank="peer-xiaomi-yu7-sales-rank-2026-01-livemint")
    by_hand.glue_range("wait", r("company_facts", "wait-new-order-2026-01-digitimes"))
    by_hand.glue_range("packs", r("company_facts", "new-su7-battery-packs-reportify"), repeat=True)
    by_hand.glue_published(said=r("tariffs", "tariff-canada-quota-start"))
    by_hand.cite("c", r("events", "teardown-2026-01-03"), r("deliveries", "del-2025-12-udn"))
    by_hand.cite("c3", r("events", "teardown-2026-01-03"), r("events", "fires-2026-01-19"), r("events", "hood-dispute"),
                 how="the rows")
    assert from_table == {name: (v.html, v.text) for name, v in glued.items()}
    assert list(by_table.used) == list(by_hand.used) and by_table.derived == by_hand.derived


@pytest.mark.parametrize("body, line, column, words", [
    ("x,shout,deliveries:del-2026-01-163,\n", 2, 2, "say 'shout'"),
    ("x,value,nowhere:del-2026-01-163,\n", 2, 3, "table:key"),
    ("x,value,del-2026-01-163,\n", 2, 3, "table:key"),
    ("x,value,,\n", 2, 3, "at least one row"),
    ("x,value,deliveries:a deliveries:b,\n", 2, 3, "one row, not 2"),
    ("ok,value,deliveries:del-2026-01-163,\nx,value\n", 3, 1, "expected 4 cells"),
])
def test_bad_rows_are_refused_with_file_line_and_column(body, line, column, words):
    with pytest.raises(DataError) as e:
        _parse(body)
    assert (e.value.path, e.value.line, e.value.column) == ("book/_glue/t.csv", line, column)
    assert words in e.value.message


def test_a_bad_header_and_a_missing_row_are_refused(glued):
    with pytest.raises(DataError, match="header"):
        gluetable.parse(b"name,rows\nx,deliveries:del-2026-01-163\n", "book/_glue/t.csv", TABLES)
    entries = _parse("ok,value,deliveries:del-2026-01-163,\ngone,value,deliveries:no-such-row,\n")
    with pytest.raises(DataError) as e:
        gluetable.glue(Page("t-missing", "T"), entries)
    assert e.value.line == 3 and "no-such-row" in e.value.message
