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


def _registry() -> str:
    from .evidence import table_with_role

    return table_with_role(SOURCE_REGISTRY)


# What coverage derives from a loaded frame, kept with that frame: a page asks
# for the dates of one row a thousand times, and selecting it from a pandas
# frame each time (with its attrs deep-copied on every step) cost most of a
# notebook's run. loading.shared_table gives the same object until a data file
# changes, so a new frame means new data and the entry is derived again.
_DERIVED: dict[tuple[int, str], tuple[pd.DataFrame, dict]] = {}


def _derived(frame: pd.DataFrame, what: str, make) -> dict:
    hit = _DERIVED.get((id(frame), what))
    if hit is None or hit[0] is not frame:
        hit = _DERIVED[(id(frame), what)] = (frame, make(frame))
    return hit[1]


def _publication_dates(registry: pd.DataFrame) -> dict[str, date | None]:
    return {sid: (p.date() if isinstance(p, pd.Timestamp) else None)
            for sid, p in zip(registry["source_id"], registry["published"])}


def _dated_cells(df: pd.DataFrame) -> dict[str, tuple]:
    """Key -> (source_id, metric as text, [(column, date)]) for each row: the
    first row holding a key, its dated cells in column order."""
    field = df.attrs["primary_key"][0]
    columns = {c: df[c].tolist() for c in df.columns}    # once: each df[c] deep-copies the attrs
    dated = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df.dtypes[c])]
    metric = columns.get("metric", [""] * len(df))
    out: dict[str, tuple] = {}
    for i, (key, sid, m) in enumerate(zip(columns[field], columns["source_id"], metric)):
        if key not in out:
            cells = [(c, columns[c][i]) for c in dated]
            out[key] = (sid, str(m), [(c, v.date()) for c, v in cells if isinstance(v, pd.Timestamp)])
    return out


class _Dates:
    """The dates of rows, for one computation: each table (and the source
    registry) is looked up once, however many of its rows are asked about."""

    def __init__(self):
        from .evidence import resources

        self.resources = resources()
        self._tables: dict[str, dict] = {}
        self._published: dict | None = None

    def published(self, source_id: str) -> date | None:
        from ..data.loading import shared_table

        if self._published is None:
            self._published = _derived(shared_table(_registry()), "published", _publication_dates)
        return self._published.get(source_id)

    def _rows(self, table: str) -> dict:
        from ..data.loading import shared_table

        if table not in self._tables:
            self._tables[table] = _derived(shared_table(table), "dated", _dated_cells)
        return self._tables[table]

    def facts(self, table: str, key: str) -> list[date]:
        res = self.resources[table]
        if res.role == SEARCHES:        # what the notes looked for: not a fact about the world
            return []
        rows = self._rows(table)
        if key not in rows:
            raise IndexError(f"{table}: no row with key {key!r}")
        sid, metric, cells = rows[key]
        published = self.published(sid)
        if published is None and metric in _PLANS:
            return []
        limit = published or release_date()
        return [d for col, d in cells
                if not (published is None and col in res.schedule_fields) and d <= limit]


def fact_dates(table: str, key: str) -> list[date]:
    """The dates in one row that are facts on its source's date: not schedules
    or plans ahead of the source (or, for an undated source, not schedules at all)."""
    return _Dates().facts(table, key)


def known(refs, dates: _Dates | None = None) -> tuple[date, tuple[str, str]]:
    """The 'data as of' date of rows given as (table, key) pairs, and the row that sets it."""
    from .evidence import raw_rows

    dates = dates or _Dates()
    dated = []
    for table, key in refs:
        if dates.resources[table].role == SEARCHES:       # the notes' own searches date no fact
            continue
        published = dates.published(raw_rows(table)[key]["source_id"])
        dated += [(published, (table, key))] if published else [(d, (table, key)) for d in dates.facts(table, key)]
    if not dated:
        raise ValueError("none of these rows has a dated source or a dated fact")
    return max(dated, key=lambda x: x[0])


def newest_fact(refs) -> tuple[date, tuple[str, str]]:
    """The date of the newest fact among rows given as (table, key) pairs, and its row
    (``known`` when none holds a dated fact)."""
    refs, dates = list(refs), _Dates()
    dated = [(d, (table, key)) for table, key in refs for d in dates.facts(table, key)]
    return max(dated, key=lambda x: x[0]) if dated else known(refs, dates)


def as_of(refs) -> date:
    """The 'data as of' date of rows given as (table, key) pairs."""
    return known(refs)[0]


def as_of_text(refs) -> str:
    """The as-of date as a reader should read it: when it comes from an undated
    source (a row's own fact date), the data may be later: "2026-03-31 or later"."""
    from .evidence import raw_rows

    dates = _Dates()
    day, (table, key) = known(refs, dates)
    undated = dates.published(raw_rows(table)[key]["source_id"]) is None
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
