"""Where the project's data and seeds live, and the one way to read them.

Every file the data names is read through ``read_confined``: the path must
stay inside ``data/`` or ``seeds/`` (no ``..``, not absolute, no symbolic
link on the way), and the file must be a regular file. A FIFO, a device, a
folder or a link is refused by what ``lstat`` says before it is opened, and
the open itself never follows a link and never blocks.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path, PurePosixPath

from .errors import DataError

#: Set this to point the package at another copy of the project (tests do).
ROOT_ENV = "XIAOMI_EV_ROOT"

DESCRIPTOR = "data/datapackage.json"
# The research notes on external reporting, oldest first: an external
# source's quote must be found in one of them.
NOTES = ("seeds/research/external-facts.md",
         "seeds/research/2026-business.md",
         "seeds/research/2026-trust-global.md",
         "seeds/research/2026-refinements.md")

#: The folders the data may name files in.
CONFINED = ("data", "seeds")
#: No data, seed or notes file is anywhere near this big; a bigger one is refused unread.
MAX_BYTES = 16 * 1024 * 1024

_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def project_root(root: str | os.PathLike | None = None) -> Path:
    """The folder holding data/ and seeds/: ``root``, else $XIAOMI_EV_ROOT,
    else the checkout this package sits in."""
    if root is None:
        root = os.environ.get(ROOT_ENV) or Path(__file__).resolve().parents[2]   # helpers/data/paths.py
    root = Path(root)
    try:
        ok = (root / "data").is_dir()
    except OSError:     # e.g. a name too long, or a loop of links
        ok = False
    if not ok:
        raise DataError(str(root), "no data/ folder here: is this the project root?", code="scheme-error")
    return root


def unsafe_relpath(relpath: str, within: tuple[str, ...] = CONFINED) -> str | None:
    """Why ``relpath`` (relative to the root, with ``/``) may not be read, or
    None. Only the shape is checked here; links are refused on reading."""
    if not isinstance(relpath, str) or not relpath:
        return "is empty"
    if "\\" in relpath or "\x00" in relpath:
        return "holds a backslash or NUL"
    p = PurePosixPath(relpath)
    if p.is_absolute() or relpath.startswith("~"):
        return "is absolute: give it relative to the project folder"
    parts = p.parts
    if any(part in ("..", ".") for part in relpath.split("/")):
        return "holds '.' or '..': give it plainly, inside " + " or ".join(f"{w}/" for w in within)
    if len(parts) < 2 or parts[0] not in within:
        return "is not inside " + " or ".join(f"{w}/" for w in within)
    if not all(_SAFE_PART.fullmatch(part) for part in parts):
        return "has a name with characters other than letters, digits, '_', '-' and '.'"
    return None


def _why(err: OSError) -> str:
    return {errno.ENOENT: "file is missing", errno.EACCES: "cannot be read: permission denied",
            errno.EPERM: "cannot be read: operation not permitted",
            errno.ELOOP: "is a symbolic link (refused: only regular files are read)",
            errno.ENAMETOOLONG: "cannot be read: name too long",
            errno.ENOTDIR: "file is missing (a folder on its path is a file)",
            errno.EISDIR: "is a folder, not a file"}.get(
        err.errno, f"cannot be read: {os.strerror(err.errno) if err.errno else err}")


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, what in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return what
    return "not a regular file"


def file_problem(root: Path, relpath: str, within: tuple[str, ...] = CONFINED) -> str | None:
    """Why ``root/relpath`` cannot be read as a confined regular file, or
    None. Looks with lstat only: opens nothing, follows no link."""
    why = unsafe_relpath(relpath, within)
    if why:
        return f"path {why}"
    here = Path(root)
    parts = PurePosixPath(relpath).parts
    for i, part in enumerate(parts):
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except OSError as e:
            return _why(e)
        if stat.S_ISLNK(mode):
            return ("is a symbolic link (refused: only regular files are read)" if i == len(parts) - 1
                    else f"path goes through a symbolic link ({'/'.join(parts[:i + 1])}); refused")
        if i < len(parts) - 1 and not stat.S_ISDIR(mode):
            return "file is missing (a folder on its path is a file)"
    kind = _kind(mode)
    return f"is {kind}, not a regular file; refused" if kind else None


def read_confined(root: Path, relpath: str, shown: str | None = None,
                  within: tuple[str, ...] = CONFINED, code: str = "scheme-error") -> bytes:
    """The bytes of the regular file ``root/relpath``, or a DataError naming
    ``shown`` (default ``relpath``) that says why it cannot be read. The
    message never quotes the file's content."""
    shown = relpath if shown is None else shown
    why = file_problem(root, relpath, within)
    if why:
        raise DataError(shown, why, code=code)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(Path(root) / relpath, flags)
    except OSError as e:       # changed under our feet, or no permission
        raise DataError(shown, _why(e), code=code) from None
    try:
        st = os.fstat(fd)
        kind = _kind(st.st_mode)
        if kind:
            raise DataError(shown, f"is {kind}, not a regular file; refused", code=code)
        if st.st_size > MAX_BYTES:
            raise DataError(shown, f"is {st.st_size} bytes, more than the {MAX_BYTES} this project "
                            "reads; refused", code="source-error")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BYTES:
                raise DataError(shown, f"is more than the {MAX_BYTES} bytes this project reads; refused",
                                code="source-error")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise DataError(shown, _why(e), code=code) from None
    finally:
        os.close(fd)
