"""A row's standing, and the marker it earns: decided here and nowhere else.

A reader who quotes a number must see at once how much weight it bears. The
standing of a row is computed from the data alone:

- the confidence of its source (H, M, L; a seed document is not rated);
- whether it comes from one of the seed documents;
- whether another source's row reports the same quantity
  (``evidence.same_quantity``), and whether that row gives the same value;
- for a figure that a seed claims, the fact-check's verdict on that claim
  (a claim names the rows that state its figure in ``claims.subject_ids``);
- whether it is an estimate, forecast or target rather than an outcome.

``Standing.marker`` is what the page API prints after the row's value, its
source marker or its figure label. Notebooks never type a marker: they glue
rows (``helpers.pages.page``), and figure labels ask ``Page.marked``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Marker -> what it means, said once per page that uses it (in this order).
MARKERS = {
    "[L]": "[L] marks a number or statement that rests on a low-confidence source (an aggregator, a "
           "machine-written page or a page that contradicts itself).",
    "[U]": "[U] marks a figure that only one seed document gives, or that our fact-check could not "
           "verify: it is that document's claim, not an established fact.",
    "[D]": "[D] marks a seed document's figure that other sources in our data dispute.",
    "[I]": "[I] marks a seed document's figure that our fact-check rates imprecise (its scope or "
           "measure differs from what other sources report).",
}
VERDICT_MARKERS = {"unverified": "[U]", "disputed": "[D]", "imprecise": "[I]"}
# A row reports a plan or a guess rather than an outcome when a field that
# names its measure says so.
_ESTIMATE = re.compile(r"\b(forecast|target|estimate[sd]?|expected|planned|ambition|projected)\b", re.I)
_MEASURE_FIELDS = ("metric", "measure", "fact", "stage")


@dataclass(frozen=True)
class Standing:
    confidence: str | None      # H, M, L; None for a seed document
    seed: bool                  # the row's source is one of the five seed documents
    others: tuple[str, ...]     # keys of rows from other, non-seed sources reporting the same quantity
    agree: bool | None          # do those rows give the same value? None when there are none
    verdict: str | None         # the fact-check's verdict on a claim that states this row's figure
    estimate: bool              # a forecast, target or estimate, not an outcome
    comparable: bool = True     # its table says which rows report the same quantity (a figure, not an event)
    others_low: bool = False    # every one of ``others`` rests on a low-confidence source

    @property
    def marker(self) -> str:
        """``[L]``, ``[U]``, ``[D]``, ``[I]`` or the empty string."""
        if self.confidence == "L":
            return "[L]"
        if not self.seed:
            return ""
        if self.verdict in VERDICT_MARKERS:
            return VERDICT_MARKERS[self.verdict]
        if self.verdict is None and self.comparable and not self.others:
            return "[U]"
        if self.others and self.others_low:      # confirmed only by low-confidence pages
            return "[L]"
        return ""


@cache
def _verdicts(root_key: str) -> dict[tuple[str, str], str]:
    """(table, key) of each row a claim names as stating its figure -> the claim's verdict."""
    from ..data.descriptor import FACT_CHECK
    from .evidence import raw_rows, table_with_role

    out: dict[tuple[str, str], str] = {}
    claims = table_with_role(FACT_CHECK, root_key)
    for claim in raw_rows(claims, root_key).values():
        for ref in (claim.get("subject_ids") or "").split():
            table, _, key = ref.partition(":")
            # the weakest verdict wins when several claims state the same row
            order = ("consistent", "imprecise", "unverified", "disputed")
            old = out.get((table, key))
            if old is None or order.index(claim["verdict"]) > order.index(old):
                out[(table, key)] = claim["verdict"]
    return out


def _value(cells: dict[str, str]) -> tuple[str, ...]:
    return tuple(cells.get(f, "") for f in ("value", "value_high", "units", "rate_pct", "share_of_fleet_pct"))


@cache
def of(table: str, key: str, root_key: str = "") -> Standing:
    """The standing of one row (``table``, ``key``)."""
    from .evidence import comparable, confidence, raw_rows, same_quantity, source

    rows = raw_rows(table, root_key)
    cells = rows[key]
    sid = cells["source_id"]
    seed = source(sid, root_key or None)["kind"] == "seed"
    # a seed repeating another seed confirms nothing: only other, external sources count
    others = tuple(k for k in same_quantity(table, key, root_key)
                   if rows[k]["source_id"] != sid and source(rows[k]["source_id"], root_key or None)["kind"] != "seed")
    agree = all(_value(rows[k]) == _value(cells) for k in others) if others else None
    measure = " ".join(cells.get(f, "") for f in _MEASURE_FIELDS)
    return Standing(confidence=confidence(sid, root_key or None), seed=seed, others=others, agree=agree,
                    verdict=_verdicts(root_key).get((table, key)),
                    estimate=bool(_ESTIMATE.search(measure)), comparable=comparable(table, root_key),
                    others_low=bool(others) and all(confidence(rows[k]["source_id"], root_key or None) == "L"
                                                    for k in others))


def marker(table: str, key: str) -> str:
    return of(table, key).marker


def legend(markers) -> str:
    """The sentences that explain the markers used on a page, in a fixed order."""
    used = set(markers)
    return " ".join(text for m, text in MARKERS.items() if m in used)


def clear() -> None:
    of.cache_clear()
    _verdicts.cache_clear()
