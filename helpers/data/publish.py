"""What the book publishes of the data: exactly the tables the descriptor
lists, after ``verify()`` passes, plus the descriptor, and nothing else.

>>> from helpers.data.publish import publish_tables
>>> publish_tables(Path("book/_static/data"))        # raises DataError if the data does not verify

Files are read with the same confined, regular-files-only reader as the
checks (no symbolic link is followed, no FIFO opened), written to a temporary
name and renamed into place; anything else in the destination (a table no
longer listed, a stray file, a link) is removed.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .checks import verify
from .descriptor import load_descriptor
from .errors import DataError
from .paths import DESCRIPTOR, project_root, read_confined


class PublishError(DataError):
    """The data does not verify: ``problems`` holds every checker message;
    ``str()`` gives them one per line."""

    def __init__(self, problems: list[DataError]):
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.path, f"{first.message} ({len(self.problems)} problem(s) in all; "
                         "nothing was published)", first.line, first.column, code=first.code)

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        return "\n".join(lines + [f"{len(lines)} problem(s) found: the data does not verify, "
                                  "nothing was published"])

    def __reduce__(self):
        return (PublishError, (self.problems,))


def publish_tables(dest: Path, root=None) -> list[Path]:
    """Make ``dest`` hold exactly the tables data/datapackage.json lists and
    the descriptor itself, after ``verify()`` finds no problem; return the
    files written, descriptor last. Raises ``PublishError`` (a DataError
    carrying every checker message in ``problems``) and leaves ``dest``
    untouched when the data does not verify."""
    root = project_root(root)
    problems = verify(root)
    if problems:
        raise PublishError(problems)
    contents = _contents(root)
    dest = _destination(Path(dest))
    _remove_others(dest, contents)
    # the descriptor last: a reader who finds it finds every table it lists
    return [_write(dest, name, data)
            for name, data in sorted(contents.items(), key=lambda kv: kv[0] == "datapackage.json")]


def _contents(root: Path) -> dict[str, bytes]:
    """File name -> bytes of every listed table and of the descriptor. All
    are read first, so that a file that changed into something unreadable
    since verify() stops the publication before dest is touched."""
    wanted = {f"data/{res.path}": res.path for res in load_descriptor(root).values()}
    wanted[DESCRIPTOR] = Path(DESCRIPTOR).name
    return {name: read_confined(root, relpath, within=("data",)) for relpath, name in wanted.items()}


def _destination(dest: Path) -> Path:
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise DataError(str(dest), "the destination is not a folder (or is a symbolic link); refused",
                        code="scheme-error")
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def _remove_others(dest: Path, contents: dict[str, bytes]) -> None:
    """Anything in dest that is not to be published: a table no longer
    listed, a stray file, a link (removed, never followed)."""
    for entry in dest.iterdir():
        if entry.name not in contents:
            _remove(entry)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink()


def _write(dest: Path, name: str, data: bytes) -> Path:
    """Write ``dest/name`` through a temporary file renamed into place."""
    target = dest / name
    if not target.is_symlink() and target.is_file() and target.read_bytes() == data:
        return target                 # unchanged: keep its timestamp
    tmp = dest / f".{name}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, target)           # replaces a link or file of that name, never writes through it
    return target
