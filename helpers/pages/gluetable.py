"""A page's glue table: the values and source markers its prose names, declared
as rows of ``book/_glue/<page>.csv`` instead of written as dozens of glue calls.

Each row names a glued value, how it is said and the data rows it comes from::

    name,say,rows,how
    jan_2026,value,deliveries:del-2026-01-163,
    jan_change,value,deliveries:del-2026-01-163:change_pct,
    wait_2026,range,company_facts:wait-new-order-2026-01-digitimes,
    cite_fires,cite,events:fires-2026-01-19 incidents:inc-haikou-fire-reportify,

``rows`` holds ``table:key`` references (``table:key:field`` for a field other than
``value``), separated by spaces. ``say`` is one of:

- ``value``: the field as the prose says it, in its unit with its qualifier
  (``Page.glue_value``); ``ordinal``: a rank, "1st"; ``range``: ``value`` to
  ``value_high`` with the unit once ("3 to 4 months"), ``range-both`` with the
  unit at both ends ("73 kWh to 101.7 kWh"); ``published``: the date the row's
  source was published (the first row's; ``how`` says why several rows share it);
- ``cite``: a source marker for a statement with no number (``Page.cite``; ``how``
  makes it one "[N sources]" entry).

The rows are glued in the table's order, through the page, so the page records
every row it uses. Bad input is refused with the file, line and column.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..data.csvread import split_raw
from ..data.errors import DataError
from ..data.paths import project_root, read_confined

__all__ = ["COLUMNS", "SAYS", "Entry", "path_of", "read", "parse", "glue"]

COLUMNS = ["name", "say", "rows", "how"]
SAYS = ("value", "ordinal", "range", "range-both", "published", "cite")
_ONE_ROW = ("value", "ordinal", "range", "range-both")


def path_of(slug: str) -> str:
    """Where a page's glue table lives, relative to the project root."""
    return f"book/_glue/{slug}.csv"


@dataclass(frozen=True)
class Entry:
    name: str
    say: str
    refs: tuple[tuple[str, str, str], ...]     # (table, key, field)
    how: str | None
    shown: str                                 # file:line, for messages
    line: int


def _refs(text: str, tables, shown: str, line: int) -> tuple[tuple[str, str, str], ...]:
    refs = []
    for ref in text.split():
        parts = ref.split(":")
        if len(parts) not in (2, 3) or parts[0] not in tables:
            raise DataError(shown, f"{ref!r}: write each row as table:key or table:key:field "
                            f"(tables: {', '.join(sorted(tables))})", line, 3, code="glue-table")
        refs.append((parts[0], parts[1], parts[2] if len(parts) == 3 else "value"))
    if not refs:
        raise DataError(shown, "name at least one row", line, 3, code="glue-table")
    return tuple(refs)


def read(slug: str, root=None) -> list[Entry]:
    """The entries of a page's glue table, checked (names, kinds, row references)."""
    from .evidence import resources

    root = project_root(root)
    shown = path_of(slug)
    data = read_confined(root, shown, within=("book",), code="glue-table")
    return parse(data, shown, set(resources(str(root))))


def parse(data: bytes, shown: str, tables) -> list[Entry]:
    """The entries of a glue table's bytes (``shown`` names it in messages; ``tables`` are the
    tables its rows may name)."""
    raw = split_raw(data, shown)
    if raw.header != COLUMNS:
        raise DataError(shown, f"the header must be {','.join(COLUMNS)}", 1, 1, code="glue-table")
    entries = []
    for cells, line in zip(raw.rows, raw.lines):
        if len(cells) != len(COLUMNS):
            raise DataError(shown, f"expected {len(COLUMNS)} cells, found {len(cells)}", line, 1, code="glue-table")
        name, say, rows, how = cells
        if say not in SAYS:
            raise DataError(shown, f"say {say!r}: use one of {', '.join(SAYS)}", line, 2, code="glue-table")
        refs = _refs(rows, tables, shown, line)
        if say in _ONE_ROW and len(refs) != 1:
            raise DataError(shown, f"{say} takes one row, not {len(refs)}", line, 3, code="glue-table")
        entries.append(Entry(name, say, refs, how or None, shown, line))
    return entries


def _say(page, entry: Entry) -> None:
    from .narrative import ordinal

    rows = [page.row(table, key) for table, key, _ in entry.refs]
    field = entry.refs[0][2]
    if entry.say == "value":
        page.glue_value(entry.name, rows[0], field)
    elif entry.say == "ordinal":
        page.glue(entry.name, ordinal(rows[0][field]), rows[0])
    elif entry.say in ("range", "range-both"):
        page.glue_range(entry.name, rows[0], repeat=entry.say == "range-both")
    elif entry.say == "published":
        page.glue_published(entry.how, **{entry.name: tuple(rows)})
    else:
        page.cite(entry.name, *rows, how=entry.how)


def glue(page, entries: list[Entry]) -> None:
    """Glue every entry on ``page``, in order; a row that is not in its table is refused
    with the glue table's line."""
    for entry in entries:
        try:
            _say(page, entry)
        except KeyError as e:
            raise DataError(entry.shown, str(e).strip("'\""), entry.line, 3, code="glue-table") from None
