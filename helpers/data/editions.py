"""What changed in the data between editions of the book.

A manifest records, for every table the descriptor lists, each row's key and
a short hash of each of its cells as written in the CSV: so a row counts as
changed only when a cell it had before says something else now (a column
added to or dropped from a whole table is reported once, per table). The manifest of each published
edition is committed (``book/_editions/VERSION.json``), so a clean clone with
no git history can still say which rows were added, changed or removed since.
A manifest also records the commit the edition was released from
(``commit``): ``make site`` builds each earlier edition from it
(booktools.site), so every edition stays readable at its own address.

    python -m helpers.data.editions write 0.1.0            # the current data as edition 0.1.0, at HEAD
    python -m helpers.data.editions write 0.1.0 --commit C # ... released from commit C
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .paths import project_root

EDITIONS = Path("book") / "_editions"


def _cell_hashes(cells: dict[str, str]) -> dict[str, str]:
    return {k: hashlib.sha256(v.encode("utf-8")).hexdigest()[:10] for k, v in sorted(cells.items())}


def table_rows(text: str, key_fields: list[str]) -> dict[str, dict[str, str]]:
    """Row key -> {column: hash of the cell}, for one CSV's text."""
    rows = {}
    for cells in csv.DictReader(io.StringIO(text)):
        key = " | ".join(cells[k] for k in key_fields)
        rows[key] = _cell_hashes(cells)
    return rows


def manifest(root=None, version: str | None = None, commit: str | None = None) -> dict:
    """The manifest of the data as it stands in ``root`` (released from ``commit``)."""
    root = project_root(root)
    descriptor = json.loads((root / "data" / "datapackage.json").read_text("utf-8"))
    tables = {}
    for res in descriptor["resources"]:
        text = (root / "data" / res["path"]).read_text("utf-8")
        tables[res["name"]] = table_rows(text, list(res["schema"]["primaryKey"]))
    return {"edition": version, "commit": commit, "tables": tables}


def dumps(m: dict) -> str:
    """The manifest as JSON with one row per line (readable diffs)."""
    lines = ["{", f' "edition": {json.dumps(m["edition"])},']
    if m.get("commit"):
        lines.append(f' "commit": {json.dumps(m["commit"])},')
    lines.append(' "tables": {')
    tables = sorted(m["tables"])
    for i, t in enumerate(tables):
        rows = m["tables"][t]
        lines.append(f"  {json.dumps(t)}: {{")
        keys = sorted(rows)
        for j, k in enumerate(keys):
            comma = "," if j < len(keys) - 1 else ""
            lines.append(f"   {json.dumps(k, ensure_ascii=False)}: "
                         f"{json.dumps(rows[k], sort_keys=True, separators=(',', ':'))}{comma}")
        lines.append("  }" + ("," if i < len(tables) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def recorded(root=None) -> dict[str, dict]:
    """Every edition with a committed manifest: version -> manifest, oldest first."""
    folder = project_root(root) / EDITIONS
    found = {p.stem: json.loads(p.read_text("utf-8")) for p in folder.glob("*.json")}
    return dict(sorted(found.items(), key=lambda kv: version_key(kv[0])))


def version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.replace("-", ".").split("."))


def load(version: str, root=None) -> dict:
    path = project_root(root) / EDITIONS / f"{version}.json"
    return json.loads(path.read_text("utf-8"))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def previous(current: str, root=None) -> str:
    """The newest recorded edition older than ``current`` (What's new compares with it)."""
    recorded = [p.stem for p in (project_root(root) / EDITIONS).glob("*.json")]
    older = [v for v in recorded if _version_key(v) < _version_key(current)]
    if not older:
        raise ValueError(f"no edition older than {current} is recorded in {EDITIONS}")
    return max(older, key=_version_key)


@dataclass
class TableChanges:
    table: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    changed_fields: dict[str, list[str]] = field(default_factory=dict)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    new_table: bool = False
    dropped_table: bool = False


def compare(old: dict, new: dict) -> list[TableChanges]:
    """Per table, the row keys added, changed and removed from ``old`` to ``new``."""
    out = []
    names = list(new["tables"]) + [t for t in old["tables"] if t not in new["tables"]]
    for name in names:
        out.append(_compare_table(name, old["tables"].get(name), new["tables"].get(name)))
    return out


def _compare_table(name: str, before: dict | None, after: dict | None) -> TableChanges:
    """One table's changes: rows added, removed and changed (by cell), columns added and removed."""
    c = TableChanges(name, new_table=before is None, dropped_table=after is None)
    before, after = before or {}, after or {}
    c.added = [k for k in after if k not in before]
    c.removed = [k for k in before if k not in after]
    if before and after:
        old_cols, new_cols = set().union(*before.values()), set().union(*after.values())
        c.columns_added = sorted(new_cols - old_cols)
        c.columns_removed = sorted(old_cols - new_cols)
    for k in (k for k in after if k in before):
        fields = _changed_cells(before[k], after[k])
        if fields:
            c.changed.append(k)
            c.changed_fields[k] = fields
        else:
            c.unchanged += 1
    return c


def _changed_cells(before: dict, after: dict) -> list[str]:
    """The columns of a row whose cell says something else now (columns it gained are not changes)."""
    return [f for f in after if f in before and after[f] != before[f]]


def since(version: str, root=None) -> list[TableChanges]:
    """Changes from the committed manifest of ``version`` to the data now."""
    return compare(load(version, root), manifest(root))


def head_commit(root) -> str:
    """The commit checked out in ``root`` (the edition being released)."""
    out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"no git commit to record in {root}: give one with --commit ({out.stderr.strip()})")
    return out.stdout.strip()


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m helpers.data.editions")
    ap.add_argument("command", choices=["write"])
    ap.add_argument("version")
    ap.add_argument("--commit", help="the commit the edition is released from (default: HEAD)")
    args = ap.parse_args(argv)
    root = project_root()
    commit = args.commit or head_commit(root)
    path = root / EDITIONS / f"{args.version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(manifest(root, args.version, commit)), "utf-8")
    print(f"wrote {path.relative_to(root)} (commit {commit})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
