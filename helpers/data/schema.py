"""data/datapackage.json is generated: each shared field definition is written once.

Most fact tables end with the same provenance fields (``source_id``, ``quote``,
``quote_origin``, ``derivation``) and share a few others (``fact_id``,
``qualifier``). Their definitions live once in ``data/schema/fields.json``;
``data/schema/package.json`` is the descriptor in which such a field is
written as its name alone (``"quote"``). This module expands the one into the
full, standard Data Package that readers and tools get:

    python -m helpers.data.schema           # write data/datapackage.json from data/schema/
    python -m helpers.data.schema --check   # exit 1 if data/datapackage.json is not current

Edit data/schema/, never data/datapackage.json by hand (a test checks it is current).
"""
from __future__ import annotations

import copy
import json
import sys

from .errors import DataError
from .paths import project_root

SOURCE = "data/schema/package.json"
FIELDS = "data/schema/fields.json"
TARGET = "data/datapackage.json"


def _read(root, rel: str) -> dict:
    path = root / rel
    try:
        return json.loads(path.read_text("utf-8"))
    except OSError as e:
        raise DataError(rel, f"cannot be read: {e.strerror}", code="package-file") from None
    except json.JSONDecodeError as e:
        raise DataError(rel, f"invalid JSON: {e.msg}", e.lineno, e.colno, code="package-error") from None


def expand(root=None) -> dict:
    """The full descriptor: every field named by a string replaced by its shared definition."""
    root = project_root(root)
    package, shared = _read(root, SOURCE), _read(root, FIELDS)
    out = copy.deepcopy(package)
    for res in out.get("resources", []):
        fields = res.get("schema", {}).get("fields", [])
        for i, field in enumerate(fields):
            if isinstance(field, str):
                if field not in shared:
                    raise DataError(SOURCE, f"resource {res.get('name')!r}: field {field[:40]!r} names no shared "
                                    f"definition in {FIELDS}", code="schema-error")
                fields[i] = {"name": field, **copy.deepcopy(shared[field])}
    return out


def text(descriptor: dict) -> str:
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def is_current(root=None) -> bool:
    root = project_root(root)
    return (root / TARGET).read_text("utf-8") == text(expand(root))


def main(argv: list[str]) -> int:
    root = project_root()
    try:
        wanted = text(expand(root))
    except DataError as e:
        print(e, file=sys.stderr)
        return 1
    if argv == ["--check"]:
        if (root / TARGET).read_text("utf-8") != wanted:
            print(f"{TARGET} is not current: run `python -m helpers.data.schema` (edit data/schema/, not {TARGET})",
                  file=sys.stderr)
            return 1
        print(f"{TARGET} is current")
        return 0
    (root / TARGET).write_text(wanted, "utf-8")
    print(f"wrote {TARGET} from data/schema/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
