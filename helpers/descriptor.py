"""Read data/datapackage.json: the schema every table is checked against.

Only the parts of the Frictionless Table Schema this project uses are
understood here (types string, integer, number, date; constraints required,
unique, enum, pattern, minimum, maximum; primaryKey; foreignKeys), plus two
project properties on fields: ``unit`` and ``checked`` (a value that must be
recoverable from the row's quote).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError
from .paths import DESCRIPTOR

TYPES = {"string", "integer", "number", "date"}


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
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class Resource:
    name: str
    path: str            # relative to data/
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = field(default=())  # (field, resource, field)

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


def _fail(message: str) -> DataError:
    return DataError(DESCRIPTOR, message)


def _field(raw: dict, where: str) -> Field:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _fail(f"{where}: every field needs a name")
    name = raw["name"]
    type_ = raw.get("type", "string")
    if type_ not in TYPES:
        raise _fail(f"{where}: field '{name}' has type '{type_}'; "
                    f"supported: {', '.join(sorted(TYPES))}")
    c = raw.get("constraints", {}) or {}
    enum = c.get("enum")
    return Field(name=name, type=type_, title=raw.get("title", name),
                 description=raw.get("description", ""), unit=raw.get("unit"),
                 checked=bool(raw.get("checked", False)),
                 required=bool(c.get("required", False)),
                 unique=bool(c.get("unique", False)),
                 enum=tuple(enum) if enum is not None else None,
                 pattern=c.get("pattern"), minimum=c.get("minimum"),
                 maximum=c.get("maximum"))


def load_descriptor(root: Path) -> dict[str, Resource]:
    """Parse the descriptor into resources by name, or raise DataError."""
    path = root / DESCRIPTOR
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise _fail("file is missing") from None
    except UnicodeDecodeError as e:
        raise _fail(f"not valid UTF-8 at byte {e.start}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(DESCRIPTOR, f"invalid JSON: {e.msg}", e.lineno, e.colno) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("resources"), list):
        raise _fail("needs a 'resources' list")
    out: dict[str, Resource] = {}
    for i, r in enumerate(raw["resources"], 1):
        where = f"resource {i}"
        if not isinstance(r, dict) or not isinstance(r.get("name"), str) \
                or not isinstance(r.get("path"), str):
            raise _fail(f"{where}: needs a name and a path")
        where = f"resource '{r['name']}'"
        schema = r.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            raise _fail(f"{where}: needs a schema with fields")
        fields = tuple(_field(f, where) for f in schema["fields"])
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise _fail(f"{where}: duplicate field names")
        pk = schema.get("primaryKey", [])
        pk = (pk,) if isinstance(pk, str) else tuple(pk)
        fks = []
        for fk in schema.get("foreignKeys", []):
            src = fk["fields"]; ref = fk["reference"]
            src = src[0] if isinstance(src, list) else src
            dst = ref["fields"][0] if isinstance(ref["fields"], list) else ref["fields"]
            fks.append((src, ref["resource"], dst))
        for name in list(pk) + [fk[0] for fk in fks]:
            if name not in names:
                raise _fail(f"{where}: key field '{name}' is not among its fields")
        if r["name"] in out:
            raise _fail(f"{where}: listed twice")
        out[r["name"]] = Resource(name=r["name"], path=r["path"],
                                  title=r.get("title", r["name"]),
                                  description=r.get("description", ""),
                                  fields=fields, primary_key=pk,
                                  foreign_keys=tuple(fks))
    for res in out.values():
        for _, ref, _ in res.foreign_keys:
            if ref not in out:
                raise _fail(f"resource '{res.name}': foreign key to unknown resource '{ref}'")
    return out
