"""Cross-file checks: sources, quotes in their sources, values in their
quotes, and the fact-check table's references. ``verify()`` runs them all."""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from . import provenance as pv
from .descriptor import Resource, load_descriptor
from .errors import DataError
from .paths import NOTES, project_root
from .tables import Parsed, parse, shown_path

MONEY = re.compile(r"^(CNY|USD|HKD)\b")


class Context:
    """One pass over a project copy: parses each file at most once."""

    def __init__(self, root=None):
        self.root: Path = project_root(root)
        self.resources: dict[str, Resource] = load_descriptor(self.root)
        self._parsed: dict[str, tuple[Parsed | None, list[DataError]]] = {}
        self._texts: dict[str, str | None] = {}

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
        """Normalised text of a file under the root, None if unreadable."""
        if relpath not in self._texts:
            try:
                self._texts[relpath] = pv.normalise((self.root / relpath).read_text("utf-8"))
            except (OSError, UnicodeDecodeError):
                self._texts[relpath] = None
        return self._texts[relpath]


# ------------------------------------------------------------ sources

def check_sources(ctx: Context) -> list[DataError]:
    parsed, problems = ctx.parsed("sources")
    if parsed is None:
        return problems
    problems = []
    res = parsed.resource
    col = {n: i for i, n in enumerate(res.field_names, 1)}
    registered = set()
    for r in parsed.records:
        v, line = r.values, r.line
        if v["kind"] == "seed":
            if not v["path"]:
                problems.append(DataError(parsed.shown, "seed source needs a path under seeds/", line, col["path"]))
            elif not v["path"].startswith("seeds/") or ctx.text(v["path"]) is None:
                problems.append(DataError(parsed.shown, f"path: seed file {v['path']!r} is missing or unreadable",
                                          line, col["path"]))
            registered.add(v["path"])
        elif v["kind"] == "external" and not v["confidence"]:
            problems.append(DataError(parsed.shown, "confidence: external source needs H, M or L",
                                      line, col["confidence"]))
    for seed in sorted((ctx.root / "seeds").glob("*.txt")):
        rel = f"seeds/{seed.name}"
        if rel not in registered:
            problems.append(DataError(rel, "seed document has no row in data/sources.csv"))
    for notes in NOTES:
        if ctx.text(notes) is None:
            problems.append(DataError(notes, "research notes are missing: external quotes cannot be checked"))
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
    problems = []
    unreadable: set[str] = set()
    for r in parsed.records:
        v, line = r.values, r.line
        source = ctx.sources.get(v["source_id"])
        if v["source_id"] is not None and source is None:
            problems.append(DataError(shown, f"source_id: {v['source_id']!r} is not in data/sources.csv",
                                      line, col["source_id"]))
        quote = v["quote"] or ""
        if v["quote"] is not None and not pv.fragments(quote):
            problems.append(DataError(shown, "quote: is empty once elisions are removed", line, col["quote"]))
        elif source is not None and v["quote"] is not None:
            # a seed's quote is in its own file; an external one in any of the notes
            wheres = [source["path"]] if source["kind"] == "seed" else list(NOTES)
            texts = [(w, ctx.text(w) if w else None) for w in wheres]
            missing = [w for w, t in texts if t is None]
            if any(pv.quote_in_text(quote, t) for _, t in texts if t is not None):
                pass
            elif missing:
                for where in missing:
                    if where not in unreadable:    # say it once per table, not once per row
                        unreadable.add(where)
                        problems.append(DataError(shown, f"quote: cannot be checked, {where!r} is missing "
                                                  "or unreadable", line, col["quote"]))
            else:
                where = wheres[0] if len(wheres) == 1 else "seeds/research/ (any of the notes)"
                problems.append(DataError(shown, f"quote: not found in {where}: {quote[:60]!r}",
                                          line, col["quote"]))
        keys = derivation_keys(v.get("derivation"))
        for key in keys:
            if key not in checked:
                problems.append(DataError(shown, f"derivation: explains {key!r}, which is not a checked "
                                          f"field ({', '.join(checked)})", line, col["derivation"]))
        for field in checked:
            value = v.get(field)
            if value is None:
                continue
            if isinstance(value, float) and res.field(field).type == "number":
                bad = _domain(_unit_of(res, v, field), value)
                if bad and not res.field(field).unit:   # fixed-unit fields use schema bounds
                    problems.append(DataError(shown, f"{field}: {value:g} {bad}", line, col[field]))
            if quote and field not in keys and not _recoverable(res, v, field):
                problems.append(DataError(shown, f"{field}: {value} is not in the quote and no "
                                          f"derivation explains it", line, col[field]))
    return problems


# ------------------------------------------------------------ claims

_YEAR = re.compile(r"^(19|20)\d\d$")


def check_claims(ctx: Context) -> list[DataError]:
    """Every evidence reference exists, and every number in the evidence
    text is a value of one of the referenced rows."""
    if "claims" not in ctx.resources:
        return []
    parsed, _ = ctx.parsed("claims")
    if parsed is None:
        return []
    col = {n: i for i, n in enumerate(parsed.resource.field_names, 1)}
    problems = []
    for r in parsed.records:
        v, line = r.values, r.line
        values: list[tuple[float, str | None]] = []
        for ref in (v["evidence_ids"] or "").split():
            table, _, key = ref.partition(":")
            if table not in ctx.resources or not ctx.resources[table].primary_key:
                problems.append(DataError(parsed.shown, f"evidence_ids: {ref!r} names no table",
                                          line, col["evidence_ids"]))
                continue
            target, _ = ctx.parsed(table)
            if target is None:
                continue
            res = target.resource
            pk = res.primary_key[0]
            row = next((t.values for t in target.records if t.values[pk] == key), None)
            if row is None:
                problems.append(DataError(parsed.shown, f"evidence_ids: no row {key!r} in {table}",
                                          line, col["evidence_ids"]))
                continue
            for f in res.fields:
                if f.checked and f.type in ("integer", "number") and row[f.name] is not None:
                    values.append((row[f.name], _unit_of(res, row, f.name)))
        # numbers, not names that merely contain digits (SU7, Q1, Daily8)
        for token in re.findall(r"(?<![\w.])\d(?:[\d,.]*\d)?(?![\w])", v["evidence"] or ""):
            if _YEAR.match(token):
                continue
            if not any(pv.value_in_quote(val, unit, token) for val, unit in values):
                problems.append(DataError(parsed.shown, f"evidence: the number {token} is not a value of "
                                          "any row in evidence_ids", line, col["evidence"]))
    return problems


# ------------------------------------------------------------ whole package

def check_files(ctx: Context) -> list[DataError]:
    """The descriptor and the data folder list the same tables."""
    problems = []
    listed = {res.path for res in ctx.resources.values()}
    for res in ctx.resources.values():
        if not (ctx.root / "data" / res.path).is_file():
            problems.append(DataError(shown_path(res), "listed in data/datapackage.json but not on disk"))
    for csv_file in sorted((ctx.root / "data").glob("*.csv")):
        if csv_file.name not in listed:
            problems.append(DataError(f"data/{csv_file.name}", "on disk but not described in "
                                      "data/datapackage.json"))
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
        if name != "sources" and shown_path(ctx.resources[name]) not in missing:
            problems += check_fact_rows(ctx, name)
    problems += check_claims(ctx)
    return problems
