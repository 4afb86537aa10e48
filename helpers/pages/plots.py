"""Chart shapes the chapters share, so that a notebook says what it plots, not how.

The book's commonest chart is a horizontal bar chart with each bar's value
written at its end: ``bars`` builds it (Altair), and ``page.figure`` then
finishes it like any other chart. Only options a caller passes reach the
Vega-Lite spec, so a chart made here is the one the notebook used to spell out.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["bars", "date_axis"]

_LIST = object()      # the default sort: the rows' own order


def _field(shorthand: str) -> str:
    return shorthand.split(":", 1)[0]


def bars(data: pd.DataFrame, y: str, x: str, *, x_title: str, step: float, tooltip: list,
         pad: float | None = None, domain: list | None = None, sort=_LIST, y_axis=alt.Undefined,
         x_axis=alt.Undefined, text: str | None = "shown:N", bar: dict | None = None, color=alt.Undefined,
         layers: tuple = (), **properties) -> alt.LayerChart:
    """Horizontal bars of ``x`` per ``y``, the ``text`` column written after each bar.

    The value axis runs from 0 to ``domain``'s end, or to the largest value times
    ``pad`` (room for the text). ``sort`` orders the bars (default: the rows' order);
    ``bar`` holds the bar mark's options and ``color`` its colour encoding; ``layers``
    are drawn on top; ``properties`` (``width``, ``title``, ...) go to the chart."""
    if domain is None:
        domain = [0, float(data[_field(x)].max()) * pad]
    base = alt.Chart(data).encode(
        y=alt.Y(y, title=None, sort=list(data[_field(y)]) if sort is _LIST else sort, axis=y_axis),
        x=alt.X(x, title=x_title, scale=alt.Scale(domain=domain), axis=x_axis),
    )
    marks = [base.mark_bar(**(bar or {})).encode(tooltip=tooltip, color=color)]
    if text:
        marks.append(base.mark_text(align="left", dx=4).encode(text=text))
    return alt.layer(*marks, *layers).properties(height=alt.Step(step), **properties)


def date_axis(dates) -> alt.Axis:
    """A time axis labelled at the data's own dates (month-end counts would sit under the next month's tick)."""
    return alt.Axis(values=[alt.DateTime(year=d.year, month=d.month, date=d.day) for d in sorted(set(dates))],
                    format="%b %Y", grid=False)
