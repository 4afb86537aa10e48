"""Cross-file checks: sources, quotes in their sources, values in their
quotes, and the fact-check table's references. ``verify()`` runs them all."""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from . import provenance as pv
from .descriptor import Resource, load_descriptor
from .errors import DataError
from .paths import DESCRIPTOR, NOTES, file_problem, project_root, read_confined
from .tables import Parsed, parse, shown_path

MONEY = re.compile(r"^(CNY|USD|HKD)\b")


# What the project's own checks read from the tables: a descriptor that
# renames or drops these columns is refused before anything is checked.
# (By role, xev.role in the descriptor: no table is named here.)
REQUIRED_COLUMNS = {
    "source-registry": ("source_id", "kind", "path", "confidence"),
    "fact-check": ("evidence_ids", "evidence"),
}


def _project_shape(resources: dict[str, Resource]) -> None:
    if "sources" not in resources:
        raise DataError(DESCRIPTOR, "needs a resource named 'sources' (the source registry)",
                        code="schema-error")
    for role, columns in REQUIRED_COLUMNS.items():
        for name in [n for n, r in resources.items() if r.role == role]:
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
        parsed, _ = self.parsed("sources")
        return {} if parsed is None else {r.values["source_id"]: r.values for r in parsed.records}

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


# ------------------------------------------------------------ sources

def check_sources(ctx: Context) -> list[DataError]:
    parsed, _ = ctx.parsed("sources")
    if parsed is None:          # its own problem is reported with the table
        return []
    problems = []
    res = parsed.resource
    col = {n: i for i, n in enumerate(res.field_names, 1)}
    registered = set()
    for r in parsed.records:
        v, line = r.values, r.line
        if v["kind"] == "seed":
            if not v["path"]:
                problems.append(DataError(parsed.shown, "seed source needs a path under seeds/", line,
                                          col["path"], code="source-registry"))
            elif ctx.text(v["path"]) is None:
                problems.append(DataError(parsed.shown, f"path: seed file {v['path'][:80]!r} "
                                          f"{ctx.why(v['path'])}", line, col["path"], code="source-registry"))
            registered.add(v["path"])
        elif v["kind"] == "external" and not v["confidence"]:
            problems.append(DataError(parsed.shown, "confidence: external source needs H, M or L",
                                      line, col["confidence"], code="source-registry"))
    for seed in sorted((ctx.root / "seeds").glob("*.txt")):
        rel = f"seeds/{seed.name}"
        if rel not in registered:
            problems.append(DataError(rel, "seed document has no row in data/sources.csv",
                                      code="source-registry"))
    for notes in NOTES:
        if ctx.text(notes) is None:
            problems.append(DataError(notes, f"research notes {ctx.why(notes)}: external quotes cannot be "
                                      "checked against them", code="source-registry"))
    return problems


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


def check_fact_rows(ctx: Context, name: str) -> list[DataError]:
    """Source exists; quote found in the source; checked values recoverable
    from the quote or explained by the derivation; values in their domain."""
    parsed, _ = ctx.parsed(name)
    if parsed is None or not parsed.resource.is_fact_table:
        return []
    res, shown = parsed.resource, parsed.shown
    col = {n: i for i, n in enumerate(res.field_names, 1)}
    checked = [f.name for f in res.fields if f.checked]
    # a declared foreign key to sources is checked by check_foreign_keys
    declared = any(src == ("source_id",) and ref == "sources" for src, ref, _ in res.foreign_keys)
    problems = []
    unreadable: set[str] = set()
    for r in parsed.records:
        v, line = r.values, r.line
        source = ctx.sources.get(v["source_id"])
        if v["source_id"] is not None and source is None and not declared:
            problems.append(DataError(shown, f"source_id: {v['source_id']!r} is not in data/sources.csv",
                                      line, col["source_id"], code="foreign-key"))
        quote = v["quote"] or ""
        if v["quote"] is not None and not pv.fragments(quote):
            problems.append(DataError(shown, "quote: is empty once elisions are removed", line, col["quote"],
                                      code="quote-error"))
        elif source is not None and v["quote"] is not None and (source["kind"] != "seed" or source["path"]):
            # a seed's quote is in its own file (a seed without a valid path is
            # reported in sources.csv); an external one in any of the notes
            wheres = [source["path"]] if source["kind"] == "seed" else list(NOTES)
            texts = [(w, ctx.text(w) if w else None) for w in wheres]
            missing = [w for w, t in texts if t is None]
            if any(pv.quote_in_text(quote, t) for _, t in texts if t is not None):
                pass
            elif missing:
                for where in missing:
                    if where not in unreadable:    # say it once per table, not once per row
                        unreadable.add(where)
                        problems.append(DataError(shown, f"quote: cannot be checked, {where[:80]!r} "
                                                  f"{ctx.why(where)}", line, col["quote"], code="quote-error"))
            else:
                where = wheres[0] if len(wheres) == 1 else "seeds/research/ (any of the notes)"
                problems.append(DataError(shown, f"quote: not found in {where[:80]}: {quote[:60]!r}",
                                          line, col["quote"], code="quote-error"))
        keys = derivation_keys(v.get("derivation"))
        for key in keys:
            if key not in checked:
                problems.append(DataError(shown, f"derivation: explains {key[:40]!r}, which is not a checked "
                                          f"field ({', '.join(checked)})", line, col["derivation"],
                                          code="value-error"))
        for field in checked:
            value = v.get(field)
            if value is None:
                continue
            if isinstance(value, float) and res.field(field).type == "number":
                bad = _domain(_unit_of(res, v, field), value)
                if bad and not res.field(field).unit:   # fixed-unit fields use schema bounds
                    problems.append(DataError(shown, f"{field}: {value:g} {bad}", line, col[field],
                                              code="value-error"))
            if quote and field not in keys and not _recoverable(res, v, field):
                problems.append(DataError(shown, f"{field}: {value} is not in the quote and no "
                                          f"derivation explains it", line, col[field], code="value-error"))
    return problems


# ------------------------------------------------------------ claims

_YEAR = re.compile(r"^(19|20)\d\d$")

_DATE_TEXT = re.compile(r"\b(19|20)\d\d-\d\d(-\d\d)?\b")


# "No other source gives X" is computed from subject_ids (helpers.factcheck), never typed:
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
    from .evidence import quantity_peers

    rows = _rows_by_key(ctx, table) or {}
    if key not in rows:
        return []
    mine = rows[key].get("source_id")
    kinds = {sid: s.get("kind") for sid, s in ctx.sources.items()}
    return [f"{table}:{k}" for k in quantity_peers(rows, ctx.resources[table], key)
            if rows[k].get("source_id") != mine and kinds.get(rows[k].get("source_id")) != "seed"]


def check_verdicts(ctx: Context) -> list[DataError]:
    """A verdict must not ignore the tables. A claim names the rows that state its
    figure (``subject_ids``); then:
    - "unverified" is refused while another source's row reports the same quantity
      and the claim's evidence does not cite it;
    - "consistent" is refused unless some evidence row reports the same quantity
      (same scope and measure) as a subject row;
    - a typed "no other source ..." sentence is refused (the fact-check computes it)."""
    claims = next((n for n, r in ctx.resources.items() if r.role == "fact-check"), None)
    parsed, _ = ctx.parsed(claims) if claims else (None, [])
    if parsed is None:
        return []
    col = {n: i for i, n in enumerate(parsed.resource.field_names, 1)}
    problems = []
    for r in parsed.records:
        v, line = r.values, r.line
        text = v.get("evidence") or ""
        m = _TYPED_ABSENCE.search(text)
        if m:
            problems.append(DataError(parsed.shown, f"evidence: {m.group(0)!r} is typed; the fact-check computes "
                                      "which other sources report the claim's quantity (from subject_ids)",
                                      line, col["evidence"], code="claim-error"))
        cited = set((v.get("evidence_ids") or "").split())
        subjects = [ref.partition(":")[::2] for ref in (v.get("subject_ids") or "").split()]
        if v.get("verdict") == "unverified":
            for table, key in subjects:
                for peer in _external_peers(ctx, table, key):
                    if peer not in cited:
                        problems.append(DataError(
                            parsed.shown, f"verdict: 'unverified', but {peer[:70]} reports the same quantity as "
                            f"{table}:{key[:50]}: cite it in evidence_ids and weigh it", line, col["verdict"],
                            code="claim-error"))
        if v.get("verdict") == "consistent":
            comparable = [(t, k) for t, k in subjects if t in ctx.resources and ctx.resources[t].same_quantity]
            peers = {p for t, k in comparable for p in _external_peers(ctx, t, k)}
            if comparable and not peers & cited:
                problems.append(DataError(
                    parsed.shown, "verdict: 'consistent', but no evidence row reports the same quantity, with the "
                    f"same scope and measure, as {comparable[0][0]}:{comparable[0][1][:50]}", line, col["verdict"],
                    code="claim-error"))
    return problems


def check_claims(ctx: Context) -> list[DataError]:
    """The fact-check table: its references (``check_claim_refs``) and its verdicts
    (``check_verdicts``)."""
    return check_claim_refs(ctx) + check_verdicts(ctx)


def check_claim_refs(ctx: Context) -> list[DataError]:
    """Every evidence reference exists, and every number in the evidence
    text is a value of one of the referenced rows."""
    claims = next((n for n, r in ctx.resources.items() if r.role == "fact-check"), None)
    if claims is None:
        return []
    parsed, _ = ctx.parsed(claims)
    if parsed is None:
        return []
    col = {n: i for i, n in enumerate(parsed.resource.field_names, 1)}
    problems = []
    for r in parsed.records:
        v, line = r.values, r.line
        values: list[tuple[float, str | None]] = []
        for ref, field in [(ref, f) for f in ("subject_ids", "evidence_ids") for ref in (v.get(f) or "").split()]:
            table, _, key = ref.partition(":")
            if table not in ctx.resources or not ctx.resources[table].primary_key:
                problems.append(DataError(parsed.shown, f"{field}: {ref[:60]!r} names no table",
                                          line, col[field], code="foreign-key"))
                continue
            target, _ = ctx.parsed(table)
            if target is None:
                continue
            res = target.resource
            pk = res.primary_key[0]
            row = next((t.values for t in target.records if t.values[pk] == key), None)
            if row is None:
                problems.append(DataError(parsed.shown, f"{field}: no row {key[:60]!r} in {table}",
                                          line, col[field], code="foreign-key"))
                continue
            if field == "subject_ids":
                continue
            for f in res.fields:
                if f.checked and f.type in ("integer", "number") and row[f.name] is not None:
                    values.append((row[f.name], _unit_of(res, row, f.name)))
        # The evidence text names its numbers as {table:key} or {table:key:field}
        # references, rendered from the rows; each must be one of evidence_ids.
        # Any other number would be typed by hand: refused (years and ISO dates aside).
        text = v["evidence"] or ""
        listed = set((v["evidence_ids"] or "").split())
        for m in pv.ROW_REF.finditer(text):
            table, key, field = m.group(1), m.group(2), m.group(3)
            if f"{table}:{key}" not in listed:
                problems.append(DataError(parsed.shown, f"evidence: {m.group(0)[:60]} is not one of evidence_ids",
                                          line, col["evidence"], code="claim-error"))
            elif field and table in ctx.resources and field not in ctx.resources[table].field_names:
                problems.append(DataError(parsed.shown, f"evidence: {table} has no field {field[:30]!r}",
                                          line, col["evidence"], code="claim-error"))
        rest = _DATE_TEXT.sub(" ", pv.ROW_REF.sub(" ", text))
        # numbers, not names that merely contain digits (SU7, Q1, Daily8)
        for token in re.findall(r"(?<![\w.])\d(?:[\d,.]*\d)?(?![\w])", rest):
            if _YEAR.match(token):
                continue
            problems.append(DataError(parsed.shown, f"evidence: the number {token[:30]} is typed; write it as a "
                                      "{table:key} reference to its row", line, col["evidence"], code="claim-error"))
    return problems


# ------------------------------------------------------------ whole package

def check_foreign_keys(ctx: Context, name: str) -> list[DataError]:
    """Every foreign key the descriptor declares for table ``name``: each
    row's key (when none of its cells is empty) is a row of the referenced
    table."""
    parsed, _ = ctx.parsed(name)
    if parsed is None:
        return []
    res = parsed.resource
    col = {n: i for i, n in enumerate(res.field_names, 1)}
    problems = []
    for src, ref, dst in res.foreign_keys:
        target, _ = ctx.parsed(ref)
        if target is None:          # its own problems are reported with it
            continue
        keys = {tuple(r.values[f] for f in dst) for r in target.records}
        for r in parsed.records:
            key = tuple(r.values[f] for f in src)
            if None in key or key in keys:
                continue
            shown = key[0] if len(key) == 1 else key
            where = f"data/{target.resource.path}"
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
        if entry.name in listed:
            continue                  # its own reading says if it is a link or not a regular file
        shown = f"data/{entry.name}"
        why = file_problem(ctx.root, shown, ("data",))
        if why and "symbolic link" in why:
            problems.append(DataError(shown, "is a symbolic link in data/; only regular files belong "
                                      "there (it is never read or published)", code="package-file"))
        elif why and "folder" not in why and not why.startswith("path "):
            problems.append(DataError(shown, f"{why} (it is never read or published)", code="package-file"))
        elif _is_table_file(entry):
            problems.append(DataError(shown, "on disk but not described in data/datapackage.json "
                                      "(it is never read or published)", code="package-file"))
    return problems


def verify(root=None) -> list[DataError]:
    """Every problem in the data, as a list (empty when all is well)."""
    try:
        ctx = Context(root)
    except DataError as e:
        return [e]
    problems = check_files(ctx)
    missing = {p.path for p in problems}
    for name, res in ctx.resources.items():
        if shown_path(res) not in missing:
            problems += ctx.parsed(name)[1]
    problems += check_sources(ctx)
    for name in ctx.resources:
        if shown_path(ctx.resources[name]) not in missing:
            problems += check_foreign_keys(ctx, name)
            if name != "sources":
                problems += check_fact_rows(ctx, name)
    problems += check_claims(ctx)
    return problems
