"""What a tariff row's own dates say: its total duty and whether it is in force on a
date, computed from the row (``stage``, ``effective``, ``rate_pct``, ``base_duty_pct``)
and its source's publication date, never stored. The global-expansion chapter
states these; a status typed by hand would go stale as the edition's date moves."""
from __future__ import annotations

import pandas as pd

from . import evidence

__all__ = ["total", "state", "seen_in_force"]


def _published(row: pd.Series) -> pd.Timestamp:
    return pd.Timestamp(evidence.source(row["source_id"])["published"])


def total(row: pd.Series) -> float:
    """The row's base duty plus its measure: our sum, not a figure the source states."""
    return round(row["base_duty_pct"] + row["rate_pct"], 2)


def state(row: pd.Series, on: pd.Timestamp, start: pd.Series | None = None) -> str:
    """What a tariff row's own dates say on the date ``on``. ``start`` is the row that dates
    the measure when ``row`` itself gives no date."""
    if row["stage"] in ("proposed", "stale", "unconfirmed"):
        return row["stage"]
    when = (start if start is not None else row)["effective"]
    if pd.isna(when):
        said = _published(row)
        if row["stage"] == "adopted" and pd.notna(said) and said <= on:
            return "decided by its source's date"        # no start date given: the report's date bounds it
        return "no start date in our sources"
    return "in force by its dates" if when <= on else "scheduled"


def seen_in_force(row: pd.Series, frame: pd.DataFrame) -> bool:
    """True if some row of ``frame`` for the same step (rate and date) comes from a source
    dated on or after that date: a report that the step took effect, not a schedule."""
    same = frame[frame["rate_pct"].eq(row["rate_pct"]) & frame["effective"].eq(row["effective"])]
    return any(_published(s) >= s["effective"] for _, s in same.iterrows() if pd.notna(_published(s)))
