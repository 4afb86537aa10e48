"""Read a CSV file into cells that remember their line, refusing malformed
files with a located DataError instead of a parser traceback."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError
from .paths import MAX_BYTES, read_confined

# Long cells are refused by the table reader with their line and column
# (tables.MAX_CELL); the csv module's own limit would only name the line.
if csv.field_size_limit() < MAX_BYTES:
    csv.field_size_limit(MAX_BYTES)


@dataclass(frozen=True)
class RawTable:
    path: str                 # as shown in messages (relative to the root)
    header: list[str]
    rows: list[list[str]]
    lines: list[int]          # the physical line each row starts on


def _decode(data: bytes, shown: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        raise DataError(shown, "starts with a UTF-8 byte order mark (BOM); save without it", 1, 1,
                        code="encoding-error")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise DataError(shown, f"invalid UTF-8 byte 0x{data[e.start]:02x}", line, col,
                        code="encoding-error") from None


def read_raw(root: Path, relpath: str, shown: str) -> RawTable:
    """The table at ``root/relpath`` (a regular file inside data/), split
    into cells; any problem is a DataError naming ``shown``."""
    return split_raw(read_confined(root, relpath, shown), shown)


def split_raw(data: bytes, shown: str) -> RawTable:
    """The bytes of a table split into cells; any problem is a DataError naming ``shown``."""
    if not data.strip():
        raise DataError(shown, "file is empty (it needs at least a header line)", code="source-error")
    text = _decode(data, shown)
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        raise DataError(shown, "has CR (Windows or old Mac) line ends; use LF only", line, code="format-error")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataError(shown, "contains a NUL character", line, code="format-error")

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines = [], []
    header = None
    start = 1
    try:
        for record in reader:
            if header is None:
                header = record
            elif record:            # csv yields [] for a blank line
                rows.append(record)
                lines.append(start)
            else:
                raise DataError(shown, "blank line inside the table", start, code="blank-row")
            start = reader.line_num + 1
    except csv.Error as e:
        raise DataError(shown, f"malformed CSV: {e}", start, code="format-error") from None
    if not header or header == [""]:
        raise DataError(shown, "has no header line", 1, code="blank-header")
    return RawTable(shown, header, rows, lines)
