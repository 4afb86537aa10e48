"""Hostile input (issue 13): every input gives a located DataError with a
stable code, or is valid; nothing else escapes.

Each case corrupts a throw-away copy of the project the way an attacker or a
careless contributor would, then runs verify() and load_table() in a child
process (so that a hang is a timeout, not a stuck test run) and
`python -m helpers check`, and asserts: the error's code and location, no
traceback, no raw control character printed, the target of a link or a path
outside the project never echoed, every run under a few seconds, and no file
changed.
"""
import json
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_bad_input import read, set_cell, write

import helpers
from conftest import run_forked
from helpers.errors import CODES, DataError

TIMEOUT = 10          # seconds per child run: a hang fails the case, it does not stall the suite

RUNNER = r"""
import json, sys
import helpers
root, table = sys.argv[1], sys.argv[2]
out = {"verify": [[p.path, p.line, p.column, p.code, p.message] for p in helpers.verify(root)]}
if table:
    try:
        helpers.load_table(table, root=root)
        out["load"] = None
    except helpers.DataError as e:
        out["load"] = [e.path, e.line, e.column, e.code, e.message]
print(json.dumps(out))
"""
SECRET = "root:x:0:0"                 # what /etc/passwd-like targets hold: must never be printed
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


# ------------------------------------------------------------ editing tools

def descriptor(root: Path, edit: Callable[[dict], None]) -> None:
    p = root / "data" / "datapackage.json"
    d = json.loads(p.read_text("utf-8"))
    edit(d)
    p.write_text(json.dumps(d, indent=1), "utf-8")


def res(d: dict, name: str) -> dict:
    return next(r for r in d["resources"] if r["name"] == name)


def fld(d: dict, table: str, name: str) -> dict:
    return next(f for f in res(d, table)["schema"]["fields"] if f["name"] == name)


def secret_file(root: Path) -> Path:
    """A file outside the project, like /etc/passwd."""
    p = root.parent / f"{root.name}-outside" / "passwd"
    p.parent.mkdir(exist_ok=True)
    p.write_text(SECRET + ":root:/root:/bin/bash\n")
    return p


@dataclass
class Case:
    id: str
    mutate: Callable[[Path], tuple | None]    # returns (line, column) where the error must be, or None
    path: str                                 # the file the error must name
    code: str                                 # its code
    table: str | None = None                  # load_table(table) must raise a DataError
    match: str = ""                           # a word the message must contain


def cell(id, table, column, value, code, where=lambda r: True, match=""):
    return Case(id, lambda root: set_cell(root, table, column, value, where), f"data/{table}.csv", code,
                table, match)


def desc(id, edit, code, match=""):
    return Case(id, lambda root: descriptor(root, edit), "data/datapackage.json", code, "deliveries", match)


def seed_path(value):
    return lambda root: set_cell(root, "sources", "path", value(root) if callable(value) else value,
                                 lambda r: r["kind"] == "seed")


def _replace_table(make: Callable[[Path], None]):
    def mutate(root):
        p = root / "data" / "peers.csv"
        p.unlink()
        make(p)
    return mutate


def _fifo(p):
    os.mkfifo(p)


def _symlink_inside(p):
    os.symlink("deliveries.csv", p)


def _symlink_outside(p):
    os.symlink(secret_file(p.parent.parent), p)


def _symlink_loop(p):
    os.symlink(p.name, p)


def _folder(p):
    p.mkdir()


def _huge(p):
    with open(p, "wb") as f:
        f.truncate(17 * 1024 * 1024)        # sparse: costs no disk


def _deep_json(root):
    (root / "data" / "datapackage.json").write_text("[" * 100000 + "]" * 100000)


def _row_with(table, column, value):
    def mutate(root):
        return set_cell(root, table, column, value)
    return mutate


CASES = [
    # --- numbers: bounded to what the column holds, ASCII digits only
    cell("number-1e400", "financials", "value", "1" + "0" * 400, "type-error", match="digits"),
    cell("integer-5000-digits", "deliveries", "value", "9" * 5000, "type-error", match="64-bit"),
    cell("integer-20-digits", "deliveries", "value", "1" + "0" * 19, "type-error", match="64-bit"),
    cell("integer-just-over-int64", "deliveries", "value", str(2**63), "type-error", match="64-bit"),
    cell("number-16-significant-digits", "peers", "value", "4.350000000000001", "type-error",
         match="significant"),
    cell("integer-fullwidth-digits", "deliveries", "value", "４１００００", "type-error", match="ASCII"),
    cell("integer-arabic-indic-digits", "deliveries", "value", "٤١٠٠٠٠", "type-error", match="ASCII"),
    cell("number-devanagari-digits", "financials", "value", "२३.२", "type-error", match="ASCII"),
    cell("date-fullwidth-digits", "events", "date", "２０２５-０３-２９", "type-error", match="ISO date",
         where=lambda r: r["date"]),
    cell("integer-minus-zero", "deliveries", "value", "-0", "type-error", match="no sign"),
    cell("number-minus-zero", "financials", "value", "-0.0", "type-error", match="negative zero"),
    cell("integer-leading-zeros", "deliveries", "value", "0410000", "type-error", match="leading zeros"),
    cell("number-leading-zeros", "financials", "value", "023.2", "type-error", match="leading zeros"),
    cell("integer-plus-sign", "deliveries", "value", "+410000", "type-error", match="not an integer"),
    cell("number-exponent", "financials", "value", "2.32e1", "type-error", match="exponent"),
    # --- text hygiene
    cell("text-escape-sequence", "events", "title", "Launch\x1b[2J\x1b[31m done", "forbidden-value",
         match="U+001B"),
    cell("text-bidi-override", "events", "title", "Launch \u202eenod", "forbidden-value", match="U+202E"),
    cell("text-bidi-isolate", "sources", "notes", "a \u2067b\u2069 c", "forbidden-value", match="U+2067"),
    cell("text-stray-bom", "peers", "model", "SU\ufeff7", "forbidden-value", match="U+FEFF"),
    cell("text-line-separator", "events", "title", "one\u2028two", "forbidden-value", match="U+2028"),
    cell("text-c1-control", "events", "title", "one\x85two", "forbidden-value", match="U+0085"),
    cell("key-with-bell", "deliveries", "fact_id", "del\x07x", "forbidden-value", match="U+0007"),
    cell("formula-fullwidth-equals", "events", "title", "＝HYPERLINK(\"http://x\")", "forbidden-value",
         match="formula"),
    cell("formula-fullwidth-plus", "peers", "model", "＋1+1", "forbidden-value", match="formula"),
    cell("formula-fullwidth-minus", "tariffs", "measure", "－2+3", "forbidden-value", match="formula"),
    cell("formula-fullwidth-at", "sources", "notes", "＠SUM(A1)", "forbidden-value", match="formula"),
    cell("formula-small-equals", "events", "title", "\ufe66cmd", "forbidden-value", match="formula"),
    cell("formula-minus-sign", "events", "title", "\u22122+3", "forbidden-value", match="formula"),
    cell("formula-after-zero-width-space", "events", "title", "\u200b=1+1", "forbidden-value",
         match="formula"),
    cell("formula-after-space", "events", "title", " =1+1", "constraint-error", match="white space"),
    cell("formula-after-nbsp", "events", "title", "\u00a0=1+1", "constraint-error", match="white space"),
    cell("formula-after-ideographic-space", "events", "title", "\u3000＝1", "constraint-error",
         match="white space"),
    Case("formula-as-column-name", lambda root: descriptor(
        root, lambda d: fld(d, "events", "title").update(name="=cmd|' /C calc'!A0")),
        "data/datapackage.json", "field-error", "events", "lower-case"),
    Case("formula-in-csv-header", lambda root: write(
        root, "events", [["=1+1", *read(root, "events")[0][1:]], *read(root, "events")[1:]]) or (1, 1),
        "data/events.csv", "extra-label", "events", "unknown column"),
    cell("cell-too-long", "events", "title", "x" * 30000, "constraint-error", match="characters long"),
    cell("cell-over-csv-field-limit", "sources", "notes", "x" * 200000, "constraint-error",
         match="characters long"),
    cell("pattern-cell-very-long", "deliveries", "fact_id", "a" * 1000, "constraint-error",
         match="too long"),
    # --- keys
    cell("foreign-key-generic", "deliveries", "source_id", "seed-nowhere", "foreign-key",
         match="not in data/sources.csv"),
    Case("foreign-key-self-reference", lambda root: descriptor(root, lambda d: res(d, "events")["schema"].update(
        foreignKeys=[{"fields": "category", "reference": {"resource": "", "fields": "event_id"}}])),
        "data/events.csv", "foreign-key", "events", "not in data/events.csv"),
    Case("primary-key-empty", lambda root: descriptor(root, lambda d: res(d, "peers")["schema"].update(
        primaryKey=["fact_id", "model"])), "data/peers.csv", "primary-key", "peers", "may not be empty"),
    # --- the descriptor: shapes, keywords not implemented, names
    desc("constraints-as-list", lambda d: fld(d, "deliveries", "value").update(constraints=[{"minimum": 0}]),
         "field-error", "must be a JSON object"),
    desc("pattern-invalid-regex", lambda d: fld(d, "deliveries", "fact_id")["constraints"].update(pattern="[a-"),
         "field-error", "not a valid regular expression"),
    desc("pattern-catastrophic", lambda d: fld(d, "deliveries", "fact_id")["constraints"].update(
        pattern="([a-z0-9-]+)+$"), "field-error", "exponential"),
    desc("pattern-backreference", lambda d: fld(d, "deliveries", "fact_id")["constraints"].update(
        pattern=r"(a)\1"), "field-error", "back-reference"),
    desc("minimum-as-string", lambda d: fld(d, "deliveries", "value")["constraints"].update(minimum="0"),
         "field-error", "must be a whole number"),
    desc("minimum-as-boolean", lambda d: fld(d, "deliveries", "value")["constraints"].update(minimum=False),
         "field-error", "must be a whole number"),
    desc("minimum-above-maximum", lambda d: fld(d, "deliveries", "value")["constraints"].update(
        minimum=10, maximum=1), "field-error", "above"),
    desc("enum-of-wrong-type", lambda d: fld(d, "deliveries", "value")["constraints"].update(enum=["1"]),
         "field-error", "whole number"),
    desc("foreign-keys-as-object", lambda d: res(d, "deliveries")["schema"].update(
        foreignKeys={"fields": "source_id", "reference": {"resource": "sources", "fields": "source_id"}}),
         "schema-error", "must be a list"),
    desc("foreign-key-without-reference", lambda d: res(d, "deliveries")["schema"].update(
        foreignKeys=[{"fields": "source_id"}]), "schema-error", "reference"),
    desc("foreign-key-to-unknown-resource", lambda d: res(d, "deliveries")["schema"]["foreignKeys"][0][
        "reference"].update(resource="nowhere"), "schema-error", "unknown resource"),
    desc("foreign-key-to-unknown-field", lambda d: res(d, "deliveries")["schema"]["foreignKeys"][0][
        "reference"].update(fields=["nope"]), "schema-error", "does not have"),
    desc("primary-key-as-number", lambda d: res(d, "deliveries")["schema"].update(primaryKey=1),
         "schema-error", "field name"),
    desc("type-as-list", lambda d: fld(d, "deliveries", "value").update(type=["integer", "null"]),
         "field-error", "has type"),
    desc("type-not-implemented", lambda d: fld(d, "deliveries", "value").update(type="boolean"),
         "field-error", "supported"),
    desc("field-format-not-implemented", lambda d: fld(d, "events", "date").update(format="%d/%m/%Y"),
         "field-error", "not implemented"),
    desc("constraint-not-implemented", lambda d: fld(d, "deliveries", "value")["constraints"].update(
        exclusiveMinimum=0), "field-error", "does not implement"),
    desc("field-keyword-not-implemented", lambda d: fld(d, "deliveries", "value").update(bareNumber=False),
         "field-error", "does not implement"),
    desc("schema-keyword-not-implemented", lambda d: res(d, "deliveries")["schema"].update(
        uniqueKeys=[["fact_id"]]), "schema-error", "does not implement"),
    desc("missing-values-not-implemented", lambda d: res(d, "deliveries")["schema"].update(
        missingValues=["", "NA"]), "schema-error", "missingValues"),
    desc("resource-dialect-not-implemented", lambda d: res(d, "deliveries").update(dialect={"delimiter": ";"}),
         "resource-error", "does not implement"),
    desc("resource-encoding-other", lambda d: res(d, "deliveries").update(encoding="latin-1"),
         "resource-error", "utf-8"),
    desc("unknown-package-property", lambda d: d.update(resourcez=[]), "package-error", "not a property"),
    desc("resources-not-a-list", lambda d: d.update(resources={"a": 1}), "package-error", "resources"),
    desc("resource-name-html", lambda d: res(d, "peers").update(name="<img src=x onerror=alert(1)>"),
         "resource-error", "lower-case"),
    desc("field-name-html", lambda d: fld(d, "peers", "model").update(name="<script>alert(1)</script>"),
         "field-error", "lower-case"),
    desc("title-with-control-characters", lambda d: res(d, "peers").update(title="Peers\x1b]0;pwned\x07"),
         "resource-error", "control"),
    desc("description-not-text", lambda d: fld(d, "peers", "model").update(description=["a"]),
         "field-error", "must be a string"),
    desc("checked-not-boolean", lambda d: fld(d, "deliveries", "value").update(checked="yes"),
         "field-error", "true or false"),
    desc("resource-path-parent", lambda d: res(d, "peers").update(path="../seeds/000_fbb6e871b8b549d0.txt"),
         "resource-error", "directly in data/"),
    desc("resource-path-absolute", lambda d: res(d, "peers").update(path="/etc/passwd"),
         "resource-error", "directly in data/"),
    desc("resource-path-subfolder", lambda d: res(d, "peers").update(path="sub/peers.csv"),
         "resource-error", "directly in data/"),
    desc("resource-path-url", lambda d: res(d, "peers").update(path="https://example.org/peers.csv"),
         "resource-error", "directly in data/"),
    desc("two-resources-one-path", lambda d: res(d, "peers").update(path="deliveries.csv"),
         "resource-error", "also resource"),
    Case("descriptor-deeply-nested", _deep_json, "data/datapackage.json", "package-error", "deliveries",
         "nested too deeply"),
    Case("descriptor-nan", lambda root: (root / "data" / "datapackage.json").write_text('{"resources": NaN}'),
         "data/datapackage.json", "package-error", "deliveries", "NaN is not JSON"),
    Case("descriptor-5000-digit-number", lambda root: descriptor(root, lambda d: None) or
         (root / "data" / "datapackage.json").write_text(
             (root / "data" / "datapackage.json").read_text().replace('"minimum": 0', '"minimum": ' + "9" * 5000, 1)),
         "data/datapackage.json", "package-error", "deliveries", "too large"),
    Case("descriptor-1e400", lambda root: (root / "data" / "datapackage.json").write_text(
        (root / "data" / "datapackage.json").read_text().replace('"minimum": 0', '"minimum": 1e400', 1)),
         "data/datapackage.json", "package-error", "deliveries", "too large"),
    Case("descriptor-duplicate-key", lambda root: (root / "data" / "datapackage.json").write_text(
        (root / "data" / "datapackage.json").read_text().replace('"name": "sources",',
                                                                 '"name": "sources", "name": "x",', 1)),
         "data/datapackage.json", "package-error", "deliveries", "appears twice"),
    # --- files: regular files only, never blocking, never following a link
    Case("table-is-a-fifo", _replace_table(_fifo), "data/peers.csv", "scheme-error", "peers", "named pipe"),
    Case("table-is-a-folder", _replace_table(_folder), "data/peers.csv", "scheme-error", "peers", "folder"),
    Case("table-is-a-symlink-inside", _replace_table(_symlink_inside), "data/peers.csv", "scheme-error",
         "peers", "symbolic link"),
    Case("table-is-a-symlink-outside", _replace_table(_symlink_outside), "data/peers.csv", "scheme-error",
         "peers", "symbolic link"),
    Case("table-is-a-symlink-loop", _replace_table(_symlink_loop), "data/peers.csv", "scheme-error",
         "peers", "symbolic link"),
    Case("table-is-huge", _replace_table(_huge), "data/peers.csv", "source-error", "peers", "bytes"),
    Case("descriptor-is-a-fifo", lambda root: (root / "data" / "datapackage.json").unlink() or
         os.mkfifo(root / "data" / "datapackage.json"), "data/datapackage.json", "package-error", "deliveries",
         "named pipe"),
    Case("descriptor-is-a-symlink", lambda root: os.rename(root / "data" / "datapackage.json",
                                                            root / "dp.json") or
         os.symlink(root / "dp.json", root / "data" / "datapackage.json"),
         "data/datapackage.json", "package-error", "deliveries", "symbolic link"),
    Case("data-folder-is-a-symlink-loop", lambda root: os.rename(root / "data", root / "data-real") or
         os.symlink("data", root / "data"), "ROOT", "scheme-error", "deliveries", "no data/ folder"),
    # --- confinement of the paths sources.csv names
    Case("seed-path-parent", seed_path("seeds/../../etc/passwd"), "data/sources.csv", "source-registry",
         "sources", "'..'"),
    Case("seed-path-absolute", seed_path(lambda root: str(secret_file(root))), "data/sources.csv",
         "source-registry", "sources", "absolute"),
    Case("seed-path-outside-seeds", seed_path("data/deliveries.csv"), "data/sources.csv", "source-registry",
         "sources", "not inside seeds/"),
    Case("seed-path-cell-invalid", seed_path("=1"), "data/sources.csv", "forbidden-value", "deliveries",
         "formula"),       # the fact rows citing that seed must not crash on its missing path
    Case("seed-is-a-symlink-outside", lambda root: (root / "seeds" / "000_fbb6e871b8b549d0.txt").unlink() or
         os.symlink(secret_file(root), root / "seeds" / "000_fbb6e871b8b549d0.txt"), "data/sources.csv",
         "source-registry", "sources", "symbolic link"),
    Case("seed-is-a-fifo", lambda root: (root / "seeds" / "000_fbb6e871b8b549d0.txt").unlink() or
         os.mkfifo(root / "seeds" / "000_fbb6e871b8b549d0.txt"), "data/sources.csv", "source-registry",
         "sources", "named pipe"),
    Case("notes-are-a-symlink", lambda root: (root / "seeds" / "research" / "external-facts.md").unlink() or
         os.symlink(secret_file(root), root / "seeds" / "research" / "external-facts.md"),
         "seeds/research/external-facts.md", "source-registry", "financials", "symbolic link"),
    Case("research-folder-is-a-symlink", lambda root: os.rename(root / "seeds" / "research", root / "r") or
         os.symlink(root / "r", root / "seeds" / "research"), "seeds/research/external-facts.md",
         "source-registry", "financials", "symbolic link"),
    # --- what sits in data/ besides the tables
    Case("undescribed-json", lambda root: (root / "data" / "extra.json").write_text("{}"), "data/extra.json",
         "package-file"),
    Case("undescribed-csv-upper-case", lambda root: (root / "data" / "EXTRA.CSV").write_text("a\n1\n"),
         "data/EXTRA.CSV", "package-file"),
    Case("undescribed-symlink", lambda root: os.symlink(secret_file(root), root / "data" / "passwd.csv"),
         "data/passwd.csv", "package-file", match="symbolic link"),
    Case("undescribed-fifo", lambda root: os.mkfifo(root / "data" / "pipe.csv"), "data/pipe.csv",
         "package-file", match="named pipe"),
]


# ------------------------------------------------------------ running a case

def _hashes(project: Path) -> dict:
    """Every entry of the project copy and of the folder beside it that
    holds the 'outside' files, by lstat; regular files by content (never
    opens anything else)."""
    out = {}
    for folder, dirs, files in [*os.walk(project), *os.walk(project.parent / f"{project.name}-outside")]:
        for name in sorted(dirs + files):
            p = Path(folder) / name
            st = os.lstat(p)
            out[p] = (stat.S_IFMT(st.st_mode), p.read_bytes() if stat.S_ISREG(st.st_mode) else
                      os.readlink(p) if stat.S_ISLNK(st.st_mode) else None)
    return out


def _child(*args, timeout=TIMEOUT):
    start = time.perf_counter()
    out = run_forked(*args, timeout=timeout)
    return out, time.perf_counter() - start


def _clean_output(text: str):
    assert "Traceback" not in text, text[-2000:]
    assert SECRET not in text, "the content of a file outside the project was printed"
    bad = RAW_CONTROL.search(text)
    assert not bad, f"raw control character U+{ord(bad.group()):04X} printed: {text[:500]!r}"


def test_the_corpus():
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.code in CODES for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_a_located_coded_data_error(case, project_copy):
    where = case.mutate(project_copy)
    line, column = where if isinstance(where, tuple) else (None, None)
    before = _hashes(project_copy)
    path = str(project_copy) if case.path == "ROOT" else case.path

    # verify() and load_table() in a child process
    out, _ = _child("-c", RUNNER, str(project_copy), case.table or "")
    _clean_output(out.stdout + out.stderr)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    _clean_output("\n".join(p[0] + p[4] for p in result["verify"] + [result.get("load") or ["", "", "", "", ""]]))
    ours = [p for p in result["verify"] if p[0] == path and p[3] == case.code and case.match in p[4]]
    assert ours, f"no {case.code} problem for {path} mentioning {case.match!r}: {result['verify']}"
    if line is not None:
        assert any(p[1] == line and (column is None or p[2] == column) for p in ours), \
            f"expected line {line} column {column}: {ours}"
    if case.table:
        assert result["load"] is not None, f"load_table({case.table!r}) accepted it"
    assert _hashes(project_copy) == before


@pytest.mark.slow   # the same corpus through the command line: in `make test`, not in the fast loop
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_on_the_command_line(case, project_copy):
    case.mutate(project_copy)
    before = _hashes(project_copy)
    path = str(project_copy) if case.path == "ROOT" else case.path
    out, _ = _child("-m", "helpers", "check", "--root", str(project_copy))
    _clean_output(out.stdout + out.stderr)
    assert out.returncode == 1
    assert any(line.startswith(path) for line in out.stdout.splitlines()), out.stdout + out.stderr
    assert _hashes(project_copy) == before


# ------------------------------------------------------------ valid inputs stay valid

VALID = [
    ("self-reference", lambda root: descriptor(root, lambda d: res(d, "events")["schema"].update(
        foreignKeys=[*res(d, "events")["schema"]["foreignKeys"],
                     {"fields": "event_id", "reference": {"resource": "", "fields": "event_id"}}]))),
    ("optional-metadata", lambda root: descriptor(root, lambda d: d.update(
        version="0.1.0", keywords=["xiaomi"], homepage="https://example.org"))),
    ("minLength-maxLength", lambda root: descriptor(root, lambda d: fld(d, "events", "title").update(
        constraints={"required": True, "minLength": 3, "maxLength": 300}))),
    ("date-bounds", lambda root: descriptor(root, lambda d: fld(d, "events", "date").update(
        constraints={"minimum": "2000-01-01", "maximum": "2030-12-31"}))),
    ("a-subfolder-in-data", lambda root: (root / "data" / "notes").mkdir()),
]


@pytest.mark.parametrize("name,mutate", VALID, ids=[v[0] for v in VALID])
def test_valid_input_stays_valid(name, mutate, project_copy):
    problems = helpers.verify(project_copy)      # the copy itself is clean (or this test is moot)
    if problems:
        pytest.skip(f"the working tree's data does not verify: {problems[0]}")
    mutate(project_copy)
    assert helpers.verify(project_copy) == []


def test_value_in_quote_survives_extreme_numbers():
    from helpers.provenance import value_in_quote
    assert not value_in_quote(float("inf"), None, "one third of 1" + "0" * 400)
    assert value_in_quote(0.00001, None, "rose 0.00001")
    assert not value_in_quote(1e300, "CNY bn", "9" * 5000)


def test_unreadable_file_says_which_and_why(project_copy):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    p = project_copy / "data" / "peers.csv"
    p.chmod(0)
    try:
        problems = helpers.verify(project_copy)
    finally:
        p.chmod(0o644)
    assert any(e.path == "data/peers.csv" and e.code == "scheme-error" and "permission denied" in e.message
               for e in problems), problems


def test_permission_denied_says_which_file_and_why(project_copy, monkeypatch):
    """As root no file is unreadable, so the refusal is simulated where the file is opened."""
    import errno

    from helpers import paths
    real_open = paths.os.open

    def deny(path, *args, **kwargs):
        if str(path).endswith("peers.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(paths.os, "open", deny)
    problems = helpers.verify(project_copy)
    assert any(e.path == "data/peers.csv" and e.code == "scheme-error" and
               e.message == "cannot be read: permission denied" for e in problems), problems
    with pytest.raises(DataError, match="permission denied"):
        helpers.load_table("peers", root=project_copy)


def test_a_device_is_refused_without_opening_it(project_copy):
    p = project_copy / "data" / "peers.csv"
    p.unlink()
    try:
        os.mknod(p, 0o644 | stat.S_IFCHR, os.makedev(1, 5))     # like /dev/zero: reading it never ends
    except (PermissionError, AttributeError, OSError):
        os.symlink("/dev/zero", p)
    out, _ = _child("-m", "helpers", "check", "--root", str(project_copy))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert re.search(r"^data/peers\.csv: is (a character device|a symbolic link)", out.stdout, re.M), out.stdout


def test_messages_escape_control_characters():
    e = DataError("data/x\x1b.csv", "bad \x1b[31m\u202e\n value", 3, 4, code="type-error")
    assert str(e) == "data/x\\x1b.csv:3:4: bad \\x1b[31m\\u202e\\x0a value"
    assert e.code == "type-error"
    import pickle
    again = pickle.loads(pickle.dumps(e))
    assert (again.path, again.message, again.line, again.column, again.code) == \
        (e.path, e.message, e.line, e.column, e.code)
    assert DataError("x", "y", code="<b>bad code</b>").code == "data-error"


def test_every_problem_of_the_corpus_has_a_known_code():
    assert {c.code for c in CASES} <= set(CODES)


def test_loads_are_cached_and_a_change_is_seen(project_copy, monkeypatch):
    from helpers import loading
    loading.clear_cache()
    monkeypatch.setattr(loading, "_RACY_NS", 0)       # trust fresh timestamps, to test the cache itself
    first = helpers.load_table("deliveries", root=project_copy)
    first.loc[0, "value"] = -1                          # a caller's change does not leak into the cache
    again = helpers.load_table("deliveries", root=project_copy)
    assert again.loc[0, "value"] != -1
    ctx = loading._context(project_copy)[0]
    assert loading._context(project_copy)[0] is ctx     # one context while nothing changed
    set_cell(project_copy, "deliveries", "fact_id", "Not A Slug")
    with pytest.raises(helpers.DataError, match="does not match"):
        helpers.load_table("deliveries", root=project_copy)
    loading.clear_cache()


def test_fresh_files_are_never_served_from_the_cache(project_copy):
    from helpers import loading
    loading.clear_cache()
    helpers.load_table("peers", root=project_copy)
    # within the same clock tick: same size, new content
    rows = read(project_copy, "peers")
    rows[1][0] = rows[1][0][:-1] + ("X" if rows[1][0][-1] != "X" else "Y")
    write(project_copy, "peers", rows)
    with pytest.raises(helpers.DataError, match="does not match"):
        helpers.load_table("peers", root=project_copy)
    loading.clear_cache()


# ------------------------------------------------------------ parity with frictionless

# Descriptor cases Frictionless refuses at the schema level with the same code.
SAME_CODE = ["constraints-as-list", "foreign-keys-as-object", "foreign-key-without-reference",
             "primary-key-as-number", "type-as-list", "type-not-implemented", "constraint-not-implemented",
             "description-not-text", "resources-not-a-list", "resource-name-html", "resource-path-parent",
             "resource-path-absolute", "descriptor-deeply-nested", "descriptor-nan",
             "descriptor-5000-digit-number"]
# Cases Frictionless refuses too, but only once it reads the rows (we refuse the descriptor itself).
BOTH_REFUSE = ["pattern-backreference", "minimum-above-maximum", "enum-of-wrong-type",
               "foreign-key-to-unknown-resource", "foreign-key-to-unknown-field", "field-format-not-implemented",
               "resource-dialect-not-implemented", "field-name-html", "formula-as-column-name",
               "two-resources-one-path", "descriptor-duplicate-key", "resource-path-subfolder"]
# Where this reader is stricter than Frictionless 5, and why.
STRICTER = {
    "pattern-invalid-regex": "Frictionless raises re.error from its row checks",
    "pattern-catastrophic": "Frictionless would run it, however long it takes",
    "minimum-as-string": "Frictionless casts the string; the standard asks for the field's type",
    "minimum-as-boolean": "Frictionless raises TypeError from its row checks",
    "descriptor-1e400": "Frictionless reads Infinity, then raises TypeError",
    "field-keyword-not-implemented": "Frictionless implements bareNumber; this reader does not, so refuses it",
    "schema-keyword-not-implemented": "uniqueKeys is Table Schema 2; this reader does not implement it",
    "missing-values-not-implemented": "Frictionless implements other missing values; this reader does not",
    "resource-encoding-other": "Frictionless would decode latin-1; the project is UTF-8 only",
    "unknown-package-property": "Frictionless allows custom properties; this reader knows a fixed set",
    "title-with-control-characters": "Frictionless allows any text; the project refuses control characters",
    "checked-not-boolean": "'checked' is the project's own property",
    "resource-path-url": "Frictionless would fetch the URL (the project is offline)",
}


def _frictionless_verdict(project: Path):
    import frictionless
    try:
        report = frictionless.validate(str(project / "data" / "datapackage.json"))
    except Exception as e:       # noqa: BLE001 - some shapes make frictionless raise
        return "raised", type(e).__name__
    if report.valid:
        return "valid", None
    return "invalid", [t for t, in report.flatten(["type"])]


def test_every_descriptor_case_is_classified_for_parity():
    ids = {c.id for c in CASES if c.path == "data/datapackage.json" and "fifo" not in c.id
           and "symlink" not in c.id}
    assert ids == set(SAME_CODE) | set(BOTH_REFUSE) | set(STRICTER)


@pytest.mark.parametrize("case_id", SAME_CODE + BOTH_REFUSE)
def test_frictionless_refuses_it_too(case_id, project_copy):
    case = next(c for c in CASES if c.id == case_id)
    case.mutate(project_copy)
    ours = [p for p in helpers.verify(project_copy) if p.path == "data/datapackage.json"]
    assert ours and ours[0].code == case.code
    verdict, detail = _frictionless_verdict(project_copy)
    assert verdict in ("invalid", "raised"), f"frictionless accepts {case_id}"
    if case_id in SAME_CODE:
        assert verdict == "invalid" and detail[0] == case.code, (detail, case.code)
