"""Turn a CSV file into typed records, checking every cell against the
schema, and records into a pandas DataFrame with its metadata in attrs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .csvread import read_raw
from .descriptor import Field, Resource
from .errors import DataError

_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A text cell starting like this runs as a formula when the CSV is opened in
# a spreadsheet (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t")


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


def _convert(raw: str, f: Field):
    """Typed value of one non-empty cell, or a message saying what is wrong."""
    if raw != raw.strip():
        return None, f"{f.name}: {raw!r} has leading or trailing white space"
    if "\n" in raw:
        return None, f"{f.name}: cell spans several lines"
    if f.type == "string":
        if raw.startswith(_FORMULA_START):
            return None, (f"{f.name}: text {raw[:20]!r} starts with {raw[0]!r}, which a "
                          "spreadsheet would run as a formula")
        if f.pattern and not re.fullmatch(f.pattern, raw):
            return None, f"{f.name}: {raw!r} does not match the pattern {f.pattern}"
        value = raw
    elif f.type == "integer":
        if not _INTEGER.fullmatch(raw):
            return None, f"{f.name}: {raw!r} is not an integer (digits only, no separators)"
        value = int(raw)
    elif f.type == "number":
        if not _NUMBER.fullmatch(raw):
            return None, f"{f.name}: {raw!r} is not a plain number (like 12.5, no separators or %)"
        value = float(raw)
    else:  # date
        if not _DATE.fullmatch(raw):
            return None, f"{f.name}: {raw!r} is not an ISO date (YYYY-MM-DD)"
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            return None, f"{f.name}: {raw!r} is not a real date"
    if f.enum is not None and value not in f.enum:
        return None, f"{f.name}: {raw!r} is not one of {', '.join(map(str, f.enum))}"
    if f.minimum is not None and value < f.minimum:
        return None, f"{f.name}: {raw} is below the minimum {f.minimum:g}"
    if f.maximum is not None and value > f.maximum:
        return None, f"{f.name}: {raw} is above the maximum {f.maximum:g}"
    return value, None


def parse(root: Path, res: Resource) -> tuple[Parsed, list[DataError]]:
    """Read and type-check one table. Structural problems (file, header)
    raise DataError; cell problems are returned, one per bad cell."""
    shown = shown_path(res)
    raw = read_raw(root / "data" / res.path, shown)
    expected = res.field_names
    if raw.header != expected:
        seen = set()
        for i, name in enumerate(raw.header, 1):
            if name in seen:
                raise DataError(shown, f"column '{name}' appears twice in the header", 1, i)
            seen.add(name)
            if name != name.strip():
                raise DataError(shown, f"header {name!r} has leading or trailing white space", 1, i)
            if name not in expected:
                raise DataError(shown, f"unknown column '{name}' (not in datapackage.json)", 1, i)
        missing = [n for n in expected if n not in raw.header]
        if missing:
            raise DataError(shown, f"missing column(s): {', '.join(missing)}", 1)
        raise DataError(shown, "columns are not in the order datapackage.json gives: "
                        + ", ".join(expected), 1)

    problems: list[DataError] = []
    records: list[Record] = []
    unique_seen: dict[str, dict] = {f.name: {} for f in res.fields if f.unique}
    key_seen: dict[tuple, int] = {}
    for cells, line in zip(raw.rows, raw.lines):
        if len(cells) != len(expected):
            problems.append(DataError(shown, f"row has {len(cells)} cells; the header has "
                                      f"{len(expected)}", line))
            continue
        values, ok = {}, True
        for col, (cell, f) in enumerate(zip(cells, res.fields), 1):
            if cell == "":
                if f.required:
                    problems.append(DataError(shown, f"{f.name}: required value is empty", line, col))
                    ok = False
                values[f.name] = None
                continue
            value, error = _convert(cell, f)
            if error:
                problems.append(DataError(shown, error, line, col))
                ok = False
            values[f.name] = value
            if f.unique and value is not None:
                first = unique_seen[f.name].setdefault(value, line)
                if first != line:
                    problems.append(DataError(shown, f"{f.name}: {cell!r} is already used on "
                                              f"line {first} (must be unique)", line, col))
                    ok = False
        if res.primary_key and ok:
            key = tuple(values[k] for k in res.primary_key)
            first = key_seen.setdefault(key, line)
            if first != line and not all(res.field(k).unique for k in res.primary_key):
                problems.append(DataError(shown, f"duplicate primary key {key} (first on line {first})",
                                          line, expected.index(res.primary_key[0]) + 1))
        records.append(Record(line, values))
    return Parsed(res, shown, records), problems


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
