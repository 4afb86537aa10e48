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
import io
import re
from functools import cache

import pandas as pd

from ..data.paths import project_root
from .html import esc  # noqa: F401  (evidence.esc: the one escaping rule, for notebooks too)

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

@cache
def resources(root_key: str = "") -> dict:
    """The tables as the descriptor describes them (helpers.data.descriptor.Resource):
    what each means to the book (same quantity, main field, role) lives there."""
    from ..data.descriptor import load_descriptor

    return load_descriptor(project_root(root_key or None))


def table_with_role(role: str, root_key: str = "") -> str:
    """The name of the table that plays ``role`` (descriptor property xev.role)."""
    names = [n for n, r in resources(root_key).items() if r.role == role]
    if len(names) != 1:
        raise LookupError(f"the descriptor must give exactly one table the role {role!r}, not {len(names)}")
    return names[0]


def comparable(table: str, root_key: str = "") -> bool:
    """Does the table say which of its rows report the same quantity?"""
    return bool(resources(root_key)[table].same_quantity)


def anchor(table: str, key: str) -> str:
    """The HTML id of a row's entry: ev-<table>-<key> (ids are [a-z0-9.-])."""
    return "ev-" + re.sub(r"[^a-z0-9.-]+", "-", f"{table}-{key}".lower())


def href(table: str, key: str) -> str:
    return f"{EVIDENCE_PAGE}.html#{anchor(table, key)}"


@cache
def _sources(root_key: str) -> pd.DataFrame:
    from ..data.loading import sources
    # the columns a source row is asked for, selected once and without the table's attrs,
    # which pandas deep-copies into every row taken (pages take thousands)
    columns = "title publisher published url confidence kind path".split()
    frame = sources(root_key or None).set_index("source_id")[columns]
    frame.attrs = {}
    return frame


def source(source_id: str, root=None) -> pd.Series:
    return _sources(str(root or "")).loc[source_id]


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
    """The rows of a table exactly as written in its CSV, by primary key (read through
    the descriptor and the confined reader, like every other read of the data)."""
    from ..data.loading import TABLES_READ
    from ..data.paths import read_confined

    TABLES_READ.add(table)
    res = resources(root_key)[table]
    text = read_confined(project_root(root_key or None), f"data/{res.path}").decode("utf-8")
    return {cells[res.primary_key[0]]: cells for cells in csv.DictReader(io.StringIO(text))}


def same_quantity(table: str, key: str, root_key: str = "") -> list[str]:
    """Keys of the other rows of ``table`` that report the same quantity."""
    return resources(root_key)[table].quantity_peers(raw_rows(table, root_key), key)




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


def mark_html(markers) -> str:
    """The standing markers after a value or a source marker ([L], [U], ...), each once."""
    out = []
    for m in dict.fromkeys(m for m in markers if m):
        cls = "xev-low" if m == LOW_MARK else "xev-mark"
        out.append(f'<sup class="{cls}">{esc(m)}</sup>')
    return "".join(out)


def link(text: str, table: str, key: str, tip_id: str, cls: str = "xev-ev") -> str:
    """A glued number: a link to its entry, described by a tooltip that shows
    on hover and on keyboard focus and that screen readers read out. The row's
    standing (helpers.pages.standing) decides the marker after it."""
    from . import standing

    return (f'<span class="xev-evw"><a class="{cls}" href="{esc(href(table, key))}" aria-describedby="{tip_id}">'
            f'{esc(text)}</a>{mark_html([standing.marker(table, key)])}'
            f'<span class="xev-tip" role="tooltip" id="{tip_id}">{esc(tip_text(table, key))}</span></span>')


def derived_link(text: str, name: str, tip: str, markers=(), cls: str = "xev-ev xev-derived") -> str:
    tip_id = f"xev-tip-{name}"
    return (f'<span class="xev-evw"><a class="{cls}" href="#dv-{esc(name)}" aria-describedby="{tip_id}">'
            f'{esc(text)}</a>{mark_html(markers)}<span class="xev-tip" role="tooltip" id="{tip_id}">{esc(tip)}'
            '</span></span>')


def cite_html(name: str, refs: list[tuple[str, str]], how: str | None = None) -> str:
    """A source marker for a statement: a small bracketed link after the
    sentence, to the evidence of the rows it rests on. One or two rows: one
    link per row, named by its source. More (or ``how``): one link to an
    entry at the end of the page that lists them (``derived_entry_html``)."""
    from . import standing

    markers = [standing.marker(t, k) for t, k in refs]
    if len(refs) <= 2 and how is None:
        links = "; ".join(link(source_name(raw_rows(t)[k]["source_id"]), t, k, f"xev-tip-{name}-{i}",
                               cls="xev-ev xev-src")
                          for i, (t, k) in enumerate(refs, 1))
        return f'<span class="xev-cite">[{links}]</span>'
    distinct = list(dict.fromkeys(source_name(raw_rows(t)[k]["source_id"]) for t, k in refs))
    tip = f"{how or 'The rows this statement rests on'}. From {len(refs)} rows ({'; '.join(distinct)})."
    # the marker counts sources, not rows: ten rows of one notes file are one source
    shown = f"{len(distinct)} sources" if len(distinct) > 1 else \
        f"{distinct[0]}, {len(refs)} row{'s' if len(refs) > 1 else ''}"
    return f'<span class="xev-cite">[{derived_link(shown, name, tip, markers, "xev-ev xev-src")}]</span>'


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
    where = (f'<a href="{esc(url)}" rel="nofollow noreferrer">{esc(url)}</a>' if url
             else esc(src["path"]) if isinstance(src["path"], str) else "no address given")
    others = same_quantity(table, key)
    h = f"h{heading_level}"
    parts = [
        f'<section class="xev-entry" id="{anchor(table, key)}">',
        f'<{h}>{esc(table)} · {esc(key)}</{h}>',
        '<dl>',
        "<dt>Row as stored</dt><dd><ul class=\"xev-cells\">" + "".join(
            f"<li><code>{esc(k)}</code>: {esc(v)}</li>" for k, v in values) + "</ul></dd>",
        f"<dt>Source</dt><dd>{esc(source_name(cells['source_id']))}: <cite>{esc(src['title'])}</cite>, "
        f"published {esc(date_text)}; {where} (<code>{esc(cells['source_id'])}</code>, "
        f"{esc(src['kind'])})</dd>",
        f"<dt>Quote</dt><dd><blockquote>{esc(cells['quote'])}</blockquote>"
        f"{esc(ORIGIN_WORDS.get(cells.get('quote_origin', ''), ''))}</dd>",
        f"<dt>Confidence</dt><dd>{esc(CONFIDENCE_WORDS.get(conf, UNRATED))}"
        f"{' ' + LOW_MARK if conf == 'L' else ''}</dd>",
    ]
    if cells.get("derivation"):
        parts.append(f"<dt>Derivation</dt><dd>{esc(cells['derivation'])}</dd>")
    parts.append(f"<dt>Standing</dt><dd>{esc(standing_text(table, key))}</dd>")
    if others:
        parts.append("<dt>Other rows reporting the same quantity</dt><dd><ul>" + "".join(
            f'<li><a href="#{anchor(table, k)}">{esc(k)}</a>: '
            f"{esc(value_text(raw_rows(table)[k], table))} "
            f"({esc(source_name(raw_rows(table)[k]['source_id']))})</li>"
            for k in others) + "</ul></dd>")
    elif comparable(table):
        parts.append("<dt>Other rows reporting the same quantity</dt><dd>none in our data</dd>")
    parts += ["</dl>", "</section>"]
    return "".join(parts)


def standing_text(table: str, key: str) -> str:
    """The row's standing in words, with the marker it earns (helpers.pages.standing)."""
    from . import standing

    st = standing.of(table, key)
    bits = []
    if st.seed:
        bits.append("a seed document's figure")
    if st.verdict:
        bits.append(f"the fact-check rates the claim that states it {st.verdict}")
    if st.others:
        bits.append(f"{len(st.others)} other source row(s) report the same quantity"
                    + ("" if st.agree is None else ", with the same value" if st.agree else ", with other values"))
    elif comparable(table):
        bits.append("no other source in our data reports the same quantity")
    if st.estimate:
        bits.append("a forecast, target or estimate, not an outcome")
    text = "; ".join(bits) or "no comparison applies to this table"
    return text[0].upper() + text[1:] + (f". Marked {st.marker} where it is used." if st.marker else ".")


def value_text(cells: dict[str, str], table: str | None = None) -> str:
    """A row's main number as the prose says it ("over 410,000 vehicles"), from its
    cells as stored."""
    field = _main_field(cells, table)
    if field is None:
        return "(no number: see the entry)"
    unit = cells.get("unit", "") if field == "value" else resources()[table].field(field).unit or ""
    try:
        text = _quantity_text(cells, field, unit)
    except ValueError:
        return " ".join(b for b in (cells.get("qualifier"), cells[field], unit) if b and b != "exact")
    shown = unit and (unit in text or unit.startswith(("%", "CNY", "USD", "HKD", "EUR", "million ")))
    return text if shown or not unit else f"{text} {unit}"


def _main_field(cells: dict[str, str], table: str | None) -> str | None:
    """The field holding a row's main number: ``value``, else its table's mainField."""
    main = resources()[table].main_field if table else None
    return "value" if cells.get("value") else main if main and cells.get(main) else None


def _quantity_text(cells: dict[str, str], field: str, unit: str) -> str:
    from .narrative import quantity

    text = quantity(float(cells[field]), unit, cells.get("qualifier") or "exact")
    if field == "value" and cells.get("value_high"):
        text += " to " + quantity(float(cells["value_high"]), unit)
    return text


def derived_entry_html(name: str, text: str, rows: list[tuple[str, str]], how: str) -> str:
    """The entry of a number computed from several rows: the rows and the arithmetic."""
    if len(rows) > 6:   # counts over many rows: one line of links, not a list
        links = ", ".join(f'<a href="{esc(href(t, k))}">{esc(k)}</a>' for t, k in rows)
        body = f"<p class=\"xev-rows\">From {len(rows)} rows: {links}.</p>"
    else:
        body = "<ul>" + "".join(
            f'<li><a href="{esc(href(t, k))}">{esc(t)} · {esc(k)}</a>: {esc(value_text(raw_rows(t)[k], t))} '
            f"({esc(source_name(raw_rows(t)[k]['source_id']))})</li>" for t, k in rows) + "</ul>"
    return (f'<section class="xev-entry xev-derived-entry" id="dv-{esc(name)}">'
            f"<p><strong>{esc(text)}</strong>: {esc(how)}.</p>{body}</section>")
