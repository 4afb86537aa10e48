"""The one error type the package raises for bad data."""
from __future__ import annotations

import re

#: The stable codes a DataError carries. Where Frictionless has a name for the
#: same kind of problem, the code is that name; the last group is the
#: project's own (provenance and the rules of the book).
CODES = {
    # the descriptor (data/datapackage.json)
    "package-error": "the descriptor is missing, not JSON, or shaped wrongly at its top level",
    "resource-error": "a resource entry is shaped wrongly, or its path is unsafe",
    "schema-error": "a table schema is shaped wrongly or uses a keyword this reader does not implement",
    "field-error": "a field definition is shaped wrongly or uses a keyword this reader does not implement",
    # reading a file
    "scheme-error": "a file is missing, unreadable, not a regular file, a symbolic link or outside the project",
    "source-error": "a file is empty or too large",
    "encoding-error": "a file is not plain UTF-8 (invalid bytes, byte order mark)",
    "format-error": "a file is not well-formed CSV (CR line ends, NUL, unterminated quote)",
    "blank-row": "a blank line inside a table",
    # header and rows
    "blank-header": "a table has no header line",
    "duplicate-label": "a column name appears twice in the header",
    "extra-label": "a column the descriptor does not list",
    "missing-label": "a column the descriptor lists is missing",
    "incorrect-label": "a column name is misspelt (white space) or out of order",
    "extra-cell": "a row has more cells than the header",
    "missing-cell": "a row has fewer cells than the header",
    # cells
    "type-error": "a cell is not of its field's type (or too large for it)",
    "constraint-error": "a cell breaks a constraint (required, enum, pattern, minimum, maximum, length)",
    "forbidden-value": "a text cell holds control characters, bidi overrides, a BOM or a spreadsheet formula",
    "unique-error": "a value of a unique field is repeated",
    "primary-key": "a primary key is repeated",
    "foreign-key": "a value refers to a row that does not exist",
    # the package as a whole, and the project's own rules
    "package-file": "a file in data/ the descriptor does not describe (or describes but is not there)",
    "source-registry": "data/sources.csv and the seed files disagree",
    "quote-error": "a quote is not found in its source, or cannot be checked",
    "value-error": "a checked value is not in its quote, or outside its domain",
    "claim-error": "a number in a claim's evidence is not a value of the rows it cites",
    "data-error": "any other problem in the data",
}

# C0/C1 controls, DEL, bidirectional marks and overrides, line/paragraph
# separators and the BOM: never printed raw in a message.
UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


_CODE = re.compile(r"[a-z]+(?:-[a-z]+){0,4}")


def escape(text: str) -> str:
    """``text`` with every control, bidi or separator character written as an
    escape (``\\x1b``, ``\\u202e``), so that a message cannot move the cursor,
    reorder a line or fake a new one."""
    def one(m: re.Match) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    return UNSAFE_CHARS.sub(one, str(text))


class DataError(Exception):
    """A problem in a data file, located as precisely as it can be.

    ``path`` is relative to the project root; ``line`` and ``column`` are
    1-based (``column`` counts CSV fields, or characters in JSON and in
    encoding errors) and are ``None`` where they do not apply. ``code`` is
    one of ``CODES``: stable, for programs and tests to tell problems apart
    (a new kind of problem may bring its own lower-case, hyphenated code;
    anything else becomes "data-error").
    Path and message never hold raw control characters (they are escaped).
    """

    def __init__(self, path: str, message: str, line: int | None = None,
                 column: int | None = None, code: str = "data-error"):
        if code not in CODES and not _CODE.fullmatch(str(code)):
            code = "data-error"       # never let the error about an error be the one that escapes
        self.path = escape(path)
        self.line = line
        self.column = column
        self.message = escape(message)
        self.code = code
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"DataError({str(self)!r}, code={self.code!r})"

    def __reduce__(self):  # keep it picklable (pytest-xdist, multiprocessing)
        return (DataError, (self.path, self.message, self.line, self.column, self.code))
