"""The one error type the package raises for bad data."""
from __future__ import annotations


class DataError(Exception):
    """A problem in a data file, located as precisely as it can be.

    ``path`` is relative to the project root; ``line`` and ``column`` are
    1-based (``column`` counts CSV fields, or characters in JSON and in
    encoding errors) and are ``None`` where they do not apply.
    """

    def __init__(self, path: str, message: str, line: int | None = None,
                 column: int | None = None):
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def __reduce__(self):  # keep it picklable (pytest-xdist, multiprocessing)
        return (DataError, (self.path, self.message, self.line, self.column))
