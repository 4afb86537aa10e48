"""Read data/datapackage.json: the schema every table is checked against.

The descriptor is validated strictly at this boundary, before anything
interprets it: every object may hold only the properties listed below, each
of the right JSON type, and a Table Schema keyword this reader does not
implement is an error, not silently ignored. What is implemented:

* package: name, title, description, licenses, resources, and the metadata
  profile, id, version, created, homepage, keywords, contributors, sources
  ($schema too), none of which changes how a table is read;
* resource: name, path (a ``.csv`` file directly in data/), title,
  description, licenses, sources, schema, and profile, format, mediatype,
  encoding only with the values tabular-data-resource, csv, text/csv, utf-8;
* schema: fields, primaryKey, foreignKeys, missingValues (only ``[""]``);
* field: name, type (string, integer, number, date), title, description,
  format (only "default"), example, and the project's ``unit`` (text) and
  ``checked`` (a value that must be recoverable from the row's quote);
* constraints: required, unique, enum (all types); pattern, minLength,
  maxLength (string); minimum, maximum (integer, number, date).

Names are kept to lower-case letters, digits and ``_`` (``-`` too for
resources) so that no name can smuggle markup or a formula into a page or a
spreadsheet.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from .errors import UNSAFE_CHARS, DataError
from .paths import DESCRIPTOR, read_confined, unsafe_relpath

TYPES = {"string", "integer", "number", "date"}
INT64 = (-2**63, 2**63 - 1)
#: The largest magnitude a number field holds: beyond it a 64-bit float no
#: longer holds every whole number (2**53), so digits would be lost silently.
NUMBER_LIMIT = 2**53
#: A cell tested against a pattern may be at most this long (with the limits
#: on patterns below, no match can run long).
PATTERN_CELL_MAX = 200
MAX_TEXT = 5000          # title, description, unit, enum values: plenty for prose, not a memory bomb

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_RESOURCE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_RESOURCE_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.csv")

PACKAGE_KEYS = {"name", "title", "description", "licenses", "resources", "profile", "id", "version",
                "created", "homepage", "keywords", "contributors", "sources", "$schema"}
RESOURCE_KEYS = {"name", "path", "title", "description", "licenses", "sources", "schema",
                 "profile", "format", "mediatype", "encoding", "xev"}
# The project's own resource property (Frictionless allows custom properties): what a
# table means to the book, so that no code names a table.
#   role:           the table's part in the book: "source-registry", "fact-check",
#                   "searches" (what the notes looked for; its rows are not facts about
#                   the world), "watch-items"; a plain fact table has none
#   sameQuantity:   fields on which two rows agree when they report the same quantity
#   sameNumbers:    in a table whose rows give different numbers, rows compare only when
#                   they give the same ones of these
#   mainField:      the field holding a row's main number, in a table without `value`
#   scheduleFields: date fields that can hold a date still ahead of the row's source
XEV_KEYS = {"role", "sameQuantity", "sameNumbers", "mainField", "scheduleFields"}
SOURCE_REGISTRY, FACT_CHECK, SEARCHES, WATCH_ITEMS = "source-registry", "fact-check", "searches", "watch-items"
ROLES = (SOURCE_REGISTRY, FACT_CHECK, SEARCHES, WATCH_ITEMS)
RESOURCE_FIXED = {"profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
                  "encoding": "utf-8"}
SCHEMA_KEYS = {"fields", "primaryKey", "foreignKeys", "missingValues"}
FIELD_KEYS = {"name", "type", "title", "description", "format", "example", "constraints", "unit", "checked"}
CONSTRAINTS = {
    "string": {"required", "unique", "enum", "pattern", "minLength", "maxLength"},
    "integer": {"required", "unique", "enum", "minimum", "maximum"},
    "number": {"required", "unique", "enum", "minimum", "maximum"},
    "date": {"required", "unique", "enum", "minimum", "maximum"},
}
ALL_CONSTRAINTS = {"required", "unique", "enum", "pattern", "minLength", "maxLength", "minimum",
                   "maximum", "exclusiveMinimum", "exclusiveMaximum", "jsonSchema"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str
    description: str
    unit: str | None
    checked: bool
    required: bool
    unique: bool
    enum: tuple | None
    pattern: str | None
    minimum: float | int | date | None
    maximum: float | int | date | None
    min_length: int | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Resource:
    name: str
    path: str            # relative to data/
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    # (fields, resource, referenced fields); resource is this one's own name for a self-reference
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = field(default=())
    role: str | None = None                        # see XEV_KEYS
    same_quantity: tuple[str, ...] = ()
    same_numbers: tuple[str, ...] = ()
    main_field: str | None = None
    schedule_fields: tuple[str, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def is_fact_table(self) -> bool:
        return "quote" in self.field_names and "source_id" in self.field_names

    def quantity_peers(self, rows: dict[str, dict], key: str) -> list[str]:
        """Keys of the rows of ``rows`` (this table's rows, by key, as raw cells) that
        report the same quantity as row ``key``: equal on the sameQuantity fields, and
        giving the same ones of the sameNumbers (a unit count is not a share)."""
        dims = self.same_quantity
        if not dims or key not in rows:
            return []
        mine = rows[key]
        if any(d not in mine for d in dims):
            return []

        def filled(cells):
            return {f for f in self.same_numbers if cells.get(f) not in (None, "")}

        return [k for k, cells in rows.items()
                if k != key and all(cells.get(d) == mine[d] for d in dims) and filled(cells) == filled(mine)]


# ------------------------------------------------------------ small checks

class _Bad(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message


def _fail(code: str, message: str):
    raise _Bad(code, message)


def _keys(obj, allowed: set[str], code: str, where: str, known: set[str] = frozenset()):
    if not isinstance(obj, dict):
        _fail(code, f"{where}: must be a JSON object, not {_jtype(obj)}")
    for key in obj:
        if key not in allowed:
            what = "is a keyword this reader does not implement" if key in known else \
                "is not a property this reader knows"
            _fail(code, f"{where}: {key!r} {what}; remove it (allowed: {', '.join(sorted(allowed))})")


def _jtype(v) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number", type(None): "null"}.get(type(v), type(v).__name__)


def _text(v, code: str, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(v, str):
        _fail(code, f"{where}: must be a string, not {_jtype(v)}")
    if len(v) > limit:
        _fail(code, f"{where}: longer than {limit} characters")
    bad = UNSAFE_CHARS.search(v)
    if bad:
        _fail(code, f"{where}: holds the control or bidi character U+{ord(bad.group()):04X}")
    return v


def _bool(v, code: str, where: str) -> bool:
    if not isinstance(v, bool):
        _fail(code, f"{where}: must be true or false, not {_jtype(v)}")
    return v


def _metadata_list(v, code: str, where: str):
    if not isinstance(v, list) or len(v) > 100:
        _fail(code, f"{where}: must be a list (of at most 100 entries)")
    for i, entry in enumerate(v, 1):
        if isinstance(entry, str):
            _text(entry, code, f"{where}[{i}]")
            continue
        if not isinstance(entry, dict):
            _fail(code, f"{where}[{i}]: must be an object or a string, not {_jtype(entry)}")
        for k, x in entry.items():
            _text(k, code, f"{where}[{i}] key", 100)
            _text(x, code, f"{where}[{i}].{k}")


def _names(v, code: str, where: str) -> tuple[str, ...]:
    """A field list as Table Schema allows it: one name or a list of names."""
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        _fail(code, f"{where}: must be a field name or a non-empty list of field names, not {_jtype(v)}")
    if len(set(v)) != len(v):
        _fail(code, f"{where}: names a field twice")
    return tuple(v)


# ------------------------------------------------------------ patterns

try:
    from re import _constants as _sre  # Python 3.11+
    from re import _parser as _sre_parse
except ImportError:                                               # pragma: no cover
    import sre_constants as _sre
    import sre_parse as _sre_parse


_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None))
_ASSERTS = (_sre.ASSERT, _sre.ASSERT_NOT)
_ATOMIC = getattr(_sre, "ATOMIC_GROUP", None)


def _repeats(tree) -> tuple[int, bool]:
    """(unbounded repeats in ``tree``, whether a repetition holds another
    repetition or an alternation: the shapes that backtrack exponentially)."""
    count, nested = 0, False
    for op, av in tree:
        c, n = _repeats_of(op, av)
        count, nested = count + c, nested or n
    return count, nested


def _repeats_of(op, av) -> tuple[int, bool]:
    """``_repeats`` of one node of a parsed pattern."""
    if op in _REPEATS:
        return _repeats_of_repeat(av)
    if op == _sre.SUBPATTERN:
        return _repeats(av[-1])
    if op == _sre.BRANCH:
        return _repeats_of_all(av[1])
    if op in _ASSERTS:
        return _repeats(av[1])
    if op == _ATOMIC:
        return _repeats(av)
    return 0, False


def _repeats_of_all(trees) -> tuple[int, bool]:
    found = [_repeats(t) for t in trees]
    return sum(c for c, _ in found), any(n for _, n in found)


def _repeats_of_repeat(av) -> tuple[int, bool]:
    lo, hi, sub = av
    inner, inner_nested = _repeats(sub)
    # repeating (more than once) something that itself repeats or branches backtracks exponentially
    nested = hi > 1 and bool(inner or inner_nested or _has(sub, (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.BRANCH)))
    return inner + (hi == _sre.MAXREPEAT), nested or inner_nested


def _has(tree, ops) -> bool:
    for op, av in tree:
        if op in ops:
            return True
        if op == _sre.SUBPATTERN and _has(av[-1], ops):
            return True
    return False


def _ops(tree):
    """Every opcode in a parsed pattern, at any depth."""
    for op, av in tree:
        yield op
        if isinstance(av, _sre_parse.SubPattern):
            yield from _ops(av)
        elif isinstance(av, (tuple, list)):
            for x in av:
                if isinstance(x, _sre_parse.SubPattern):
                    yield from _ops(x)
                elif isinstance(x, list):
                    for y in x:
                        if isinstance(y, _sre_parse.SubPattern):
                            yield from _ops(y)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is refused, or None. Besides being valid, a pattern
    must not be able to run for long: no repetition of a repetition or of an
    alternation, no back-reference, at most three unbounded repetitions."""
    if len(pattern) > 200:
        return "is longer than 200 characters"
    try:
        re.compile(pattern)
        tree = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as e:
        return f"is not a valid regular expression ({getattr(e, 'msg', e)})"
    if any(op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS) for op in _ops(tree)):
        return "uses a back-reference or a conditional, which this reader refuses"
    count, nested = _repeats(tree)
    if nested:
        return "repeats a repetition or an alternation, which can take exponential time to match"
    if count > 3:
        return "has more than three unbounded repetitions ('*', '+', '{n,}')"
    return None


# ------------------------------------------------------------ typed bounds

def _bound(v, type_: str, code: str, where: str):
    """A minimum, maximum or enum value, typed like the field."""
    if type_ == "integer":
        if isinstance(v, bool) or not isinstance(v, int):
            _fail(code, f"{where}: must be a whole number (JSON number), not {_jtype(v)}")
        if not INT64[0] <= v <= INT64[1]:
            _fail(code, f"{where}: {v} does not fit a 64-bit integer")
        return v
    if type_ == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            _fail(code, f"{where}: must be a JSON number, not {_jtype(v)}")
        if not math.isfinite(v) or abs(v) > NUMBER_LIMIT:
            _fail(code, f"{where}: {v!r} is beyond ±2**53, the largest a number field holds exactly")
        return v
    if type_ == "date":
        if not isinstance(v, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
            _fail(code, f"{where}: must be an ISO date string (YYYY-MM-DD)")
        try:
            return date.fromisoformat(v)
        except ValueError:
            _fail(code, f"{where}: {v!r} is not a real date")
    return _text(v, code, where)


_FIELD_KEYWORDS_NOT_IMPLEMENTED = {"rdfType", "bareNumber", "groupChar", "decimalChar", "trueValues",
                                   "falseValues", "missingValues"}


def _field_name(raw, where: str) -> str:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        _fail("field-error", f"{where}: every field needs a name (a string)")
    name = raw["name"]
    if not _NAME.fullmatch(name):
        _fail("field-error", f"{where}: field name {name[:40]!r} must be lower-case letters, digits and '_', "
              "starting with a letter (at most 64 characters)")
    return name


def _field_type(raw: dict, where: str) -> str:
    type_ = raw.get("type", "string")
    if not isinstance(type_, str) or type_ not in TYPES:
        shown = type_ if isinstance(type_, str) else _jtype(type_)
        _fail("field-error", f"{where}: has type {str(shown)[:40]!r}; supported: {', '.join(sorted(TYPES))}")
    if raw.get("format", "default") != "default":
        _fail("field-error", f"{where}: format {str(raw['format'])[:40]!r} is not implemented "
              "(only the default format)")
    return type_


def _field_texts(raw: dict, where: str) -> None:
    for key in ("title", "description", "unit"):
        if key in raw:
            _text(raw[key], "field-error", f"{where}: {key}")
    if "example" in raw and not isinstance(raw["example"], (str, int, float)):
        _fail("field-error", f"{where}: example must be a string or a number")


def _enum(c: dict, type_: str, where: str) -> tuple | None:
    if "enum" not in c:
        return None
    if not isinstance(c["enum"], list) or not c["enum"] or len(c["enum"]) > 1000:
        _fail("field-error", f"{where}: constraints.enum must be a non-empty list (at most 1000 values)")
    enum = tuple(_bound(v, type_, "field-error", f"{where}: constraints.enum") for v in c["enum"])
    if len(set(enum)) != len(enum):
        _fail("field-error", f"{where}: constraints.enum lists a value twice")
    return enum


def _pattern(c: dict, where: str) -> str | None:
    if "pattern" not in c:
        return None
    pattern = _text(c["pattern"], "field-error", f"{where}: constraints.pattern", 200)
    why = pattern_problem(pattern)
    if why:
        _fail("field-error", f"{where}: constraints.pattern {why}")
    return pattern


def _lengths(c: dict, where: str) -> dict:
    lengths = {}
    for key in ("minLength", "maxLength"):
        if key in c:
            v = c[key]
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10**6:
                _fail("field-error", f"{where}: constraints.{key} must be a whole number from 0 to 1000000")
            lengths[key] = v
    return lengths


def _bounds(c: dict, type_: str, where: str) -> dict:
    return {k: _bound(c[k], type_, "field-error", f"{where}: constraints.{k}")
            for k in ("minimum", "maximum") if k in c}


def _ordered(low: dict, high: dict, where: str) -> None:
    """Each (minimum, maximum) pair the field has is in order."""
    if len(low) == 2 and low["minimum"] > low["maximum"]:
        _fail("field-error", f"{where}: constraints.minimum is above constraints.maximum")
    if len(high) == 2 and high["minLength"] > high["maxLength"]:
        _fail("field-error", f"{where}: constraints.minLength is above constraints.maxLength")


def _field(raw, where: str) -> Field:
    name = _field_name(raw, where)
    where = f"{where}: field '{name}'"
    _keys(raw, FIELD_KEYS, "field-error", where, _FIELD_KEYWORDS_NOT_IMPLEMENTED)
    type_ = _field_type(raw, where)
    _field_texts(raw, where)
    checked = _bool(raw.get("checked", False), "field-error", f"{where}: checked")
    c = raw.get("constraints", {})
    _keys(c, CONSTRAINTS[type_], "field-error", f"{where}: constraints", ALL_CONSTRAINTS)
    required = _bool(c.get("required", False), "field-error", f"{where}: constraints.required")
    unique = _bool(c.get("unique", False), "field-error", f"{where}: constraints.unique")
    enum = _enum(c, type_, where)
    pattern = _pattern(c, where)
    lengths = _lengths(c, where)
    bounds = _bounds(c, type_, where)
    _ordered(bounds, lengths, where)
    return Field(name=name, type=type_, title=raw.get("title", name),
                 description=raw.get("description", ""), unit=raw.get("unit"),
                 checked=checked, required=required, unique=unique, enum=enum, pattern=pattern,
                 minimum=bounds.get("minimum"), maximum=bounds.get("maximum"),
                 min_length=lengths.get("minLength"), max_length=lengths.get("maxLength"))


_RESOURCE_KEYWORDS_NOT_IMPLEMENTED = {"dialect", "data", "hash", "bytes", "compression", "scheme", "innerpath",
                                      "extrapaths", "layout", "control", "checklist", "pipeline"}


def _resource_name(r, i: int) -> str:
    """The resource's name, checked; messages then say ``resource 'name'``."""
    where = f"resource {i}"
    if not isinstance(r, dict) or not isinstance(r.get("name"), str) or not isinstance(r.get("path"), str):
        _fail("resource-error", f"{where}: needs a name and a path (strings)")
    if not _RESOURCE_NAME.fullmatch(r["name"]):
        _fail("resource-error", f"{where}: name {r['name'][:40]!r} must be lower-case letters, digits, "
              "'_' and '-', starting with a letter")
    return r["name"]


def _resource_metadata(r: dict, where: str) -> None:
    """Its path (a file directly in data/), the fixed format properties, its texts and lists."""
    _keys(r, RESOURCE_KEYS, "resource-error", where, _RESOURCE_KEYWORDS_NOT_IMPLEMENTED)
    why = unsafe_relpath(f"data/{r['path']}", ("data",))
    if why or not _RESOURCE_PATH.fullmatch(r["path"]):
        _fail("resource-error", f"{where}: path {r['path'][:60]!r} must be the name of a .csv file "
              "directly in data/ (letters, digits, '_', '-'; no folders, no '..', not absolute)")
    for key, value in RESOURCE_FIXED.items():
        if key in r and (not isinstance(r[key], str) or r[key].lower() != value):
            _fail("resource-error", f"{where}: {key} must be {value!r}: nothing else is implemented")
    for key in ("title", "description"):
        if key in r:
            _text(r[key], "resource-error", f"{where}: {key}")
    for key in ("licenses", "sources"):
        if key in r:
            _metadata_list(r[key], "resource-error", f"{where}: {key}")


def _schema(r: dict, where: str) -> dict:
    """The resource's schema, its shape checked (not yet its fields)."""
    schema = r.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list) or not schema["fields"]:
        _fail("schema-error", f"{where}: needs a schema with a non-empty list of fields")
    _keys(schema, SCHEMA_KEYS, "schema-error", f"{where}: schema",
          {"fieldsMatch", "uniqueKeys", "$schema"})
    if schema.get("missingValues", [""]) != [""]:
        _fail("schema-error", f"{where}: schema.missingValues must be [\"\"] (an empty cell is the only "
              "missing value implemented)")
    if len(schema["fields"]) > 200:
        _fail("schema-error", f"{where}: more than 200 fields")
    return schema


def _fields(schema: dict, where: str) -> tuple[Field, ...]:
    fields = tuple(_field(f, where) for f in schema["fields"])
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        _fail("schema-error", f"{where}: duplicate field names")
    return fields


def _foreign_key(fk, at: str, own: str) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """(fields, resource, referenced fields) of one foreign key; ``own`` stands for \"\" (this resource)."""
    _keys(fk, {"fields", "reference"}, "schema-error", at)
    if "fields" not in fk or "reference" not in fk:
        _fail("schema-error", f"{at}: needs both 'fields' and 'reference'")
    src = _names(fk["fields"], "schema-error", f"{at}.fields")
    ref = fk["reference"]
    _keys(ref, {"resource", "fields"}, "schema-error", f"{at}.reference")
    if not isinstance(ref.get("resource"), str) or "fields" not in ref:
        _fail("schema-error", f"{at}.reference: needs 'resource' (a name, \"\" for this one) and 'fields'")
    dst = _names(ref["fields"], "schema-error", f"{at}.reference.fields")
    if len(src) != len(dst):
        _fail("schema-error", f"{at}: fields and reference.fields differ in number")
    return src, ref["resource"] or own, dst


def _foreign_keys(schema: dict, where: str, own: str) -> list:
    raw_fks = schema.get("foreignKeys", [])
    if not isinstance(raw_fks, list):
        _fail("schema-error", f"{where}: foreignKeys must be a list of objects, not {_jtype(raw_fks)}")
    return [_foreign_key(fk, f"{where}: foreignKeys[{j}]", own) for j, fk in enumerate(raw_fks, 1)]


def _key_fields_exist(pk: tuple, fks: list, names: list[str], where: str) -> None:
    for name in list(pk) + [n for fk in fks for n in fk[0]]:
        if name not in names:
            _fail("schema-error", f"{where}: key field {name[:40]!r} is not among its fields")


def _resource(r, i: int) -> tuple[Resource, list]:
    name = _resource_name(r, i)
    where = f"resource '{name}'"
    _resource_metadata(r, where)
    schema = _schema(r, where)
    fields = _fields(schema, where)
    names = [f.name for f in fields]
    pk = _names(schema["primaryKey"], "schema-error", f"{where}: primaryKey") if "primaryKey" in schema else ()
    fks = _foreign_keys(schema, where, name)
    _key_fields_exist(pk, fks, names, where)
    xev = _xev(r.get("xev", {}), names, where)
    return Resource(name=name, path=r["path"], title=r.get("title", name),
                    description=r.get("description", ""), fields=fields, primary_key=pk,
                    foreign_keys=tuple(fks), **xev), fks


def _xev(raw, names: list[str], where: str) -> dict:
    """The resource's ``xev`` property (XEV_KEYS), checked against its fields."""
    at = f"{where}: xev"
    if not isinstance(raw, dict):
        _fail("resource-error", f"{at} must be an object, not {_jtype(raw)}")
    _keys(raw, XEV_KEYS, "resource-error", at)
    out = {}
    if "role" in raw:
        if raw["role"] not in ROLES:
            _fail("resource-error", f"{at}.role must be one of {', '.join(ROLES)}")
        out["role"] = raw["role"]
    for key, attr in (("sameQuantity", "same_quantity"), ("sameNumbers", "same_numbers"),
                      ("scheduleFields", "schedule_fields")):
        if key in raw:
            out[attr] = _names(raw[key], "resource-error", f"{at}.{key}")
    if "mainField" in raw:
        out["main_field"] = _names([raw["mainField"]], "resource-error", f"{at}.mainField")[0]
    for name in [*out.get("same_quantity", ()), *out.get("same_numbers", ()), *out.get("schedule_fields", ()),
                 *([out["main_field"]] if "main_field" in out else [])]:
        if name not in names:
            _fail("resource-error", f"{at}: field {name[:40]!r} is not among its fields")
    return out


def _strict_json(text: str):
    def pairs(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"the key {dup[:40]!r} appears twice in one object")
        return dict(items)

    def constant(name):
        raise ValueError(f"{name} is not JSON")

    def integer(s):
        if len(s.lstrip("-")) > 30:
            raise ValueError(f"a {len(s)}-digit number is too large")
        return int(s)

    def number(s):
        v = float(s)
        if not math.isfinite(v):
            raise ValueError(f"the number {s[:20]} is too large")
        return v

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=integer,
                      parse_float=number)


def load_descriptor(root: Path) -> dict[str, Resource]:
    """Parse the descriptor into resources by name, or raise DataError."""
    data = read_confined(root, DESCRIPTOR, code="package-error")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(DESCRIPTOR, f"not valid UTF-8 at byte {e.start}", code="encoding-error") from None
    if text.startswith("\ufeff"):
        raise DataError(DESCRIPTOR, "starts with a byte order mark (BOM); save without it", 1, 1,
                        code="encoding-error")
    return dict(_read(text))


# The same descriptor text is read again by every check run and every test
# case; its Resources are frozen, so the reading is remembered.
@lru_cache(maxsize=16)
def _read(text: str) -> dict[str, Resource]:
    try:
        raw = _strict_json(text)
    except json.JSONDecodeError as e:
        raise DataError(DESCRIPTOR, f"invalid JSON: {e.msg}", e.lineno, e.colno, code="package-error") from None
    except RecursionError:
        raise DataError(DESCRIPTOR, "invalid JSON: nested too deeply", code="package-error") from None
    except ValueError as e:
        raise DataError(DESCRIPTOR, f"invalid JSON: {e}", code="package-error") from None
    try:
        return _package(raw)
    except _Bad as bad:
        raise DataError(DESCRIPTOR, bad.message, code=bad.code) from None
    except RecursionError:   # only reachable through a bug: the shapes above are all flat
        raise DataError(DESCRIPTOR, "nested too deeply", code="package-error") from None


def _package_metadata(raw) -> None:
    _keys(raw, PACKAGE_KEYS, "package-error", "the package")
    if not isinstance(raw.get("resources"), list) or not raw["resources"]:
        _fail("package-error", "needs a non-empty 'resources' list")
    for key in ("name", "title", "description", "profile", "id", "version", "created", "homepage", "$schema"):
        if key in raw:
            _text(raw[key], "package-error", key)
    for key in ("licenses", "contributors", "sources", "keywords"):
        if key in raw:
            _metadata_list(raw[key], "package-error", key)


def _resources(raw: dict) -> dict[str, Resource]:
    """The resources by name; no name and no path twice."""
    out: dict[str, Resource] = {}
    paths: dict[str, str] = {}
    for i, r in enumerate(raw["resources"], 1):
        res, _ = _resource(r, i)
        if res.name in out:
            _fail("resource-error", f"resource '{res.name}': listed twice")
        if res.path in paths:
            _fail("resource-error", f"resource '{res.name}': path {res.path!r} is also resource "
                  f"'{paths[res.path]}'")
        out[res.name] = res
        paths[res.path] = res.name
    return out


def _references_resolve(out: dict[str, Resource]) -> None:
    """Every foreign key names a resource of the package, and fields it has."""
    for res in out.values():
        for _fields, ref, dst in res.foreign_keys:
            if ref not in out:
                _fail("schema-error", f"resource '{res.name}': foreign key to unknown resource {ref[:40]!r}")
            missing = [n for n in dst if n not in out[ref].field_names]
            if missing:
                _fail("schema-error", f"resource '{res.name}': foreign key to field(s) {', '.join(missing)} "
                      f"that resource '{ref}' does not have")


def _package(raw) -> dict[str, Resource]:
    _package_metadata(raw)
    out = _resources(raw)
    _references_resolve(out)
    return out
