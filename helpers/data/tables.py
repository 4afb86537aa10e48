"""Turn a CSV file into typed records, checking every cell against the
schema, and records into a pandas DataFrame with its metadata in attrs."""
from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from .csvread import split_raw
from .descriptor import INT64, NUMBER_LIMIT, PATTERN_CELL_MAX, Field, Resource
from .errors import UNSAFE_CHARS, DataError
from .paths import read_confined

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# A text cell starting like this runs as a formula when the CSV is opened in
# a spreadsheet (OWASP "CSV injection"); full-width and small forms are
# folded to these by NFKC first, and invisible format characters skipped.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\u2212")
#: The longest cell this reader accepts: far above any quote in the data.
MAX_CELL = 20000


def formula_start(text: str) -> str | None:
    """The character that would make a spreadsheet run ``text`` as a
    formula (after any leading white space or invisible format characters,
    and with full-width forms folded), or None."""
    if text[:1].isascii() and text[:1].isalnum():
        return None         # the common case, decided without Unicode look-ups
    for ch in text:
        if ch.isspace() or unicodedata.category(ch) == "Cf":
            if ch in "\t\r":
                return ch
            continue
        folded = unicodedata.normalize("NFKC", ch)[:1]
        return ch if folded in _FORMULA_START or ch in _FORMULA_START else None
    return None


@dataclass
class Record:
    line: int
    values: dict          # field name -> typed value (None when empty)


@dataclass
class Parsed:
    resource: Resource
    shown: str            # path as shown in messages
    records: list[Record]


def shown_path(res: Resource) -> str:
    return f"data/{res.path}"


def _cell_problem(raw: str, f: Field):
    """What makes any non-empty cell unreadable, whatever its type: its
    length, white space around it, a line break, a control character."""
    if len(raw) > MAX_CELL:
        return ("constraint-error", f"{f.name}: cell is {len(raw)} characters long, more than "
                f"the {MAX_CELL} this reader accepts")
    if raw != raw.strip():
        return ("constraint-error", f"{f.name}: {raw[:40]!r} has leading or trailing white space")
    if "\n" in raw:
        return ("constraint-error", f"{f.name}: cell spans several lines")
    bad = UNSAFE_CHARS.search(raw)
    if bad:
        return ("forbidden-value", f"{f.name}: holds the control, bidi or byte-order-mark character "
                f"U+{ord(bad.group()):04X} at character {bad.start() + 1}")
    return None


def _string(raw: str, f: Field):
    start = formula_start(raw)
    if start:
        return None, ("forbidden-value", f"{f.name}: text {raw[:20]!r} starts with {start!r}, which a "
                      "spreadsheet would run as a formula")
    return raw, _pattern_problem(raw, f) or _length_problem(raw, f)


def _pattern_problem(raw: str, f: Field):
    if not f.pattern:
        return None
    # a long cell is refused before matching, so that no pattern can run long
    if len(raw) > PATTERN_CELL_MAX:
        return ("constraint-error", f"{f.name}: {len(raw)} characters is too long for a field "
                f"with a pattern (at most {PATTERN_CELL_MAX})")
    if not re.fullmatch(f.pattern, raw):
        return ("constraint-error", f"{f.name}: {raw!r} does not match the pattern {f.pattern}")
    return None


def _length_problem(raw: str, f: Field):
    if f.min_length is not None and len(raw) < f.min_length:
        return ("constraint-error", f"{f.name}: shorter than the minimum length {f.min_length}")
    if f.max_length is not None and len(raw) > f.max_length:
        return ("constraint-error", f"{f.name}: longer than the maximum length {f.max_length}")
    return None


def _shown_long(raw: str) -> str:
    return f"{raw[:24]}{'…' if len(raw) > 24 else ''}"


def _integer(raw: str, f: Field):
    if not _INTEGER.fullmatch(raw):
        why = ("no leading zeros" if re.fullmatch(r"-?0[0-9]+", raw, re.ASCII)
               else "ASCII digits 0-9 only, no separators, no '+'")
        return None, ("type-error", f"{f.name}: {raw[:40]!r} is not an integer ({why})")
    if raw == "-0":
        return None, ("type-error", f"{f.name}: '-0' is not an integer as written here: zero has no sign, "
                      "write 0")
    # the length test first: int() of thousands of digits is slow (and refused by Python 3.11+)
    if len(raw) > 20 or not INT64[0] <= int(raw) <= INT64[1]:
        return None, ("type-error", f"{f.name}: {_shown_long(raw)} is too large for a 64-bit integer")
    return int(raw), None


def _number(raw: str, f: Field):
    if not _NUMBER.fullmatch(raw):
        why = ("no leading zeros" if re.fullmatch(r"-?0[0-9]+(?:\.[0-9]+)?", raw, re.ASCII)
               else "like 12.5: ASCII digits, '.' for decimals, no separators, %, '+' or exponent")
        return None, ("type-error", f"{f.name}: {raw[:40]!r} is not a plain number ({why})")
    # more digits than a float holds would be rounded silently
    digits = raw.lstrip("-").replace(".", "").lstrip("0").rstrip("0")
    if len(digits) > 15 or len(raw.lstrip("-").split(".")[0]) > 16:
        return None, ("type-error", f"{f.name}: {_shown_long(raw)} has more "
                      "digits than a 64-bit float holds exactly (15 significant digits)")
    value = float(raw)
    if abs(value) > NUMBER_LIMIT:
        return None, ("type-error", f"{f.name}: {raw} is beyond ±2**53, the largest a number field "
                      "holds exactly")
    if value == 0 and raw.startswith("-"):
        return None, ("type-error", f"{f.name}: {raw!r} is a negative zero: zero has no sign, write 0")
    return value, None


def _date(raw: str, f: Field):
    if not _DATE.fullmatch(raw):
        return None, ("type-error", f"{f.name}: {raw[:40]!r} is not an ISO date (YYYY-MM-DD, ASCII digits)")
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, ("type-error", f"{f.name}: {raw!r} is not a real date")


#: field type -> (typed value, None) or (None, (code, message)) for one cell
_TYPED = {"string": _string, "integer": _integer, "number": _number, "date": _date}


def _constraint_problem(value, raw: str, f: Field):
    """enum, minimum and maximum, on the typed value."""
    if f.enum is not None and value not in f.enum:
        return ("constraint-error", f"{f.name}: {raw[:60]!r} is not one of "
                f"{', '.join(map(str, f.enum))[:300]}")
    if f.minimum is not None and value < f.minimum:
        return ("constraint-error", f"{f.name}: {raw} is below the minimum {_show(f.minimum)}")
    if f.maximum is not None and value > f.maximum:
        return ("constraint-error", f"{f.name}: {raw} is above the maximum {_show(f.maximum)}")
    return None


def _convert(raw: str, f: Field):
    """Typed value of one non-empty cell, or (None, (code, message)) saying
    what is wrong with it: the cell as text, then its type, then its constraints."""
    error = _cell_problem(raw, f)
    if error:
        return None, error
    value, error = _TYPED[f.type](raw, f)
    if error:
        return None, error
    error = _constraint_problem(value, raw, f)
    return (None, error) if error else (value, None)


def _show(bound) -> str:
    return f"{bound:g}" if isinstance(bound, (int, float)) else str(bound)


def _check_header(header: list[str], expected: list[str], shown: str) -> None:
    """Raise DataError for a header other than the descriptor's fields in
    order, naming the first column that is wrong."""
    if header == expected:
        return
    seen = set()
    for i, name in enumerate(header, 1):
        if name in seen:
            raise DataError(shown, f"column {name[:40]!r} appears twice in the header", 1, i,
                            code="duplicate-label")
        seen.add(name)
        if name != name.strip():
            raise DataError(shown, f"header {name[:40]!r} has leading or trailing white space", 1, i,
                            code="incorrect-label")
        if name not in expected:
            raise DataError(shown, f"unknown column {name[:40]!r} (not in datapackage.json)", 1, i,
                            code="extra-label")
    missing = [n for n in expected if n not in header]
    if missing:
        raise DataError(shown, f"missing column(s): {', '.join(missing)}", 1, code="missing-label")
    raise DataError(shown, "columns are not in the order datapackage.json gives: "
                    + ", ".join(expected), 1, code="incorrect-label")


class _Rows:
    """Reads the rows of one table in order, remembering the unique values
    and primary keys seen so far; ``problems`` collects one per bad cell or row."""

    def __init__(self, res: Resource, shown: str):
        self.res, self.shown = res, shown
        self.expected = res.field_names
        self.problems: list[DataError] = []
        self.unique_seen: dict[str, dict] = {f.name: {} for f in res.fields if f.unique}
        self.key_seen: dict[tuple, int] = {}

    def problem(self, message: str, line: int, column: int | None, code: str) -> None:
        self.problems.append(DataError(self.shown, message, line, column, code=code))

    def read(self, cells: list[str], line: int) -> Record | None:
        """The row as a Record (its bad cells None), or None when it has the wrong number of cells."""
        if len(cells) != len(self.expected):
            self.problem(f"row has {len(cells)} cells; the header has {len(self.expected)}", line, None,
                         "extra-cell" if len(cells) > len(self.expected) else "missing-cell")
            return None
        values, ok = {}, True
        for col, (cell, f) in enumerate(zip(cells, self.res.fields), 1):
            values[f.name], good = self._cell(cell, f, line, col)
            ok = ok and good
        if ok and self.res.primary_key:
            self._key(values, line)
        return Record(line, values)

    def _cell(self, cell: str, f: Field, line: int, col: int):
        """(typed value or None, whether the cell is good)."""
        if cell == "":
            if f.required:
                self.problem(f"{f.name}: required value is empty", line, col, "constraint-error")
            return None, not f.required
        value, error = _convert(cell, f)
        if error:
            self.problem(error[1], line, col, error[0])
            return value, False
        return value, self._unique(cell, value, f, line, col)

    def _unique(self, cell: str, value, f: Field, line: int, col: int) -> bool:
        if not f.unique or value is None:
            return True
        first = self.unique_seen[f.name].setdefault(value, line)
        if first == line:
            return True
        self.problem(f"{f.name}: {cell[:60]!r} is already used on line {first} (must be unique)", line, col,
                     "unique-error")
        return False

    def _key(self, values: dict, line: int) -> None:
        pk = self.res.primary_key
        empty = [k for k in pk if values[k] is None]
        if empty:
            self.problem(f"{empty[0]}: is part of the primary key and may not be empty", line,
                         self.expected.index(empty[0]) + 1, "primary-key")
            return
        key = tuple(values[k] for k in pk)
        first = self.key_seen.setdefault(key, line)
        # a key of unique fields only has been reported by its unique-error already
        if first != line and not all(self.res.field(k).unique for k in pk):
            self.problem(f"duplicate primary key {str(key)[:100]} (first on line {first})", line,
                         self.expected.index(pk[0]) + 1, "primary-key")


def parse(root: Path, res: Resource) -> tuple[Parsed, list[DataError]]:
    """Read and type-check one table. Structural problems (file, header)
    raise DataError; cell problems are returned, one per bad cell.

    The file is read (confined, regular files only) on every call; its
    typing is remembered by content and schema, since every check run and
    every test case types the same unchanged tables again. The records are
    shared between calls: read them, never change them."""
    shown = shown_path(res)
    data = read_confined(root, f"data/{res.path}", shown)
    records, problems = _typed(data, res, shown)
    # fresh errors each time: a shared exception would gather every traceback it is raised with
    return Parsed(res, shown, records), [copy.copy(p) for p in problems]


@lru_cache(maxsize=64)
def _typed(data: bytes, res: Resource, shown: str) -> tuple[list[Record], tuple[DataError, ...]]:
    raw = split_raw(data, shown)
    _check_header(raw.header, res.field_names, shown)
    rows = _Rows(res, shown)
    records = [rec for cells, line in zip(raw.rows, raw.lines) if (rec := rows.read(cells, line)) is not None]
    return records, tuple(rows.problems)


def to_frame(parsed: Parsed, attrs: dict):
    """A DataFrame with one column per field and dtypes from the schema:
    dates as datetime64, required integers as int64, optional ones as
    nullable Int64, numbers as float64, text as pandas' default str dtype (NaN when missing)."""
    import pandas as pd

    res = parsed.resource
    columns = {}
    for f in res.fields:
        values = [r.values[f.name] for r in parsed.records]
        if f.type == "date":
            columns[f.name] = pd.to_datetime(pd.Series(values, dtype="object"))
        elif f.type == "integer":
            dtype = "int64" if f.required else "Int64"
            columns[f.name] = pd.Series(values, dtype=dtype)
        elif f.type == "number":
            columns[f.name] = pd.Series([float("nan") if v is None else v for v in values],
                                        dtype="float64")
        else:
            columns[f.name] = pd.Series(values, dtype="str")  # pandas 3 default: NaN for missing
    frame = pd.DataFrame(columns)
    frame.attrs.update(attrs)
    return frame
