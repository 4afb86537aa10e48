"""Evidence entries: what a reader sees behind a number.

A glued number in the book is a link to an entry that shows the row as
stored, its unit and scope, its source (publisher, title, date, URL), the
quote and whether it is the page's own words or the research notes' summary,
the source's confidence, and the other rows that report the same quantity.
Single rows have their entry on the evidence appendix (``evidence.html``);
numbers derived from several rows have theirs on the page that derives them.

Everything written into HTML here passes through ``html.escape``: values
come from data files, and data is untrusted input.
"""
from __future__ import annotations

import csv
import html
import io
import re
from functools import cache

import pandas as pd

from .paths import project_root

EVIDENCE_PAGE = "evidence"
PROVENANCE = ("source_id", "quote", "quote_origin", "derivation")
LOW_MARK = "[L]"
LOW_NOTE = ("[L] marks a number that rests on a low-confidence source (an aggregator, a machine-written "
            "page or a page that contradicts itself). ")
ORIGIN_WORDS = {"verbatim": "the page's own words, as copied into our research notes",
                "notes-summary": "our research notes' summary of the page, not its own words"}
UNRATED = "not rated (a seed document: the claim is the author’s own)"
CONFIDENCE_WORDS = {"H": "high: several pages agree", "M": "medium: one credible page",
                    "L": "low: an aggregator, a machine-written page or an internal inconsistency"}

# The fields that say WHICH quantity a row reports, per table: rows that agree
# on all of them report the same quantity, so their values can be compared.
# In tables whose rows give different numbers (a recall's size, its share of the
# fleet, its complaints), rows compare only when they give the same ones.
SAME_NUMBERS = {"recalls": ("units", "share_of_fleet_pct", "complaints")}
# A table not listed has no such comparison (its rows are events or texts).
SAME_QUANTITY = {
    "deliveries": ("metric", "period_type", "period", "scope"),
    "financials": ("period_type", "period", "segment", "metric", "unit"),
    "market_reaction": ("trigger", "measure", "unit"),
    "ecosystem": ("metric", "as_of_label", "unit"),
    "peers": ("company", "metric", "model", "period", "basis", "unit"),
    "company_facts": ("topic", "subject", "metric", "unit"),
    "ev_market": ("region", "metric", "year", "unit"),
    "tariffs": ("jurisdiction", "measure", "applies_to", "effective"),
    "recalls": ("recall", "filing_number"),
    "standards": ("standard", "fact", "scope"),
    "incidents": ("incident", "kind"),
}


def anchor(table: str, key: str) -> str:
    """The HTML id of a row's entry: ev-<table>-<key> (ids are [a-z0-9.-])."""
    return "ev-" + re.sub(r"[^a-z0-9.-]+", "-", f"{table}-{key}".lower())


def href(table: str, key: str) -> str:
    return f"{EVIDENCE_PAGE}.html#{anchor(table, key)}"


@cache
def _sources(root_key: str) -> pd.DataFrame:
    from .loading import sources
    return sources(root_key or None).set_index("source_id")


def source(source_id: str, root=None) -> pd.Series:
    return _sources(str(root or ""))["title publisher published url confidence kind path".split()].loc[source_id]


def source_name(source_id: str, root=None) -> str:
    """The short name of a source used everywhere in the book: its publisher,
    else the first clause of its title. (Figures, tooltips, evidence entries,
    the fact-check and the sources page all call this.)"""
    if source_id == "research-notes":
        return "research notes (pages not named)"
    row = source(source_id, root)
    if isinstance(row["publisher"], str) and row["publisher"]:
        return row["publisher"]
    return re.split(r"(?<=[?:])\s", str(row["title"]))[0]


def confidence(source_id: str, root=None) -> str | None:
    c = source(source_id, root)["confidence"]
    return c if isinstance(c, str) and c else None


def is_low(row: pd.Series) -> bool:
    return confidence(row["source_id"]) == "L"


@cache
def raw_rows(table: str, root_key: str = "") -> dict[str, dict[str, str]]:
    """The rows of a table exactly as written in its CSV, by primary key."""
    import json

    from .loading import TABLES_READ

    TABLES_READ.add(table)
    root = project_root(root_key or None)
    descriptor = json.loads((root / "data" / "datapackage.json").read_text("utf-8"))
    res = next(r for r in descriptor["resources"] if r["name"] == table)
    key = res["schema"]["primaryKey"][0]
    text = (root / "data" / res["path"]).read_text("utf-8")
    return {cells[key]: cells for cells in csv.DictReader(io.StringIO(text))}


def same_quantity(table: str, key: str, root_key: str = "") -> list[str]:
    """Keys of the other rows of ``table`` that report the same quantity."""
    dims = SAME_QUANTITY.get(table)
    rows = raw_rows(table, root_key)
    if not dims or key not in rows:
        return []
    mine = rows[key]
    if any(d not in mine for d in dims):
        return []
    numbers = SAME_NUMBERS.get(table, ())

    def filled(cells):   # which of the table's numbers a row gives: a unit count is not a share
        return {f for f in numbers if cells.get(f)}

    return [k for k, cells in rows.items()
            if k != key and all(cells.get(d) == mine[d] for d in dims) and filled(cells) == filled(mine)]


def _esc(x) -> str:
    return html.escape("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x), quote=True)


def tip_text(table: str, key: str) -> str:
    """One line for hover and focus: source, date, confidence and quote."""
    cells = raw_rows(table)[key]
    src = source(cells["source_id"])
    published = src["published"]
    when = f", {published.date().isoformat()}" if isinstance(published, pd.Timestamp) else ""
    conf = confidence(cells["source_id"])
    conf = f" Confidence {conf}." if conf else ""
    origin = " (notes' summary)" if cells.get("quote_origin") == "notes-summary" else ""
    return f"{source_name(cells['source_id'])}{when}:{conf} “{cells['quote']}”{origin}"


def link(text: str, table: str, key: str, tip_id: str) -> str:
    """A glued number: a link to its entry, described by a tooltip that shows
    on hover and on keyboard focus and that screen readers read out."""
    low = is_low(pd.Series(raw_rows(table)[key]))
    mark = f'<sup class="xev-low">{LOW_MARK}</sup>' if low else ""
    return (f'<span class="xev-evw"><a class="xev-ev" href="{_esc(href(table, key))}" aria-describedby="{tip_id}">'
            f'{_esc(text)}</a>{mark}<span class="xev-tip" role="tooltip" id="{tip_id}">{_esc(tip_text(table, key))}'
            '</span></span>')


def derived_link(text: str, name: str, tip: str, low: bool) -> str:
    tip_id = f"xev-tip-{name}"
    mark = f'<sup class="xev-low">{LOW_MARK}</sup>' if low else ""
    return (f'<span class="xev-evw"><a class="xev-ev xev-derived" href="#dv-{_esc(name)}" aria-describedby="{tip_id}">'
            f'{_esc(text)}</a>{mark}<span class="xev-tip" role="tooltip" id="{tip_id}">{_esc(tip)}</span></span>')


# ---------------------------------------------------------------- entries

def entry_html(table: str, key: str, heading_level: int = 4) -> str:
    """The full evidence entry of one row, as an HTML section with its anchor."""
    cells = raw_rows(table)[key]
    src = source(cells["source_id"])
    conf = confidence(cells["source_id"])
    published = src["published"]
    date_text = published.date().isoformat() if isinstance(published, pd.Timestamp) else "not given"
    values = [(k, v) for k, v in cells.items() if k not in PROVENANCE and v != ""]
    url = src["url"] if isinstance(src["url"], str) else ""
    where = (f'<a href="{_esc(url)}" rel="nofollow noreferrer">{_esc(url)}</a>' if url
             else _esc(src["path"]) if isinstance(src["path"], str) else "no address given")
    others = same_quantity(table, key)
    h = f"h{heading_level}"
    parts = [
        f'<section class="xev-entry" id="{anchor(table, key)}">',
        f'<{h}>{_esc(table)} · {_esc(key)}</{h}>',
        '<dl>',
        "<dt>Row as stored</dt><dd><ul class=\"xev-cells\">" + "".join(
            f"<li><code>{_esc(k)}</code>: {_esc(v)}</li>" for k, v in values) + "</ul></dd>",
        f"<dt>Source</dt><dd>{_esc(source_name(cells['source_id']))}: <cite>{_esc(src['title'])}</cite>, "
        f"published {_esc(date_text)}; {where} (<code>{_esc(cells['source_id'])}</code>, "
        f"{_esc(src['kind'])})</dd>",
        f"<dt>Quote</dt><dd><blockquote>{_esc(cells['quote'])}</blockquote>"
        f"{_esc(ORIGIN_WORDS.get(cells.get('quote_origin', ''), ''))}</dd>",
        f"<dt>Confidence</dt><dd>{_esc(CONFIDENCE_WORDS.get(conf, UNRATED))}"
        f"{' ' + LOW_MARK if conf == 'L' else ''}</dd>",
    ]
    if cells.get("derivation"):
        parts.append(f"<dt>Derivation</dt><dd>{_esc(cells['derivation'])}</dd>")
    if others:
        parts.append("<dt>Other rows reporting the same quantity</dt><dd><ul>" + "".join(
            f'<li><a href="#{anchor(table, k)}">{_esc(k)}</a>: '
            f"{_esc(_value_text(raw_rows(table)[k], table))} "
            f"({_esc(source_name(raw_rows(table)[k]['source_id']))})</li>"
            for k in others) + "</ul></dd>")
    elif table in SAME_QUANTITY:
        parts.append("<dt>Other rows reporting the same quantity</dt><dd>none in our data</dd>")
    parts += ["</dl>", "</section>"]
    return "".join(parts)


# The field that holds a row's main number, in tables without a `value` column.
MAIN_FIELD = {"recalls": "units", "tariffs": "rate_pct", "incidents": "deaths"}


def _value_text(cells: dict[str, str], table: str | None = None) -> str:
    if not cells.get("value") and table in MAIN_FIELD and cells.get(MAIN_FIELD[table]):
        return f"{MAIN_FIELD[table]} {cells[MAIN_FIELD[table]]}"
    bits = [cells.get(k, "") for k in ("qualifier", "value", "value_high", "unit") if cells.get(k)]
    return " ".join(b for b in bits if b != "exact") or "(no number: see the entry)"


def derived_entry_html(name: str, text: str, rows: list[tuple[str, str]], how: str) -> str:
    """The entry of a number computed from several rows: the rows and the arithmetic."""
    if len(rows) > 6:   # counts over many rows: one line of links, not a list
        links = ", ".join(f'<a href="{_esc(href(t, k))}">{_esc(k)}</a>' for t, k in rows)
        body = f"<p class=\"xev-rows\">From {len(rows)} rows: {links}.</p>"
    else:
        body = "<ul>" + "".join(
            f'<li><a href="{_esc(href(t, k))}">{_esc(t)} · {_esc(k)}</a>: {_esc(_value_text(raw_rows(t)[k], t))} '
            f"({_esc(source_name(raw_rows(t)[k]['source_id']))})</li>" for t, k in rows) + "</ul>"
    return (f'<section class="xev-entry xev-derived-entry" id="dv-{_esc(name)}">'
            f"<p><strong>{_esc(text)}</strong>: {_esc(how)}.</p>{body}</section>")
