"""load_table(): one curated table as a typed, documented DataFrame.

Loading is cached once per process: the checked tables of a project copy are
kept, keyed on the descriptor, every table and every file under seeds/ by
(path, size, mtime_ns, ctime_ns, inode). Any change to one of them starts
afresh; so does a file changed in the last two seconds, whose timestamp
could not yet tell a second edit from the first ("racy" timestamps, as git
calls them). Each call returns its own copy of the frame.
"""
from __future__ import annotations

import copy
import os
import threading
import time
from pathlib import Path

from .checks import Context, table_problems
from .descriptor import SOURCE_REGISTRY
from .errors import DataError
from .paths import DESCRIPTOR, project_root

#: Names of the tables this process has read: a notebook reports them when it
#: ends (helpers.pages.page), so the build knows which data files its outputs depend on.
TABLES_READ: set[str] = set()

_RACY_NS = 2_000_000_000
_lock = threading.Lock()
_cache: dict[Path, tuple[tuple, Context, dict]] = {}   # root -> (fingerprint, context, frames by name)


def _fingerprint(root: Path) -> tuple | None:
    """What the checked tables depend on, by lstat; None when a file is too
    fresh to be trusted, or anything cannot be looked at (no caching)."""
    paths = [root / DESCRIPTOR]
    try:
        paths += sorted(p for p in (root / "data").iterdir())
        for folder, dirs, files in os.walk(root / "seeds"):   # never follows links
            dirs.sort()
            paths += [Path(folder) / f for f in sorted(files)]
        now = time.time_ns()
        out = []
        for p in paths:
            st = os.lstat(p)
            if now - st.st_mtime_ns < _RACY_NS or now - st.st_ctime_ns < _RACY_NS:
                return None
            out.append((str(p), st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        return tuple(out)
    except OSError:
        return None


def _context(root=None) -> tuple[Context, dict | None]:
    """A Context for ``root``: the cached one while no file changed (with its
    frames by name), else a fresh one (cached when its files are settled)."""
    path = project_root(root).resolve()
    key = _fingerprint(path)
    with _lock:
        hit = _cache.get(path)
        if key is not None and hit is not None and hit[0] == key:
            return hit[1], hit[2]
    ctx = Context(path)
    frames: dict | None = None
    if key is not None:
        frames = {}
        with _lock:
            _cache[path] = (key, ctx, frames)
    return ctx, frames


def clear_cache() -> None:
    """Forget every cached table (tests use it; nothing else needs to)."""
    with _lock:
        _cache.clear()


def list_tables(root=None) -> list[str]:
    """Names of the curated tables, in the order data/datapackage.json lists them."""
    return list(_context(root)[0].resources)


def _raise_first(problems: list[DataError]) -> None:
    if problems:
        first = problems[0]
        if len(problems) > 1:
            first = DataError(first.path, f"{first.message} (and {len(problems) - 1} more "
                              "problems: run `python -m helpers check`)", first.line, first.column,
                              code=first.code)
        raise first


def _copy(frame):
    out = frame.copy(deep=True)
    out.attrs = copy.deepcopy(frame.attrs)
    return out


def load_table(name: str, root=None):
    """Load table ``name`` as a pandas DataFrame, after checking every cell,
    its source and (for fact tables) that each value is in its quote.

    ``df.attrs`` holds: ``name``, ``title``, ``description``, ``path``,
    ``primary_key``, ``units`` (column -> unit), ``columns`` (column ->
    description) and ``sources`` (the rows of sources.csv the table cites).
    Raises DataError naming file, line and column for any problem.
    """
    frame, cached = _frame(name, root)
    return _copy(frame) if cached else frame


def shared_table(name: str, root=None):
    """The frame ``load_table`` copies, itself: for helpers that only read it
    many times over (a deep copy costs more than the lookup they need). Never
    modify it. The same object comes back while no data file changed, so a
    caller may key what it derives from it on its identity."""
    return _frame(name, root)[0]


def _frame(name: str, root=None):
    """The checked frame of table ``name`` and whether it is the cached one (then shared)."""
    TABLES_READ.add(name)
    ctx, frames = _context(root)
    TABLES_READ.add(ctx.registry)       # every table's attrs cite rows of the source registry
    if frames is not None and name in frames:
        return frames[name], True
    frame = _load(ctx, name)
    if frames is not None:
        with _lock:
            frames[name] = frame
        return frame, True
    return frame, False


def _resource(ctx: Context, name):
    if not isinstance(name, str) or name not in ctx.resources:
        raise DataError(DESCRIPTOR, f"no table named {str(name)[:60]!r}; the tables are: "
                        + ", ".join(ctx.resources))
    return ctx.resources[name]


def _read_first(ctx: Context, res) -> list[str]:
    """The tables whose reading must succeed before ``res`` is checked: those
    its foreign keys refer to, and the source registry for a fact table."""
    refs = {ref for _, ref, _ in res.foreign_keys} | ({ctx.registry} if res.is_fact_table else set())
    return sorted(refs - {res.name})


def _checked(ctx: Context, res):
    """The table as read, once it, the tables it needs and every check of
    the registry (``checks.CHECKS``) that applies to it find no problem."""
    parsed, problems = ctx.parsed(res.name)
    _raise_first(problems)
    for ref in _read_first(ctx, res):
        _raise_first(ctx.parsed(ref)[1])
    _raise_first(table_problems(ctx, res.name))
    return parsed


def _cited(ctx: Context, res, parsed) -> list[str]:
    """The registry's source ids the table's rows cite, in order of first use."""
    if "source_id" not in res.field_names or res.role == SOURCE_REGISTRY:
        return []
    cited = []
    for r in parsed.records:
        if r.values["source_id"] not in cited and r.values["source_id"] in ctx.sources:
            cited.append(r.values["source_id"])
    return cited


class _Fixed:
    """A value in a table's attrs that cannot change, so a deep copy may be the
    value itself: pandas deep-copies a frame's attrs into every frame, column
    and row taken from it, and the sources a table cites made that most of a
    page's run. Equal to (and read like) a plain list or dict."""

    def __deepcopy__(self, memo):
        return self

    def _fixed(self, *args, **kwargs):
        raise TypeError("a table's attrs are read-only; copy them to change them")

    __setitem__ = __delitem__ = __iadd__ = __ior__ = _fixed


class FixedList(_Fixed, list):
    append = extend = insert = pop = remove = clear = sort = reverse = _Fixed._fixed

    def __reduce__(self):
        return FixedList, (list(self),)


class FixedDict(_Fixed, dict):
    pop = popitem = clear = update = setdefault = _Fixed._fixed

    def __reduce__(self):
        return FixedDict, (dict(self),)


_SOURCE_ATTRS = ("source_id", "kind", "title", "publisher", "published", "url", "confidence")


def _attrs(ctx: Context, res, parsed) -> dict:
    def source(sid: str) -> dict:
        row = ctx.sources[sid]
        return {k: (str(row[k]) if row.get(k) is not None else None) for k in _SOURCE_ATTRS}

    return {
        "name": res.name,
        "title": res.title,
        "description": res.description,
        "path": f"data/{res.path}",
        "primary_key": FixedList(res.primary_key),
        "units": FixedDict({f.name: f.unit for f in res.fields if f.unit}
                           | ({"value": "see column 'unit'"} if "unit" in res.field_names else {})),
        "columns": FixedDict({f.name: f.description for f in res.fields}),
        "sources": FixedList(FixedDict(source(s)) for s in _cited(ctx, res, parsed)),
    }


def _load(ctx: Context, name: str):
    from .tables import to_frame

    res = _resource(ctx, name)
    parsed = _checked(ctx, res)
    return to_frame(parsed, _attrs(ctx, res, parsed))


def sources(root=None):
    """The source registry (data/sources.csv) as a DataFrame."""
    return load_table(_context(root)[0].registry, root)
