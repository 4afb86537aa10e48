"""No figure is "as of" a date earlier than what it plots: its data-as-of date
(helpers.pages.coverage, from the rows plotted) is on or after every fact date of every
row it plots. Read from the notebooks' stored outputs, where each figure keeps
the rows it plots (charts.MIME), so every figure of the book is checked."""
import json

import pandas as pd
import pytest

import helpers
from conftest import ROOT
from helpers.pages import charts, coverage, evidence

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def figures(path):
    for cell in json.loads(path.read_text("utf-8"))["cells"]:
        for out in cell.get("outputs", []):
            payload = out.get("data", {}).get(charts.MIME)
            if payload:
                yield payload


def fact_dates(key_field: str, key: str) -> list[pd.Timestamp]:
    """The facts' dates a plotted row holds: not plans or schedules ahead of its source
    (helpers.pages.coverage.fact_dates), in whichever table holds the key."""
    out = []
    for table in helpers.list_tables():
        res = evidence.resources()[table]
        if res.primary_key[:1] == (key_field,) and key in evidence.raw_rows(table):
            out += [pd.Timestamp(d) for d in coverage.fact_dates(table, key)]
    return out


def late_rows(payload) -> list[str]:
    as_of = pd.Timestamp(payload["data_as_of"])
    bad = []
    for r in payload["rows"]:
        for keys in str(r[payload["key"]]).split():
            late = [d for d in fact_dates(payload["key"], keys) if d > as_of]
            if late:
                bad.append(f"{keys}: {max(late).date()} > {as_of.date()}")
    return bad


def test_the_date_rule_can_fail():
    payload = next(p for nb in NOTEBOOKS for p in figures(nb)
                   if any(fact_dates(p["key"], str(r[p["key"]])) for r in p["rows"]))
    early = dict(payload, data_as_of="2000-01-01")
    assert late_rows(early), "a figure dated before everything it plots went unnoticed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_is_as_of_its_latest_plotted_date(path):
    for payload in figures(path):
        assert "data_as_of" in payload, f"{path.name}: figure {payload['name']} has no data_as_of (re-run it)"
        assert late_rows(payload) == [], f"{path.name}: figure {payload['name']} plots dates after its as-of"
