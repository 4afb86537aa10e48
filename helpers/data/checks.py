"""Cross-file checks: sources, quotes in their sources, values in their
quotes, and the fact-check table's references. ``verify()`` runs them all.

Which check runs on which table is decided once, by the registry ``CHECKS``:
(applies-to, check) pairs in the style of frictionless-py's checks, chosen by
what a table is (its ``xev.role``, or being a fact table), never by its name.
``verify()`` walks it for every table; ``load_table()`` for the one it loads.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import provenance as pv
from .descriptor import FACT_CHECK, SOURCE_REGISTRY, Resource, load_descriptor
from .errors import DataError
from .paths import DESCRIPTOR, NOTES, file_problem, project_root, read_confined
from .tables import Parsed, parse, shown_path

MONEY = re.compile(r"^(CNY|USD|HKD)\b")


# What the project's own checks read from the tables: a descriptor that
# renames or drops these columns is refused before anything is checked.
# (By role, xev.role in the descriptor: no table is named here.)
REQUIRED_COLUMNS = {
    SOURCE_REGISTRY: ("source_id", "kind", "path", "confidence"),
    FACT_CHECK: ("evidence_ids", "evidence"),
}


def _with_role(resources: dict[str, Resource], role: str) -> list[str]:
    return [n for n, r in resources.items() if r.role == role]


def _project_shape(resources: dict[str, Resource]) -> None:
    if not _with_role(resources, SOURCE_REGISTRY):
        raise DataError(DESCRIPTOR, f"needs a resource whose xev.role is '{SOURCE_REGISTRY}' (the source "
                        "registry)", code="schema-error")
    for role, columns in REQUIRED_COLUMNS.items():
        for name in _with_role(resources, role):
            missing = [c for c in columns if c not in resources[name].field_names]
            if missing:
                raise DataError(DESCRIPTOR, f"resource '{name}': the project's checks need its field(s) "
                                f"{', '.join(missing)}", code="schema-error")


class Context:
    """One pass over a project copy: parses each file at most once."""

    def __init__(self, root=None):
        self.root: Path = project_root(root)
        self.resources: dict[str, Resource] = load_descriptor(self.root)
        _project_shape(self.resources)
        #: the name of the source registry (the table whose xev.role is "source-registry")
        self.registry: str = _with_role(self.resources, SOURCE_REGISTRY)[0]
        self._parsed: dict[str, tuple[Parsed | None, list[DataError]]] = {}
        self._texts: dict[str, str | None] = {}
        self.unreadable: dict[str, str] = {}     # relpath -> why, for texts that could not be read

    def parsed(self, name: str) -> tuple[Parsed | None, list[DataError]]:
        if name not in self._parsed:
            try:
                self._parsed[name] = parse(self.root, self.resources[name])
            except DataError as e:
                self._parsed[name] = (None, [e])
        return self._parsed[name]

    @cached_property
    def sources(self) -> dict[str, dict]:
        parsed, _ = self.parsed(self.registry)
        return {} if parsed is None else {r.values["source_id"]: r.values for r in parsed.records}

    @property
    def registry_shown(self) -> str:
        """The source registry's file as messages show it (data/sources.csv)."""
        return shown_path(self.resources[self.registry])

    def text(self, relpath: str) -> str | None:
        """Normalised text of a regular file inside seeds/, None if it cannot
        be read (``self.unreadable[relpath]`` then says why, never quoting
        the file)."""
        if relpath not in self._texts:
            try:
                data = read_confined(self.root, relpath, within=("seeds",))
                self._texts[relpath] = pv.normalise(data.decode("utf-8"))
            except DataError as e:
                self._texts[relpath] = None
                self.unreadable[relpath] = e.message
            except UnicodeDecodeError as e:
                self._texts[relpath] = None
                self.unreadable[relpath] = f"is not valid UTF-8 (byte {e.start})"
        return self._texts[relpath]

    def why(self, relpath: str) -> str:
        return self.unreadable.get(relpath, "is missing or unreadable")


def _columns(res: Resource) -> dict[str, int]:
    """Field name -> its 1-based column, for locating problems."""
    return {n: i for i, n in enumerate(res.field_names, 1)}


# ------------------------------------------------------------ sources

def _registry_row_problems(ctx: Context, parsed: Parsed, col: dict, values: dict, line: int) -> list[DataError]:
    """A seed source names a readable file under seeds/; an external one has a confidence."""
    def problem(message: str, field: str) -> DataError:
        return DataError(parsed.shown, message, line, col[field], code="source-registry")

    path = values["path"]
    if values["kind"] == "seed" and not path:
        return [problem("seed source needs a path under seeds/", "path")]
    if values["kind"] == "seed" and ctx.text(path) is None:
        return [problem(f"path: seed file {path[:80]!r} {ctx.why(path)}", "path")]
    if values["kind"] == "external" and not values["confidence"]:
        return [problem("confidence: external source needs H, M or L", "confidence")]
    return []


def _unregistered_seeds(ctx: Context, registered: set, shown: str) -> list[DataError]:
    """A seed document no row of the registry names would never be quoted from."""
    return [DataError(f"seeds/{seed.name}", f"seed document has no row in {shown}", code="source-registry")
            for seed in sorted((ctx.root / "seeds").glob("*.txt")) if f"seeds/{seed.name}" not in registered]


def _unreadable_notes(ctx: Context) -> list[DataError]:
    return [DataError(notes, f"research notes {ctx.why(notes)}: external quotes cannot be checked against them",
                      code="source-registry") for notes in NOTES if ctx.text(notes) is None]


def check_sources(ctx: Context, name: str) -> list[DataError]:
    """The source registry ``name``: its rows, the seed documents it must
    list, and the research notes external quotes are checked against."""
    parsed, _ = ctx.parsed(name)
    if parsed is None:          # its own problem is reported with the table
        return []
    col = _columns(parsed.resource)
    problems = []
    for r in parsed.records:
        problems += _registry_row_problems(ctx, parsed, col, r.values, r.line)
    registered = {r.values["path"] for r in parsed.records if r.values["kind"] == "seed"}
    return problems + _unregistered_seeds(ctx, registered, parsed.shown) + _unreadable_notes(ctx)


# ------------------------------------------------------------ fact rows

def _unit_of(res: Resource, row: dict, field: str) -> str | None:
    f = res.field(field)
    if f.unit:
        return f.unit
    if "unit" in res.field_names and field in ("value", "value_high"):
        return row.get("unit")
    return None


def _recoverable(res: Resource, row: dict, field: str) -> bool:
    f, value, quote = res.field(field), row[field], row["quote"]
    if f.type == "date":
        return pv.date_in_quote(value, quote)
    if f.type in ("integer", "number"):
        return pv.value_in_quote(value, _unit_of(res, row, field), quote)
    return pv.text_in_quote(value, quote)


def derivation_keys(derivation: str | None) -> dict[str, str]:
    """'value: typo in source; date: year from context' -> {field: reason}."""
    out = {}
    for entry in (derivation or "").split(";"):
        if ":" in entry:
            key, reason = entry.split(":", 1)
            out[key.strip()] = reason.strip()
    return out


def _domain(unit: str | None, value: float) -> str | None:
    if unit == "%" and not 0 <= value <= 100:
        return "is a share in % and must lie between 0 and 100"
    if unit == "% change" and value < -100:
        return "is a % change and cannot fall below -100"
    if unit and unit not in ("%", "% change") and not MONEY.match(unit) and value < 0:
        return f"cannot be negative in unit {unit!r}"
    return None


@dataclass
class FactRows:
    """What the row checks of one fact table share: where its problems are
    shown, and which unreadable sources it has already reported."""
    ctx: Context
    parsed: Parsed
    unreadable: set[str]

    @cached_property
    def res(self) -> Resource:
        return self.parsed.resource

    @cached_property
    def col(self) -> dict[str, int]:
        return _columns(self.res)

    @cached_property
    def checked(self) -> list[str]:
        return [f.name for f in self.res.fields if f.checked]

    @cached_property
    def declared(self) -> bool:
        """Whether source_id is a declared foreign key to the registry (then
        ``check_foreign_keys`` reports an unknown source, not the row checks)."""
        return any(src == ("source_id",) and ref == self.ctx.registry for src, ref, _ in self.res.foreign_keys)

    def problem(self, message: str, line: int, field: str, code: str) -> DataError:
        return DataError(self.parsed.shown, message, line, self.col[field], code=code)


def check_source_id(t: FactRows, v: dict, line: int) -> list[DataError]:
    """The row's source is in the registry (when no declared foreign key says so already)."""
    if v["source_id"] is None or v["source_id"] in t.ctx.sources or t.declared:
        return []
    return [t.problem(f"source_id: {v['source_id']!r} is not in {t.ctx.registry_shown}", line, "source_id",
                      "foreign-key")]


def _quote_places(source: dict | None) -> list[str]:
    """Where a quote of ``source`` must be found: a seed's own file; any of
    the notes for an external one; nowhere for an unknown source or a seed
    without a path (both reported elsewhere: foreign keys, the source registry)."""
    if source is None or (source["kind"] == "seed" and not source["path"]):
        return []
    return [source["path"]] if source["kind"] == "seed" else list(NOTES)


def _cannot_check(t: FactRows, missing: list[str], line: int) -> list[DataError]:
    """An unreadable source is said once per table, not once per row."""
    problems = []
    for where in missing:
        if where not in t.unreadable:
            t.unreadable.add(where)
            problems.append(t.problem(f"quote: cannot be checked, {where[:80]!r} {t.ctx.why(where)}", line,
                                      "quote", "quote-error"))
    return problems


def check_quote(t: FactRows, v: dict, line: int) -> list[DataError]:
    """The quote says something once elisions are removed, and is found in its source."""
    quote, source = v["quote"], t.ctx.sources.get(v["source_id"])
    if quote is None:
        return []
    if not pv.fragments(quote):
        return [t.problem("quote: is empty once elisions are removed", line, "quote", "quote-error")]
    wheres = _quote_places(source)
    if not wheres:
        return []
    texts = [(w, t.ctx.text(w) if w else None) for w in wheres]
    if any(pv.quote_in_text(quote, text) for _, text in texts if text is not None):
        return []
    missing = [w for w, text in texts if text is None]
    if missing:
        return _cannot_check(t, missing, line)
    where = wheres[0] if len(wheres) == 1 else "seeds/research/ (any of the notes)"
    return [t.problem(f"quote: not found in {where[:80]}: {quote[:60]!r}", line, "quote", "quote-error")]


def check_derivation(t: FactRows, v: dict, line: int) -> list[DataError]:
    """A derivation explains only checked fields."""
    return [t.problem(f"derivation: explains {key[:40]!r}, which is not a checked field "
                      f"({', '.join(t.checked)})", line, "derivation", "value-error")
            for key in derivation_keys(v.get("derivation")) if key not in t.checked]


def _out_of_domain(t: FactRows, v: dict, field: str, value) -> str | None:
    """Why a number is outside what its row's unit allows (fixed-unit fields use schema bounds instead)."""
    f = t.res.field(field)
    if not isinstance(value, float) or f.type != "number" or f.unit:
        return None
    bad = _domain(_unit_of(t.res, v, field), value)
    return f"{field}: {value:g} {bad}" if bad else None


def check_values(t: FactRows, v: dict, line: int) -> list[DataError]:
    """Each checked value lies in its domain, and is in the quote unless the derivation explains it."""
    problems = []
    explained = derivation_keys(v.get("derivation"))
    for field in t.checked:
        value = v.get(field)
        if value is None:
            continue
        bad = _out_of_domain(t, v, field, value)
        if bad:
            problems.append(t.problem(bad, line, field, "value-error"))
        if v["quote"] and field not in explained and not _recoverable(t.res, v, field):
            problems.append(t.problem(f"{field}: {value} is not in the quote and no derivation explains it",
                                      line, field, "value-error"))
    return problems


#: The checks of one fact row, in the order a row's problems are reported.
ROW_CHECKS: tuple[Callable[[FactRows, dict, int], list[DataError]], ...] = (
    check_source_id, check_quote, check_derivation, check_values)


def check_fact_rows(ctx: Context, name: str) -> list[DataError]:
    """Source exists; quote found in the source; checked values recoverable
    from the quote or explained by the derivation; values in their domain:
    ``ROW_CHECKS`` on every row, row by row."""
    parsed, _ = ctx.parsed(name)
    if parsed is None or not parsed.resource.is_fact_table:
        return []
    t = FactRows(ctx, parsed, set())
    return [p for r in parsed.records for check in ROW_CHECKS for p in check(t, r.values, r.line)]


# ------------------------------------------------------------ claims

_YEAR = re.compile(r"^(19|20)\d\d$")

_DATE_TEXT = re.compile(r"\b(19|20)\d\d-\d\d(-\d\d)?\b")

# numbers, not names that merely contain digits (SU7, Q1, Daily8)
_NUMBER_TEXT = re.compile(r"(?<![\w.])\d(?:[\d,.]*\d)?(?![\w])")

# "No other source gives X" is computed from subject_ids (helpers.pages.factcheck), never typed:
# typed, it went stale as the tables grew.
_TYPED_ABSENCE = re.compile(r"\bno other (source|page|report|row)s?\b|\bnone of our (other )?sources\b", re.I)


def _rows_by_key(ctx: Context, table: str) -> dict[str, dict] | None:
    parsed, _ = ctx.parsed(table)
    if parsed is None or not parsed.resource.primary_key:
        return None
    pk = parsed.resource.primary_key[0]
    return {r.values[pk]: r.values for r in parsed.records}


def _external_peers(ctx: Context, table: str, key: str) -> list[str]:
    """Rows of other, non-seed sources that report the same quantity as table:key."""
    rows = _rows_by_key(ctx, table) or {}
    if key not in rows:
        return []
    mine = rows[key].get("source_id")
    kinds = {sid: s.get("kind") for sid, s in ctx.sources.items()}
    return [f"{table}:{k}" for k in ctx.resources[table].quantity_peers(rows, key)
            if rows[k].get("source_id") != mine and kinds.get(rows[k].get("source_id")) != "seed"]


@dataclass
class ClaimRow:
    """One row of the fact-check table, with what its checks need to locate a problem."""
    ctx: Context
    parsed: Parsed
    col: dict[str, int]
    v: dict
    line: int

    def problem(self, message: str, field: str, code: str = "claim-error") -> DataError:
        return DataError(self.parsed.shown, message, self.line, self.col[field], code=code)

    def refs(self, field: str) -> list[str]:
        return (self.v.get(field) or "").split()

    @property
    def subjects(self) -> list[tuple[str, str]]:
        return [(table, key) for table, _, key in (ref.partition(":") for ref in self.refs("subject_ids"))]


def _claim_rows(ctx: Context, name: str) -> list[ClaimRow]:
    parsed, _ = ctx.parsed(name)
    if parsed is None:
        return []
    col = _columns(parsed.resource)
    return [ClaimRow(ctx, parsed, col, r.values, r.line) for r in parsed.records]


def _typed_absence(c: ClaimRow) -> list[DataError]:
    m = _TYPED_ABSENCE.search(c.v.get("evidence") or "")
    if not m:
        return []
    return [c.problem(f"evidence: {m.group(0)!r} is typed; the fact-check computes which other sources report "
                      "the claim's quantity (from subject_ids)", "evidence")]


def _unverified_ignores_a_peer(c: ClaimRow) -> list[DataError]:
    """'unverified' while another source's row reports the same quantity, uncited."""
    if c.v.get("verdict") != "unverified":
        return []
    cited = set(c.refs("evidence_ids"))
    return [c.problem(f"verdict: 'unverified', but {peer[:70]} reports the same quantity as {table}:{key[:50]}: "
                      "cite it in evidence_ids and weigh it", "verdict")
            for table, key in c.subjects for peer in _external_peers(c.ctx, table, key) if peer not in cited]


def _consistent_without_a_peer(c: ClaimRow) -> list[DataError]:
    """'consistent' although no cited row reports the same quantity as a subject row."""
    if c.v.get("verdict") != "consistent":
        return []
    resources = c.ctx.resources
    comparable = [(t, k) for t, k in c.subjects if t in resources and resources[t].same_quantity]
    peers = {p for t, k in comparable for p in _external_peers(c.ctx, t, k)}
    if not comparable or peers & set(c.refs("evidence_ids")):
        return []
    table, key = comparable[0]
    return [c.problem("verdict: 'consistent', but no evidence row reports the same quantity, with the same scope "
                      f"and measure, as {table}:{key[:50]}", "verdict")]


def check_verdicts(ctx: Context, name: str) -> list[DataError]:
    """A verdict must not ignore the tables. A claim names the rows that state its
    figure (``subject_ids``); then:
    - "unverified" is refused while another source's row reports the same quantity
      and the claim's evidence does not cite it;
    - "consistent" is refused unless some evidence row reports the same quantity
      (same scope and measure) as a subject row;
    - a typed "no other source ..." sentence is refused (the fact-check computes it)."""
    return [p for c in _claim_rows(ctx, name)
            for p in _typed_absence(c) + _unverified_ignores_a_peer(c) + _consistent_without_a_peer(c)]


def _ref_problem(c: ClaimRow, field: str, ref: str) -> DataError | None:
    """Why ``ref`` (table:key) in ``field`` names no row, or None."""
    table, _, key = ref.partition(":")
    res = c.ctx.resources.get(table)
    if res is None or not res.primary_key:
        return c.problem(f"{field}: {ref[:60]!r} names no table", field, "foreign-key")
    target, _ = c.ctx.parsed(table)
    if target is None:          # its own problems are reported with it
        return None
    pk = res.primary_key[0]
    if any(t.values[pk] == key for t in target.records):
        return None
    return c.problem(f"{field}: no row {key[:60]!r} in {table}", field, "foreign-key")


def _row_ref_problems(c: ClaimRow) -> list[DataError]:
    """Every subject and evidence reference names a row."""
    found = [_ref_problem(c, field, ref) for field in ("subject_ids", "evidence_ids") for ref in c.refs(field)]
    return [p for p in found if p is not None]


def _text_ref_problems(c: ClaimRow) -> list[DataError]:
    """The evidence text names its numbers as {table:key} or {table:key:field}
    references, rendered from the rows; each must be one of evidence_ids."""
    problems = []
    listed = set(c.refs("evidence_ids"))
    for m in pv.ROW_REF.finditer(c.v["evidence"] or ""):
        table, key, field = m.group(1), m.group(2), m.group(3)
        if f"{table}:{key}" not in listed:
            problems.append(c.problem(f"evidence: {m.group(0)[:60]} is not one of evidence_ids", "evidence"))
        elif field and table in c.ctx.resources and field not in c.ctx.resources[table].field_names:
            problems.append(c.problem(f"evidence: {table} has no field {field[:30]!r}", "evidence"))
    return problems


def _typed_numbers(c: ClaimRow) -> list[DataError]:
    """Any number outside a reference would be typed by hand: refused (years and ISO dates aside)."""
    rest = _DATE_TEXT.sub(" ", pv.ROW_REF.sub(" ", c.v["evidence"] or ""))
    return [c.problem(f"evidence: the number {token[:30]} is typed; write it as a "
                      "{table:key} reference to its row", "evidence")
            for token in _NUMBER_TEXT.findall(rest) if not _YEAR.match(token)]


def check_claim_refs(ctx: Context, name: str) -> list[DataError]:
    """Every evidence reference exists, and every number in the evidence
    text is a value of one of the referenced rows."""
    return [p for c in _claim_rows(ctx, name)
            for p in _row_ref_problems(c) + _text_ref_problems(c) + _typed_numbers(c)]


def check_claims(ctx: Context, name: str) -> list[DataError]:
    """The fact-check table: its references (``check_claim_refs``) and its verdicts
    (``check_verdicts``)."""
    return check_claim_refs(ctx, name) + check_verdicts(ctx, name)


# ------------------------------------------------------------ whole package

def check_foreign_keys(ctx: Context, name: str) -> list[DataError]:
    """Every foreign key the descriptor declares for table ``name``: each
    row's key (when none of its cells is empty) is a row of the referenced
    table."""
    parsed, _ = ctx.parsed(name)
    if parsed is None:
        return []
    problems = []
    for src, ref, dst in parsed.resource.foreign_keys:
        target, _ = ctx.parsed(ref)
        if target is not None:          # else its own problems are reported with it
            problems += _dangling_keys(parsed, src, target, dst)
    return problems


def _dangling_keys(parsed: Parsed, src: tuple, target: Parsed, dst: tuple) -> list[DataError]:
    """Rows of ``parsed`` whose ``src`` fields are not a ``dst`` key of ``target``."""
    col = _columns(parsed.resource)
    keys = {tuple(r.values[f] for f in dst) for r in target.records}
    where = f"data/{target.resource.path}"
    problems = []
    for r in parsed.records:
        key = tuple(r.values[f] for f in src)
        if None in key or key in keys:
            continue
        shown = key[0] if len(key) == 1 else key
        problems.append(DataError(parsed.shown, f"{src[0]}: {str(shown)[:60]!r} is not in {where} "
                                  f"(column {', '.join(dst)})", r.line, col[src[0]], code="foreign-key"))
    return problems


def _is_table_file(p: Path) -> bool:
    return p.suffix.lower() in (".csv", ".json")


def check_files(ctx: Context) -> list[DataError]:
    """The descriptor and the data folder list the same tables, and data/
    holds nothing else a reader could take for data: no undescribed .csv or
    .json file, no symbolic link, nothing that is not a regular file or folder."""
    problems = []
    listed = {res.path for res in ctx.resources.values()} | {"datapackage.json"}
    for res in ctx.resources.values():
        if file_problem(ctx.root, f"data/{res.path}") == "file is missing":
            problems.append(DataError(shown_path(res), "listed in data/datapackage.json but not on disk",
                                      code="package-file"))
    try:
        entries = sorted((ctx.root / "data").iterdir())
    except OSError as e:
        return problems + [DataError("data", f"cannot be listed: {e.strerror}", code="scheme-error")]
    for entry in entries:
        if entry.name not in listed:      # a listed one's own reading says if it is a link or not a regular file
            problems += _stray_entry(ctx, entry)
    return problems


def _stray_entry(ctx: Context, entry: Path) -> list[DataError]:
    shown = f"data/{entry.name}"
    why = file_problem(ctx.root, shown, ("data",))
    if why and "symbolic link" in why:
        return [DataError(shown, "is a symbolic link in data/; only regular files belong "
                          "there (it is never read or published)", code="package-file")]
    if why and "folder" not in why and not why.startswith("path "):
        return [DataError(shown, f"{why} (it is never read or published)", code="package-file")]
    if _is_table_file(entry):
        return [DataError(shown, "on disk but not described in data/datapackage.json "
                          "(it is never read or published)", code="package-file")]
    return []


# ------------------------------------------------------------ the registry

def _always(res: Resource) -> bool:
    return True


def _is_source_registry(res: Resource) -> bool:
    return res.role == SOURCE_REGISTRY


def _is_fact_table(res: Resource) -> bool:
    return res.is_fact_table


def _is_fact_check(res: Resource) -> bool:
    return res.role == FACT_CHECK


@dataclass(frozen=True)
class Check:
    """One entry of the registry: ``run(ctx, name)`` gives the problems of
    table ``name`` for every table ``applies_to`` accepts."""
    applies_to: Callable[[Resource], bool]
    run: Callable[[Context, str], list[DataError]]


#: Every check beyond reading a table (its cells, header and keys: ``tables.parse``),
#: in the order a table's problems are reported. Both ``verify()`` and
#: ``loading.load_table()`` walk it (``table_problems``): a new check is one entry here.
CHECKS: tuple[Check, ...] = (
    Check(_is_source_registry, check_sources),
    Check(_always, check_foreign_keys),
    Check(_is_fact_table, check_fact_rows),
    Check(_is_fact_check, check_claims),
)


def table_problems(ctx: Context, name: str) -> list[DataError]:
    """The problems every check of ``CHECKS`` that applies to table ``name`` finds, in registry order."""
    res = ctx.resources[name]
    return [p for check in CHECKS if check.applies_to(res) for p in check.run(ctx, name)]


def verify(root=None) -> list[DataError]:
    """Every problem in the data, as a list (empty when all is well): the
    files of data/, then each table as read, then ``CHECKS`` table by table,
    in the order the descriptor lists them."""
    try:
        ctx = Context(root)
    except DataError as e:
        return [e]
    problems = check_files(ctx)
    missing = {p.path for p in problems}       # said once, by check_files
    present = [name for name, res in ctx.resources.items() if shown_path(res) not in missing]
    for name in present:
        problems += ctx.parsed(name)[1]
    for name in present:
        problems += table_problems(ctx, name)
    return problems
