"""How far a set of rows reaches in time: one computation for every date a
page or a figure states about its own data.

- ``as_of``: the newest date on which any of the rows was known, that is the
  newest publication date among their sources; a row whose source has no
  publication date counts by the newest fact date it holds (it was known at
  least then). So a page or figure is never "as of" a date earlier than a
  fact it shows.
- ``reach``: the date of the newest fact among the rows: the newest date in
  them that is not ahead of its own source (targets and schedules point ahead
  of their source, and are not facts yet).

Page headers, figure citations and closing coverage sentences all call these.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from ..data.descriptor import SEARCHES, SOURCE_REGISTRY

_PLANS = ("target", "forecast")


def release_date() -> date:
    """The date this edition was released (CITATION.cff): the day the book is read against."""
    from . import cite

    return date.fromisoformat(cite.book().released)


def _published(source_id: str) -> date | None:
    from .evidence import source

    p = source(source_id)["published"]
    return p.date() if isinstance(p, pd.Timestamp) else None


def fact_dates(table: str, key: str) -> list[date]:
    """The dates in one row that are facts on its source's date: not schedules
    or plans ahead of the source (or, for an undated source, not schedules at all)."""
    from ..data.loading import load_table
    from .evidence import resources

    res = resources()[table]
    if res.role == SEARCHES:        # what the notes looked for: not a fact about the world
        return []
    df = load_table(table)
    field = df.attrs["primary_key"][0]
    row = df[df[field].eq(key)].iloc[0]
    published = _published(row["source_id"])
    if published is None and str(row.get("metric", "")) in _PLANS:
        return []
    limit = published or release_date()
    out = []
    for col in df.columns:
        if published is None and col in res.schedule_fields:
            continue
        if pd.api.types.is_datetime64_any_dtype(df[col]) and isinstance(row[col], pd.Timestamp):
            d = row[col].date()
            if d <= limit:
                out.append(d)
    return out


def known(refs) -> tuple[date, tuple[str, str]]:
    """The 'data as of' date of rows given as (table, key) pairs, and the row that sets it."""
    from .evidence import raw_rows, resources

    dated = []
    for table, key in refs:
        if resources()[table].role == SEARCHES:       # the notes' own searches date no fact
            continue
        published = _published(raw_rows(table)[key]["source_id"])
        dated += [(published, (table, key))] if published else [(d, (table, key)) for d in fact_dates(table, key)]
    if not dated:
        raise ValueError("none of these rows has a dated source or a dated fact")
    return max(dated, key=lambda x: x[0])


def newest_fact(refs) -> tuple[date, tuple[str, str]]:
    """The date of the newest fact among rows given as (table, key) pairs, and its row
    (``known`` when none holds a dated fact)."""
    refs = list(refs)
    dated = [(d, (table, key)) for table, key in refs for d in fact_dates(table, key)]
    return max(dated, key=lambda x: x[0]) if dated else known(refs)


def as_of(refs) -> date:
    """The 'data as of' date of rows given as (table, key) pairs."""
    return known(refs)[0]


def as_of_text(refs) -> str:
    """The as-of date as a reader should read it: when it comes from an undated
    source (a row's own fact date), the data may be later: "2026-03-31 or later"."""
    from .evidence import raw_rows

    day, (table, key) = known(refs)
    undated = _published(raw_rows(table)[key]["source_id"]) is None
    return day.isoformat() + (" (the latest date an undated source reports; its page date is not known)"
                              if undated else "")


def book_newest_fact() -> tuple[date, tuple[str, str]]:
    """The newest fact anywhere in the data (the notes' searches aside)."""
    from .evidence import raw_rows, resources

    refs = [(t, k) for t, r in resources().items() if r.role not in (SEARCHES, SOURCE_REGISTRY)
            and "source_id" in r.field_names for k in raw_rows(t)]
    return newest_fact(refs)


def reach(refs) -> date:
    """The date of the newest fact among rows given as (table, key) pairs."""
    return newest_fact(refs)[0]
