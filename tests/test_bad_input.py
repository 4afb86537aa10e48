"""Bad and hostile input (issues 13 and 16): every malformed or hostile input
gives exactly the located DataErrors listed for it, each with its stable code,
or is valid; nothing else escapes.

Every case mutates a throw-away copy of the real tables (so the corpus cannot
drift from the real schema) the way an attacker or a careless contributor
would, then runs verify() and load_table() and asserts:

- verify() reports exactly the case's list of problems, in order: the one the
  case is about (file, code, words of its message, and the line and column
  the mutation points at) and every other one it causes (``also``), and
  nothing more;
- load_table() of the case's table raises a DataError;
- no traceback, no raw control character in a message, the content of a file
  outside the project never echoed, and no file changed.

A handful of cases also run through `python -m helpers check` (CLI_CASES):
its output is verify()'s list, one line each. How long a run takes is
measured in bench/, not here.
"""
import csv
import io
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import helpers
from conftest import run_forked
from helpers.data.errors import CODES, DataError

SECRET = "root:x:0:0"                 # what /etc/passwd-like targets hold: must never be printed
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


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


def seed_quoted(r):
    return r["source_id"].startswith("seed-") and not r["derivation"]


def external_quoted(r):
    return r["source_id"].startswith("ext-") and r["quote_origin"] == "verbatim"


def undervived(column):
    return lambda r: r[column] != "" and f"{column}:" not in r["derivation"]


def bump_number(text):
    return str(int(text) + 1) if "." not in text else f"{float(text) + 1:g}"


# ------------------------------------------------------------ expected problems

@dataclass(frozen=True)
class P:
    """One expected problem: the file it names, its code, words its message contains."""
    path: str
    code: str
    match: str = ""


def unchecked(*tables: str, times: int = 1) -> list[P]:
    """The 'quote: cannot be checked' problems of these tables, ``times`` each
    (said once per table and unreadable source)."""
    return [P(f"data/{t}.csv", "quote-error", "quote: cannot be checked") for t in tables for _ in range(times)]


# A claim whose subject row is gone, and a 'consistent' verdict left without its
# evidence: the fact-check's own problems when a table it cites breaks.
SUBJECT_GONE = P("data/claims.csv", "foreign-key", "subject_ids: no row")
UNBACKED_CONSISTENT = P("data/claims.csv", "claim-error", "no evidence row reports the same quantity")


# ------------------------------------------------------------ the cases

@dataclass
class Case:
    id: str
    mutate: Callable[[Path], tuple | None]    # returns (line, column) where the error must be, or None
    path: str                                 # the file the error must name ("ROOT": the project folder)
    code: str                                 # its code
    table: str | None = None                  # load_table(table) must raise a DataError
    match: str = ""                           # words the message must contain
    also: list[P] = ()                        # every other problem verify() reports, in order, after it
    before: list[P] = ()                      # ... and before it

    def expected(self, root: Path) -> list[P]:
        path = str(root) if self.path == "ROOT" else self.path
        return [*self.before, P(path, self.code, self.match), *self.also]


def cell(id, table, column, value, code, where=lambda r: True, match="", **expect):
    return Case(id, lambda root: set_cell(root, table, column, value, where), f"data/{table}.csv", code,
                table, match, **expect)


def desc(id, edit, code, match="", **expect):
    return Case(id, lambda root: descriptor(root, edit), "data/datapackage.json", code, "deliveries", match,
                **expect)


def header_case(id, table, edit, code, match, column=None, **expect):
    def mutate(root):
        rows = read(root, table)
        edit(rows)
        write(root, table, rows)
        return (1, column)
    return Case(id, mutate, f"data/{table}.csv", code, table, match, **expect)


def rows_case(id, table, edit, code, match, **expect):
    def mutate(root):
        rows = read(root, table)
        line = edit(rows)
        write(root, table, rows)
        return (line, None) if line else None
    return Case(id, mutate, f"data/{table}.csv", code, table, match, **expect)


def bytes_case(id, relpath, edit, code, table, match, where=None, **expect):
    def mutate(root):
        raw_edit(root, relpath, edit)
        return where
    return Case(id, mutate, relpath, code, table, match, **expect)


def seed_path(value):
    return lambda root: set_cell(root, "sources", "path", value(root) if callable(value) else value,
                                 lambda r: r["kind"] == "seed")


def _dup_first_key(rows):
    rows[2][0] = rows[1][0]
    return 3


def _drop_last_cell(rows):
    rows[1] = rows[1][:-1]
    return 2


def _extra_cell(rows):
    rows[1] = rows[1] + ["surplus"]
    return 2


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


CASES = [
    # --- wrong types
    cell("integer-not-a-number", "deliveries", "value", "abc", "type-error", match="not an integer"),
    cell("integer-with-decimals", "deliveries", "value", "1.5", "type-error", match="not an integer"),
    cell("integer-with-separator", "deliveries", "value", "29,000", "type-error", match="not an integer"),
    cell("number-with-percent-sign", "financials", "value", lambda v: v + "%", "type-error", match="not a plain number"),
    cell("number-nan", "financials", "value", "nan", "type-error", match="not a plain number"),
    cell("number-text", "peers", "value", "about 5", "type-error", match="not a plain number"),
    # --- dates
    cell("date-impossible", "events", "date", "2025-02-30", "type-error", lambda r: r["date"], match="not a real date"),
    cell("date-not-iso", "events", "date", "29/03/2025", "type-error", lambda r: r["date"], match="not an ISO date"),
    cell("date-partial", "sources", "published", "2025-03", "type-error", lambda r: r["published"], match="not an ISO date"),
    # --- constraints
    cell("negative-count", "deliveries", "value", "-5", "constraint-error", lambda r: r["value"], match="below the minimum"),
    cell("percentage-over-100", "recalls", "share_of_fleet_pct", "150", "constraint-error",
              lambda r: r["share_of_fleet_pct"], match="above the maximum"),
    cell("percentage-share-negative", "financials", "value", "-3", "value-error",
              lambda r: r["unit"] == "%", match="between 0 and 100", also=[P("data/financials.csv", "value-error", "is not in the quote")]),
    cell("percent-change-below-minus-100", "deliveries", "change_pct", "-150", "constraint-error",
              lambda r: r["change_pct"], match="below the minimum"),
    cell("enum-violation", "deliveries", "qualifier", "approx", "constraint-error", match="is not one of"),
    cell("unknown-unit", "financials", "unit", "RMB", "constraint-error", match="is not one of"),
    cell("required-empty", "events", "title", "", "constraint-error", match="required value is empty"),
    cell("pattern-violation", "deliveries", "fact_id", "Not A Slug", "constraint-error", match="does not match", also=[SUBJECT_GONE, UNBACKED_CONSISTENT]),
    cell("unknown-source-kind", "sources", "kind", "blog", "constraint-error", match="is not one of", also=[P("seeds/000_fbb6e871b8b549d0.txt", "source-registry", "seed document has no row"), *[P("data/events.csv", "quote-error", "quote: not found in")] * 3, *[P("data/deliveries.csv", "quote-error", "quote: not found in")] * 2, *[P("data/company_facts.csv", "quote-error", "quote: not found in")] * 3, *[P("data/claims.csv", "quote-error", "quote: not found in")] * 3]),
    # --- keys and references
    rows_case("duplicate-key", "deliveries", _dup_first_key, "unique-error", "already used", also=[SUBJECT_GONE, UNBACKED_CONSISTENT]),
    cell("trailing-space-in-key", "deliveries", "fact_id", lambda v: v + " ", "constraint-error", match="white space", also=[SUBJECT_GONE, UNBACKED_CONSISTENT]),
    cell("leading-space-in-key", "tariffs", "fact_id", lambda v: " " + v, "constraint-error", match="white space", also=[SUBJECT_GONE]),
    cell("unknown-source-id", "deliveries", "source_id", "seed-nowhere", "foreign-key", match="not in data/sources.csv"),
    cell("duplicate-source-id", "sources", "source_id", "seed-livestream", "unique-error",
              lambda r: r["source_id"] == "seed-ainvest", match="already used", also=[P("data/events.csv", "foreign-key", "is not in data/sources.csv"), *[P("data/events.csv", "quote-error", "quote: not found in")] * 3, *[P("data/deliveries.csv", "foreign-key", "is not in data/sources.csv")] * 3, *[P("data/deliveries.csv", "quote-error", "quote: not found in")] * 2, *[P("data/recalls.csv", "foreign-key", "is not in data/sources.csv")] * 2, *[P("data/market_reaction.csv", "foreign-key", "is not in data/sources.csv")] * 3, *[P("data/company_facts.csv", "foreign-key", "is not in data/sources.csv")] * 2, *[P("data/company_facts.csv", "quote-error", "quote: not found in")] * 3, *[P("data/claims.csv", "foreign-key", "is not in data/sources.csv")] * 12, *[P("data/claims.csv", "quote-error", "quote: not found in")] * 3]),
    # --- provenance
    cell("seed-quote-not-in-seed", "deliveries", "quote", lambda q: q.replace(q.split()[0], "Zebra", 1), "quote-error",
              seed_quoted, match="not found in seeds/"),
    cell("external-quote-not-in-notes", "financials", "quote", lambda q: q + " zebra", "quote-error",
              external_quoted, match="not found in seeds/research"),
    cell("value-not-in-quote", "deliveries", "value", bump_number, "value-error", undervived("value"), match="not in the quote"),
    cell("number-not-in-quote", "ecosystem", "value", bump_number, "value-error", undervived("value"), match="not in the quote"),
    cell("date-not-in-quote", "tariffs", "effective", "2019-05-17", "value-error", undervived("effective"),
              match="not in the quote"),
    cell("empty-quote", "deliveries", "quote", "", "constraint-error", match="required value is empty"),
    cell("quote-only-ellipsis", "peers", "quote", "…", "quote-error", match="empty once elisions", also=[P("data/peers.csv", "value-error", "is not in the quote")]),
    cell("derivation-unknown-field", "deliveries", "derivation", "colour: made up", "value-error", match="not a checked field"),
    # --- spreadsheet formula injection in text cells
    cell("formula-equals", "events", "title", "=HYPERLINK(\"http://x\")", "forbidden-value", match="formula"),
    cell("formula-plus", "peers", "model", "+1+1", "forbidden-value", match="formula"),
    cell("formula-minus", "tariffs", "measure", "-2+3", "forbidden-value", match="formula"),
    cell("formula-at", "sources", "notes", "@SUM(A1)", "forbidden-value", match="formula"),
    cell("formula-tab", "ecosystem", "as_of_label", "\tx", "constraint-error", match="white space"),
    # --- columns
    header_case("missing-column", "deliveries", lambda rows: [r.pop(rows[0].index("qualifier")) for r in rows[::-1]], "missing-label",
                "missing column", also=[*[UNBACKED_CONSISTENT] * 3]),
    header_case("extra-column", "deliveries", lambda rows: [r.append("x") for r in rows] and rows[0].__setitem__(-1, "comment"), "extra-label",
                "unknown column", column=None, also=[*[UNBACKED_CONSISTENT] * 3]),
    header_case("duplicate-header", "peers", lambda rows: rows[0].__setitem__(1, rows[0][0]), "duplicate-label", "appears twice", column=2),
    header_case("columns-reordered", "tariffs", lambda rows: [r.insert(0, r.pop(1)) for r in rows], "incorrect-label", "order"),
    header_case("header-with-space", "ev_market", lambda rows: rows[0].__setitem__(0, rows[0][0] + " "), "incorrect-label",
                "white space", column=1, also=[UNBACKED_CONSISTENT]),
    rows_case("too-few-cells", "financials", _drop_last_cell, "missing-cell", "cells", also=[*[SUBJECT_GONE] * 2]),
    rows_case("too-many-cells", "ecosystem", _extra_cell, "extra-cell", "cells", also=[SUBJECT_GONE]),
    # --- bytes and encodings
    bytes_case("utf8-bom", "data/deliveries.csv", lambda b: b"\xef\xbb\xbf" + b, "encoding-error", "deliveries",
               "byte order mark", where=(1, 1), also=[*[UNBACKED_CONSISTENT] * 3]),
    bytes_case("crlf-line-ends", "data/peers.csv", lambda b: b.replace(b"\n", b"\r\n"), "format-error", "peers",
               "line ends", where=(1, None)),
    bytes_case("invalid-utf8", "data/financials.csv", lambda b: b.replace(b"\n", b"\n\xff\xfe", 1), "encoding-error", "financials",
               "invalid UTF-8", where=(2, 1), also=[UNBACKED_CONSISTENT]),
    bytes_case("nul-byte", "data/ecosystem.csv", lambda b: b.replace(b"\n", b"\n\x00", 1), "format-error", "ecosystem",
               "NUL", where=(2, None)),
    bytes_case("empty-file", "data/tariffs.csv", lambda b: b"", "source-error", "tariffs", "empty"),
    bytes_case("unterminated-quote", "data/ev_market.csv", lambda b: b.rstrip(b"\n") + b',"open\n', "format-error", "ev_market",
               "malformed CSV", also=[UNBACKED_CONSISTENT]),
    bytes_case("blank-line-inside", "data/peers.csv", lambda b: b.replace(b"\n", b"\n\n", 1), "blank-row", "peers",
               "blank line", where=(2, None)),
    bytes_case("cell-spanning-lines", "data/events.csv",
               lambda b: b.replace(b"\n", b"\n", 1).replace(b",verbatim,", b",\"verb\natim\",", 1), "constraint-error", "events",
               "spans several lines"),
    # --- files
    Case("missing-table-file", lambda root: (root / "data" / "peers.csv").unlink(), "data/peers.csv", "package-file", "peers",
         "not on disk"),
    Case("table-not-in-descriptor", lambda root: (root / "data" / "extra.csv").write_text("a\n1\n"),
         "data/extra.csv", "package-file", None, "not described"),
    Case("table-in-descriptor-not-on-disk",
         lambda root: desc("", lambda d: d["resources"].append(
             {**d["resources"][1], "name": "ghost", "path": "ghost.csv"}), "").mutate(root),
         "data/ghost.csv", "package-file", "ghost", "not on disk"),
    Case("descriptor-invalid-json", lambda root: raw_edit(root, "data/datapackage.json", lambda b: b[:-20]) or (None, None),
         "data/datapackage.json", "package-error", "deliveries", "invalid JSON"),
    desc("descriptor-unknown-type", lambda d: d["resources"][2]["schema"]["fields"][1].update(type="geopoint"), "field-error",
                    "supported"),
    Case("descriptor-missing", lambda root: (root / "data" / "datapackage.json").unlink(),
         "data/datapackage.json", "package-error", "deliveries", "missing"),
    Case("seed-file-missing", lambda root: (root / "seeds" / "001_bc372e0070c9f2d8.txt").unlink(),
         "data/sources.csv", "source-registry", "sources", "missing", also=[*unchecked("events", "deliveries", "recalls", "market_reaction", "company_facts", "claims")]),
    Case("seed-not-registered", lambda root: (root / "seeds" / "005_new.txt").write_text("x"),
         "seeds/005_new.txt", "source-registry", "sources", "no row"),
    Case("research-notes-missing", lambda root: (root / "seeds" / "research" / "external-facts.md").unlink(),
         "data/financials.csv", "quote-error", "financials", "cannot be checked", before=[P("seeds/research/external-facts.md", "source-registry", "research notes"), *unchecked("events", "deliveries", "recalls")], also=[*unchecked("ecosystem", "market_reaction", "tariffs", "ev_market", "company_facts", "watch_items", "searches", "incidents")]),
    cell("external-source-without-confidence", "sources", "confidence", "", "source-registry",
              lambda r: r["kind"] == "external", match="confidence"),
    cell("claim-evidence-unknown-row", "claims", "evidence_ids", "deliveries:no-such-row", "foreign-key",
              match="no row", also=[*[P("data/claims.csv", "claim-error", "is not one of evidence_ids")] * 7, UNBACKED_CONSISTENT]),
    cell("claim-evidence-number-unsupported", "claims", "evidence", "It was 123457 cars.", "claim-error",
              lambda r: r["evidence_ids"], match="is typed"),
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
    cell("key-with-bell", "deliveries", "fact_id", "del\x07x", "forbidden-value", match="U+0007", also=[SUBJECT_GONE, UNBACKED_CONSISTENT]),
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
         match="too long", also=[SUBJECT_GONE, UNBACKED_CONSISTENT]),
    # --- keys
    cell("foreign-key-generic", "deliveries", "source_id", "seed-nowhere", "foreign-key",
         match="not in data/sources.csv"),
    Case("foreign-key-self-reference", lambda root: descriptor(root, lambda d: res(d, "events")["schema"].update(
        foreignKeys=[{"fields": "category", "reference": {"resource": "", "fields": "event_id"}}])),
        "data/events.csv", "foreign-key", "events", "not in data/events.csv", also=[*[P("data/events.csv", "foreign-key", "is not in data/events.csv")] * 73]),
    Case("primary-key-empty", lambda root: descriptor(root, lambda d: res(d, "peers")["schema"].update(
        primaryKey=["fact_id", "model"])), "data/peers.csv", "primary-key", "peers", "may not be empty", also=[*[P("data/peers.csv", "primary-key", "may not be empty")] * 10]),
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
         "sources", "'..'", also=[P("seeds/000_fbb6e871b8b549d0.txt", "source-registry", "seed document has no row"), *unchecked("events", "deliveries", "company_facts", "claims")]),
    Case("seed-path-absolute", seed_path(lambda root: str(secret_file(root))), "data/sources.csv",
         "source-registry", "sources", "absolute", also=[P("seeds/000_fbb6e871b8b549d0.txt", "source-registry", "seed document has no row"), *unchecked("events", "deliveries", "company_facts", "claims")]),
    Case("seed-path-outside-seeds", seed_path("data/deliveries.csv"), "data/sources.csv", "source-registry",
         "sources", "not inside seeds/", also=[P("seeds/000_fbb6e871b8b549d0.txt", "source-registry", "seed document has no row"), *unchecked("events", "deliveries", "company_facts", "claims")]),
    Case("seed-path-cell-invalid", seed_path("=1"), "data/sources.csv", "forbidden-value", "deliveries",
         "formula", also=[P("data/sources.csv", "source-registry", "seed source needs a path"), P("seeds/000_fbb6e871b8b549d0.txt", "source-registry", "seed document has no row")]),
    Case("seed-is-a-symlink-outside", lambda root: (root / "seeds" / "000_fbb6e871b8b549d0.txt").unlink() or
         os.symlink(secret_file(root), root / "seeds" / "000_fbb6e871b8b549d0.txt"), "data/sources.csv",
         "source-registry", "sources", "symbolic link", also=[*unchecked("events", "deliveries", "company_facts", "claims")]),
    Case("seed-is-a-fifo", lambda root: (root / "seeds" / "000_fbb6e871b8b549d0.txt").unlink() or
         os.mkfifo(root / "seeds" / "000_fbb6e871b8b549d0.txt"), "data/sources.csv", "source-registry",
         "sources", "named pipe", also=[*unchecked("events", "deliveries", "company_facts", "claims")]),
    Case("notes-are-a-symlink", lambda root: (root / "seeds" / "research" / "external-facts.md").unlink() or
         os.symlink(secret_file(root), root / "seeds" / "research" / "external-facts.md"),
         "seeds/research/external-facts.md", "source-registry", "financials", "symbolic link", also=[*unchecked("events", "deliveries", "recalls", "financials", "ecosystem", "market_reaction", "tariffs", "ev_market", "company_facts", "watch_items", "searches", "incidents")]),
    Case("research-folder-is-a-symlink", lambda root: os.rename(root / "seeds" / "research", root / "r") or
         os.symlink(root / "r", root / "seeds" / "research"), "seeds/research/external-facts.md",
         "source-registry", "financials", "symbolic link", also=[P("seeds/research/2026-business.md", "source-registry", "research notes"), P("seeds/research/2026-trust-global.md", "source-registry", "research notes"), P("seeds/research/2026-refinements.md", "source-registry", "research notes"), *unchecked("events", "deliveries", "recalls", "financials", "ecosystem", "peers", "market_reaction", "tariffs", "ev_market", "company_facts", "watch_items", "searches", "standards", "incidents", times=4)]),
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


def _clean_output(text: str):
    assert "Traceback" not in text, text[-2000:]
    assert SECRET not in text, "the content of a file outside the project was printed"
    bad = RAW_CONTROL.search(text)
    assert not bad, f"raw control character U+{ord(bad.group()):04X} printed: {text[:500]!r}"


def _as_expected(problems: list[DataError], expected: list[P]) -> list[tuple]:
    """``problems`` written like ``expected``: (path, code, the expected words
    when the message holds them, else the whole message), so that one list
    comparison shows every missing, extra or different problem."""
    out = []
    for i, p in enumerate(problems):
        words = expected[i].match if i < len(expected) else None
        out.append((p.path, p.code, words if words is not None and words in p.message else p.message))
    return out


def _located(problem: DataError, where) -> bool:
    line, column = where if isinstance(where, tuple) else (None, None)
    return line is None or (problem.line == line and (column is None or problem.column == column))


def test_the_corpus():
    assert len(CASES) >= 160
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.code in CODES and all(p.code in CODES for p in [*c.before, *c.also]) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_exactly_its_located_errors(case, project_copy):
    where = case.mutate(project_copy)
    before = _hashes(project_copy)
    expected = case.expected(project_copy)

    problems = helpers.verify(project_copy)
    assert all(isinstance(p, DataError) for p in problems)
    assert _as_expected(problems, expected) == [(e.path, e.code, e.match) for e in expected]
    ours = problems[len(case.before)]
    assert _located(ours, where), f"expected line and column {where}: {ours}"
    _clean_output("\n".join(p.path + p.message for p in problems))

    if case.table:
        with pytest.raises(DataError) as raised:
            helpers.load_table(case.table, root=project_copy)
        _clean_output(raised.value.path + raised.value.message)
        assert raised.value.path in {p.path for p in problems} | {"data/sources.csv", "data/datapackage.json"}
    assert _hashes(project_copy) == before


# A handful of cases through the command line: a cell, control characters in a
# message, a link to a file outside the project, a pipe that must not block the
# reader, a broken descriptor, a project folder that is not one, and the most
# problems at once.
CLI_CASES = ["integer-not-a-number", "text-escape-sequence", "seed-path-absolute", "table-is-a-fifo",
             "descriptor-invalid-json", "data-folder-is-a-symlink-loop", "research-folder-is-a-symlink"]


@pytest.mark.parametrize("case_id", CLI_CASES)
def test_the_command_line_prints_the_same_problems(case_id, project_copy):
    case = next(c for c in CASES if c.id == case_id)
    case.mutate(project_copy)
    before = _hashes(project_copy)
    out = run_forked("-m", "helpers", "check", "--root", str(project_copy))
    _clean_output(out.stdout + out.stderr)
    assert out.returncode == 1
    problems = helpers.verify(project_copy)
    assert out.stdout.splitlines() == [str(p) for p in problems]
    assert out.stderr == f"{len(problems)} problem(s) found\n"
    assert len(problems) == len(case.expected(project_copy))
    assert _hashes(project_copy) == before


def test_a_device_is_refused_without_opening_it(project_copy):
    p = project_copy / "data" / "peers.csv"
    p.unlink()
    try:
        os.mknod(p, 0o644 | stat.S_IFCHR, os.makedev(1, 5))     # like /dev/zero: reading it never ends
    except (PermissionError, AttributeError, OSError):
        os.symlink("/dev/zero", p)
    out = run_forked("-m", "helpers", "check", "--root", str(project_copy))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert re.search(r"^data/peers\.csv: is (a character device|a symbolic link)", out.stdout, re.M), out.stdout


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
    from helpers.data.provenance import value_in_quote
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
    assert [(e.path, e.code, e.message) for e in problems] == \
        [("data/peers.csv", "scheme-error", "cannot be read: permission denied")]


def test_permission_denied_says_which_file_and_why(project_copy, monkeypatch):
    """As root no file is unreadable, so the refusal is simulated where the file is opened."""
    import errno

    from helpers.data import paths
    real_open = paths.os.open

    def deny(path, *args, **kwargs):
        if str(path).endswith("peers.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(paths.os, "open", deny)
    problems = helpers.verify(project_copy)
    assert [(e.path, e.code, e.message) for e in problems] == \
        [("data/peers.csv", "scheme-error", "cannot be read: permission denied")]
    with pytest.raises(DataError, match="permission denied"):
        helpers.load_table("peers", root=project_copy)


# ------------------------------------------------------------ parity with frictionless (slow)

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
               "two-resources-one-path", "descriptor-duplicate-key", "resource-path-subfolder",
               "descriptor-unknown-type"]
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
# Descriptor cases about the file, not its content: nothing to compare.
FILE_CASES = {"descriptor-invalid-json", "descriptor-missing", "descriptor-is-a-fifo", "descriptor-is-a-symlink"}


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
    ids = {c.id for c in CASES if c.path == "data/datapackage.json"} - FILE_CASES
    assert ids == set(SAME_CODE) | set(BOTH_REFUSE) | set(STRICTER)


@pytest.mark.slow   # frictionless reads the whole package for each case: seconds each
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
