"""A list of incidents built from rows grouped by incident: for each, its date,
place, kind and car as reported, what happened, the findings, and every source,
each statement a link to the row it comes from (and so to its evidence).

Rows are grouped by their ``incident`` column and listed by first date (undated
incidents last); within an incident the table's own order is kept. A statement
the data word in the present tense of their report can be said in the past,
as of that report's date (``as_of_report``: key -> (present wording, past wording)).
"""
from __future__ import annotations

from html import escape

import pandas as pd

from . import evidence
from .page import iso

__all__ = ["incident_list_html"]


class _Links:
    """Row links for one table on one page (each link's standing marker recorded for the page header)."""

    def __init__(self, page, table: str, as_of_report: dict[str, tuple[str, str]]):
        self.page, self.table, self.as_of_report = page, table, as_of_report

    def row(self, text: str, key: str, tip: str) -> str:
        self.page.marker(self.table, key)
        return evidence.link(text, self.table, key, f"xev-tip-inc-{tip}-{key}")

    def statement(self, r: pd.Series, column: str) -> str:
        """A row's statement in ``column`` as a link to its evidence; one that holds only as of its
        report is said in the past tense, with the report's date."""
        text = r[column]
        if r["fact_id"] not in self.as_of_report:
            return self.row(text, r["fact_id"], column)
        now, then = self.as_of_report[r["fact_id"]]
        if now not in text or pd.isna(r["reported"]):
            raise ValueError(f"{r['fact_id']}: its statement changed: reword its past-tense wording")
        return (self.row(text.replace(now, then), r["fact_id"], column) + " as of the report of "
                + self.row(iso(r["reported"]), r["fact_id"], f"{column}-reported"))

    def statements(self, grp: pd.DataFrame, column: str) -> str:
        """Each row's statement in ``column`` (once each), linked to that row's evidence."""
        out = []
        for _, r in grp.iterrows():
            if isinstance(r[column], str) and r[column] not in [t for t, _ in out]:
                out.append((r[column], self.statement(r, column)))
        return "; ".join(h for _, h in out)


def _day(links: _Links, grp: pd.DataFrame) -> str:
    dated = grp[grp["date"].notna()]
    if len(dated):
        return links.row(iso(dated["date"].iloc[0]), dated["fact_id"].iloc[0], "date")
    told = grp[grp["reported"].notna()].iloc[0]
    return "date not given (reported " + links.row(iso(told["reported"]), told["fact_id"], "reported") + ")"


def _item(links: _Links, grp: pd.DataFrame) -> str:
    first = grp.iloc[0]
    # each model as reported, linked to the first row that names it (a name inside a longer one is left out)
    named = {}
    for _, r in grp.iterrows():
        if isinstance(r["model"], str):
            named.setdefault(r["model"], r["fact_id"])
    models = " / ".join(links.row(m, k, "model") for m, k in named.items()
                        if not any(m != o and m in o for o in named)) or "not given"
    place = first["place"] if isinstance(first["place"], str) else "place not given"
    paras = [f"<p><strong>{_day(links, grp)}, {escape(place)}</strong> ({escape(first['kind'])}; "
             f"car as reported: {models})</p>"]
    for column, lead in (("outcome", "What happened"), ("finding", "Findings and statements")):
        if links.statements(grp, column):
            paras.append(f"<p>{lead}: {links.statements(grp, column)}.</p>")
    # every source, named and linked to the first of its rows in this incident
    firsts = {}
    for _, r in grp.iterrows():
        firsts.setdefault(evidence.source_name(r["source_id"]), r["fact_id"])
    paras.append("<p>Sources: " + "; ".join(links.row(n, k, "source") for n, k in firsts.items()) + ".</p>")
    return "<li>" + "".join(paras) + "</li>"


def incident_list_html(page, table: str, as_of_report: dict[str, tuple[str, str]] | None = None) -> str:
    """The incidents of ``table`` as an HTML list, every row recorded as used on ``page``."""
    rows = page.load(table)
    links = _Links(page, table, as_of_report or {})
    first_day = rows.groupby("incident")["date"].min()
    order = sorted(first_day.index,
                   key=lambda k: (pd.isna(first_day[k]), first_day[k] if pd.notna(first_day[k]) else 0))
    items = []
    for key in order:
        grp = rows[rows["incident"].eq(key)]          # rows in the table's own order
        page.rows(table, grp)
        items.append(_item(links, grp))
    return '<ul class="xev-incidents">' + "".join(items) + "</ul>"
