"""Malformed data gets a clear DataError naming file, line and column, from
load_table(), verify() and `python -m helpers check`, and changes nothing.

Every case is a mutated copy of the real tables in a temporary folder, so the
corpus cannot drift from the real schema.
"""
import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import helpers
from conftest import run_forked

# ------------------------------------------------------------ editing tools


def read(root: Path, table: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((root / "data" / f"{table}.csv").read_text("utf-8"))))


def write(root: Path, table: str, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (root / "data" / f"{table}.csv").write_text(buf.getvalue(), "utf-8")


def first_row(root, table, where: Callable[[dict], bool] = lambda r: True) -> int:
    """Index (1-based, after the header) of the first row matching ``where``."""
    rows = read(root, table)
    for i, cells in enumerate(rows[1:], 1):
        if where(dict(zip(rows[0], cells))):
            return i
    raise LookupError(f"no suitable row in {table}")


def set_cell(root, table, column, value, where=lambda r: True):
    """Set one cell; return the (line, column) it sits at in the file."""
    rows = read(root, table)
    i = first_row(root, table, where)
    c = rows[0].index(column)
    rows[i][c] = value(rows[i][c]) if callable(value) else value
    write(root, table, rows)
    return i + 1, c + 1


def raw_edit(root, relpath, edit: Callable[[bytes], bytes]):
    p = root / relpath
    p.write_bytes(edit(p.read_bytes()))


def seed_quoted(r):
    return r["source_id"].startswith("seed-") and not r["derivation"]


def external_quoted(r):
    return r["source_id"].startswith("ext-") and r["quote_origin"] == "verbatim"


def undervived(column):
    return lambda r: r[column] != "" and f"{column}:" not in r["derivation"]


def bump_number(text):
    return str(int(text) + 1) if "." not in text else f"{float(text) + 1:g}"


# ------------------------------------------------------------ the cases


@dataclass
class Case:
    id: str
    mutate: Callable[[Path], tuple | None]   # returns (line, column) or (line, None) or None
    path: str                                # the file the error must name
    table: str | None                        # the table whose load must fail (None: none)
    match: str = ""                          # a word the message must contain


def cell_case(id, table, column, value, where=lambda r: True, match=""):
    return Case(id, lambda root: set_cell(root, table, column, value, where),
                f"data/{table}.csv", table, match)


def header_case(id, table, edit, match, column=None):
    def mutate(root):
        rows = read(root, table)
        edit(rows)
        write(root, table, rows)
        return (1, column)
    return Case(id, mutate, f"data/{table}.csv", table, match)


def rows_case(id, table, edit, match, line_of=None):
    def mutate(root):
        rows = read(root, table)
        line = edit(rows)
        write(root, table, rows)
        return (line, None) if line else None
    return Case(id, mutate, f"data/{table}.csv", table, match)


def bytes_case(id, relpath, edit, table, match, where=None):
    def mutate(root):
        raw_edit(root, relpath, edit)
        return where
    return Case(id, mutate, relpath, table, match)


def descriptor_case(id, edit, match):
    def mutate(root):
        p = root / "data" / "datapackage.json"
        d = json.loads(p.read_text())
        edit(d)
        p.write_text(json.dumps(d))
    return Case(id, mutate, "data/datapackage.json", "deliveries", match)


def _dup_first_key(rows):
    rows[2][0] = rows[1][0]
    return 3


def _drop_last_cell(rows):
    rows[1] = rows[1][:-1]
    return 2


def _extra_cell(rows):
    rows[1] = rows[1] + ["surplus"]
    return 2


CASES = [
    # --- wrong types
    cell_case("integer-not-a-number", "deliveries", "value", "abc", match="not an integer"),
    cell_case("integer-with-decimals", "deliveries", "value", "1.5", match="not an integer"),
    cell_case("integer-with-separator", "deliveries", "value", "29,000", match="not an integer"),
    cell_case("number-with-percent-sign", "financials", "value", lambda v: v + "%", match="not a plain number"),
    cell_case("number-nan", "financials", "value", "nan", match="not a plain number"),
    cell_case("number-text", "peers", "value", "about 5", match="not a plain number"),
    # --- dates
    cell_case("date-impossible", "events", "date", "2025-02-30", lambda r: r["date"], match="not a real date"),
    cell_case("date-not-iso", "events", "date", "29/03/2025", lambda r: r["date"], match="not an ISO date"),
    cell_case("date-partial", "sources", "published", "2025-03", lambda r: r["published"], match="not an ISO date"),
    # --- constraints
    cell_case("negative-count", "deliveries", "value", "-5", lambda r: r["value"], match="below the minimum"),
    cell_case("percentage-over-100", "recalls", "share_of_fleet_pct", "150",
              lambda r: r["share_of_fleet_pct"], match="above the maximum"),
    cell_case("percentage-share-negative", "financials", "value", "-3",
              lambda r: r["unit"] == "%", match="between 0 and 100"),
    cell_case("percent-change-below-minus-100", "deliveries", "change_pct", "-150",
              lambda r: r["change_pct"], match="below the minimum"),
    cell_case("enum-violation", "deliveries", "qualifier", "approx", match="is not one of"),
    cell_case("unknown-unit", "financials", "unit", "RMB", match="is not one of"),
    cell_case("required-empty", "events", "title", "", match="required value is empty"),
    cell_case("pattern-violation", "deliveries", "fact_id", "Not A Slug", match="does not match"),
    cell_case("unknown-source-kind", "sources", "kind", "blog", match="is not one of"),
    # --- keys and references
    rows_case("duplicate-key", "deliveries", _dup_first_key, "already used"),
    cell_case("trailing-space-in-key", "deliveries", "fact_id", lambda v: v + " ", match="white space"),
    cell_case("leading-space-in-key", "tariffs", "fact_id", lambda v: " " + v, match="white space"),
    cell_case("unknown-source-id", "deliveries", "source_id", "seed-nowhere", match="not in data/sources.csv"),
    cell_case("duplicate-source-id", "sources", "source_id", "seed-livestream",
              lambda r: r["source_id"] == "seed-ainvest", match="already used"),
    # --- provenance
    cell_case("seed-quote-not-in-seed", "deliveries", "quote", lambda q: q.replace(q.split()[0], "Zebra", 1),
              seed_quoted, match="not found in seeds/"),
    cell_case("external-quote-not-in-notes", "financials", "quote", lambda q: q + " zebra",
              external_quoted, match="not found in seeds/research"),
    cell_case("value-not-in-quote", "deliveries", "value", bump_number, undervived("value"), match="not in the quote"),
    cell_case("number-not-in-quote", "ecosystem", "value", bump_number, undervived("value"), match="not in the quote"),
    cell_case("date-not-in-quote", "tariffs", "effective", "2019-05-17", undervived("effective"),
              match="not in the quote"),
    cell_case("empty-quote", "deliveries", "quote", "", match="required value is empty"),
    cell_case("quote-only-ellipsis", "peers", "quote", "…", match="empty once elisions"),
    cell_case("derivation-unknown-field", "deliveries", "derivation", "colour: made up", match="not a checked field"),
    # --- spreadsheet formula injection in text cells
    cell_case("formula-equals", "events", "title", "=HYPERLINK(\"http://x\")", match="formula"),
    cell_case("formula-plus", "peers", "model", "+1+1", match="formula"),
    cell_case("formula-minus", "tariffs", "measure", "-2+3", match="formula"),
    cell_case("formula-at", "sources", "notes", "@SUM(A1)", match="formula"),
    cell_case("formula-tab", "ecosystem", "as_of_label", "\tx", match="white space"),
    # --- columns
    header_case("missing-column", "deliveries", lambda rows: [r.pop(rows[0].index("qualifier")) for r in rows[::-1]],
                "missing column"),
    header_case("extra-column", "deliveries", lambda rows: [r.append("x") for r in rows] and rows[0].__setitem__(-1, "comment"),
                "unknown column", column=None),
    header_case("duplicate-header", "peers", lambda rows: rows[0].__setitem__(1, rows[0][0]), "appears twice", column=2),
    header_case("columns-reordered", "tariffs", lambda rows: [r.insert(0, r.pop(1)) for r in rows], "order"),
    header_case("header-with-space", "ev_market", lambda rows: rows[0].__setitem__(0, rows[0][0] + " "),
                "white space", column=1),
    rows_case("too-few-cells", "financials", _drop_last_cell, "cells"),
    rows_case("too-many-cells", "ecosystem", _extra_cell, "cells"),
    # --- bytes and encodings
    bytes_case("utf8-bom", "data/deliveries.csv", lambda b: b"\xef\xbb\xbf" + b, "deliveries",
               "byte order mark", where=(1, 1)),
    bytes_case("crlf-line-ends", "data/peers.csv", lambda b: b.replace(b"\n", b"\r\n"), "peers",
               "line ends", where=(1, None)),
    bytes_case("invalid-utf8", "data/financials.csv", lambda b: b.replace(b"\n", b"\n\xff\xfe", 1), "financials",
               "invalid UTF-8", where=(2, 1)),
    bytes_case("nul-byte", "data/ecosystem.csv", lambda b: b.replace(b"\n", b"\n\x00", 1), "ecosystem",
               "NUL", where=(2, None)),
    bytes_case("empty-file", "data/tariffs.csv", lambda b: b"", "tariffs", "empty"),
    bytes_case("unterminated-quote", "data/ev_market.csv", lambda b: b.rstrip(b"\n") + b',"open\n', "ev_market",
               "malformed CSV"),
    bytes_case("blank-line-inside", "data/peers.csv", lambda b: b.replace(b"\n", b"\n\n", 1), "peers",
               "blank line", where=(2, None)),
    bytes_case("cell-spanning-lines", "data/events.csv",
               lambda b: b.replace(b"\n", b"\n", 1).replace(b",verbatim,", b",\"verb\natim\",", 1), "events",
               "spans several lines"),
    # --- files
    Case("missing-table-file", lambda root: (root / "data" / "peers.csv").unlink(), "data/peers.csv", "peers",
         "not on disk"),
    Case("table-not-in-descriptor", lambda root: (root / "data" / "extra.csv").write_text("a\n1\n"),
         "data/extra.csv", None, "not described"),
    Case("table-in-descriptor-not-on-disk",
         lambda root: descriptor_case("", lambda d: d["resources"].append(
             {**d["resources"][1], "name": "ghost", "path": "ghost.csv"}), "").mutate(root),
         "data/ghost.csv", "ghost", "not on disk"),
    Case("descriptor-invalid-json", lambda root: raw_edit(root, "data/datapackage.json", lambda b: b[:-20]) or (None, None),
         "data/datapackage.json", "deliveries", "invalid JSON"),
    descriptor_case("descriptor-unknown-type", lambda d: d["resources"][2]["schema"]["fields"][1].update(type="geopoint"),
                    "supported"),
    Case("descriptor-missing", lambda root: (root / "data" / "datapackage.json").unlink(),
         "data/datapackage.json", "deliveries", "missing"),
    Case("seed-file-missing", lambda root: (root / "seeds" / "001_bc372e0070c9f2d8.txt").unlink(),
         "data/sources.csv", "sources", "missing"),
    Case("seed-not-registered", lambda root: (root / "seeds" / "005_new.txt").write_text("x"),
         "seeds/005_new.txt", "sources", "no row"),
    Case("research-notes-missing", lambda root: (root / "seeds" / "research" / "external-facts.md").unlink(),
         "data/financials.csv", "financials", "cannot be checked"),
    cell_case("external-source-without-confidence", "sources", "confidence", "",
              lambda r: r["kind"] == "external", match="confidence"),
    cell_case("claim-evidence-unknown-row", "claims", "evidence_ids", "deliveries:no-such-row",
              match="no row"),
    cell_case("claim-evidence-number-unsupported", "claims", "evidence", "It was 123457 cars.",
              lambda r: r["evidence_ids"], match="is typed"),
]


# The stable code each case's problem carries (helpers.errors.CODES; named like Frictionless's).
CODE = {
    "integer-not-a-number": "type-error",
    "integer-with-decimals": "type-error",
    "integer-with-separator": "type-error",
    "number-with-percent-sign": "type-error",
    "number-nan": "type-error",
    "number-text": "type-error",
    "date-impossible": "type-error",
    "date-not-iso": "type-error",
    "date-partial": "type-error",
    "negative-count": "constraint-error",
    "percentage-over-100": "constraint-error",
    "percentage-share-negative": "value-error",
    "percent-change-below-minus-100": "constraint-error",
    "enum-violation": "constraint-error",
    "unknown-unit": "constraint-error",
    "required-empty": "constraint-error",
    "pattern-violation": "constraint-error",
    "unknown-source-kind": "constraint-error",
    "duplicate-key": "unique-error",
    "trailing-space-in-key": "constraint-error",
    "leading-space-in-key": "constraint-error",
    "unknown-source-id": "foreign-key",
    "duplicate-source-id": "unique-error",
    "seed-quote-not-in-seed": "quote-error",
    "external-quote-not-in-notes": "quote-error",
    "value-not-in-quote": "value-error",
    "number-not-in-quote": "value-error",
    "date-not-in-quote": "value-error",
    "empty-quote": "constraint-error",
    "quote-only-ellipsis": "quote-error",
    "derivation-unknown-field": "value-error",
    "formula-equals": "forbidden-value",
    "formula-plus": "forbidden-value",
    "formula-minus": "forbidden-value",
    "formula-at": "forbidden-value",
    "formula-tab": "constraint-error",
    "missing-column": "missing-label",
    "extra-column": "extra-label",
    "duplicate-header": "duplicate-label",
    "columns-reordered": "incorrect-label",
    "header-with-space": "incorrect-label",
    "too-few-cells": "missing-cell",
    "too-many-cells": "extra-cell",
    "utf8-bom": "encoding-error",
    "crlf-line-ends": "format-error",
    "invalid-utf8": "encoding-error",
    "nul-byte": "format-error",
    "empty-file": "source-error",
    "unterminated-quote": "format-error",
    "blank-line-inside": "blank-row",
    "cell-spanning-lines": "constraint-error",
    "missing-table-file": "package-file",
    "table-not-in-descriptor": "package-file",
    "table-in-descriptor-not-on-disk": "package-file",
    "descriptor-invalid-json": "package-error",
    "descriptor-unknown-type": "field-error",
    "descriptor-missing": "package-error",
    "seed-file-missing": "source-registry",
    "seed-not-registered": "source-registry",
    "research-notes-missing": "quote-error",
    "external-source-without-confidence": "source-registry",
    "claim-evidence-unknown-row": "foreign-key",
    "claim-evidence-number-unsupported": "claim-error",
}


def _hashes(root: Path) -> dict:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert set(CODE) == {c.id for c in CASES}
    assert set(CODE.values()) <= set(helpers.errors.CODES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_located_data_error(case, project_copy):
    where = case.mutate(project_copy) or (None, None)
    line, column = where if isinstance(where, tuple) else (None, None)
    before = _hashes(project_copy)

    # verify(): a DataError naming the file (and line/column where they apply)
    problems = helpers.verify(project_copy)
    assert problems and all(isinstance(p, helpers.DataError) for p in problems)
    ours = [p for p in problems if p.path == case.path and case.match in p.message and p.code == CODE[case.id]]
    assert ours, (f"no {CODE[case.id]} problem for {case.path} mentioning {case.match!r}: "
                  f"{[(str(p), p.code) for p in problems]}")
    if line is not None:
        assert any(p.line == line and (column is None or p.column == column) for p in ours), \
            f"expected line {line} column {column}: {[str(p) for p in ours]}"

    # load_table(): raises DataError and nothing else
    if case.table:
        with pytest.raises(helpers.DataError) as raised:
            helpers.load_table(case.table, root=project_copy)
        assert raised.value.path in (case.path, "data/sources.csv", "data/datapackage.json")

    # and nothing was modified
    assert _hashes(project_copy) == before


@pytest.mark.slow   # the same corpus through the command line: in `make test`, not in the fast loop
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_on_the_command_line(case, project_copy):
    case.mutate(project_copy)
    before = _hashes(project_copy)
    out = run_forked("-m", "helpers", "check", "--root", project_copy, timeout=30)
    assert out.returncode == 1
    assert any(line.startswith(case.path) for line in out.stdout.splitlines()), out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    assert _hashes(project_copy) == before
