"""The fact-check is held to the tables (helpers.pages.factcheck, helpers.data.checks.check_verdicts):
a verdict cannot ignore a row that reports the claim's quantity, "consistent"
needs a row of the same scope and measure, and "no other source" is computed,
never typed. Each rule is shown to fail on a copy of the project."""
import csv
import io

import pytest

import helpers
from booktools.project import copy_project
from helpers.pages import evidence, factcheck


def _rows(root, table):
    return list(csv.DictReader(io.StringIO((root / "data" / f"{table}.csv").read_text("utf-8"))))


def _append_claim(root, **cells):
    path = root / "data" / "claims.csv"
    text = path.read_text("utf-8")
    header = next(csv.reader(io.StringIO(text)))
    row = {c: "" for c in header} | cells
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row[c] for c in header])
    path.write_text(text + ("" if text.endswith("\n") else "\n") + buf.getvalue(), "utf-8")
    return len(text.splitlines()) + 1, header


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "copy", parts=("data", "seeds", "CITATION.cff"))


def _seed_row_with_a_peer():
    """A seed's row in a comparable table, another source's row reporting the same
    quantity, and a row of the same table that reports another quantity."""
    kinds = helpers.sources().set_index("source_id")["kind"]
    for table in [t for t in helpers.list_tables() if evidence.comparable(t)]:
        rows = evidence.raw_rows(table)
        for key, cells in rows.items():
            if kinds.get(cells["source_id"]) != "seed":
                continue
            peers = [k for k in evidence.same_quantity(table, key)
                     if kinds.get(rows[k]["source_id"]) != "seed" and rows[k]["source_id"] != cells["source_id"]]
            if not peers:
                continue
            other = next(k for k in rows if k != key and k not in peers and k not in evidence.same_quantity(table, key))
            return table, key, peers[0], other
    raise LookupError("no seed row with a same-quantity peer")


def _claim(table, key, verdict, evidence_ids, text):
    quote = evidence.raw_rows(table)[key]["quote"]
    return dict(claim_id="test-claim", chapter="recalls", claim="A test claim.", verdict=verdict,
                evidence=text, evidence_ids=evidence_ids, subject_ids=f"{table}:{key}",
                source_id=evidence.raw_rows(table)[key]["source_id"], quote=quote, quote_origin="verbatim")


def _claim_errors(root):
    return [e for e in helpers.verify(root) if e.path.endswith("claims.csv")]


def _errors_with(root, claim):
    """Append ``claim`` to the copy's claims; its line, the claims header, and the errors."""
    line, header = _append_claim(root, **claim)
    return line, header, _claim_errors(root)


def test_the_real_fact_check_passes():
    assert _claim_errors(None) == []


def test_a_typed_no_other_source_is_refused(project):
    table, key, peer, _ = _seed_row_with_a_peer()
    line, header, errors = _errors_with(project, _claim(table, key, "consistent", f"{table}:{peer}",
                                                        "No other source in our tables gives this figure."))
    assert [(e.line, e.column) for e in errors] == [(line, header.index("evidence") + 1)], errors
    assert "typed" in errors[0].message


def test_unverified_ignoring_a_same_quantity_row_is_refused(project):
    table, key, peer, _ = _seed_row_with_a_peer()
    line, header, errors = _errors_with(project, _claim(table, key, "unverified", "", "The seed says so."))
    assert errors and {(e.line, e.column) for e in errors} == {(line, header.index("verdict") + 1)}, errors
    assert any(f"{table}:{peer}" in e.message for e in errors)


def test_consistent_on_another_quantity_is_refused(project):
    table, key, peer, other = _seed_row_with_a_peer()
    _append_claim(project, **_claim(table, key, "consistent", f"{table}:{other} {table}:{peer}",
                                    "Another row agrees."))
    assert _claim_errors(project) == []          # with a same-quantity row it stands
    project2 = project.parent / "copy2"
    copy_project(project2, parts=("data", "seeds", "CITATION.cff"))
    line, header, errors = _errors_with(project2, _claim(table, key, "consistent", f"{table}:{other}",
                                                         "A row of another scope agrees."))
    assert [(e.line, e.column) for e in errors] == [(line, header.index("verdict") + 1)], errors
    assert "same quantity" in errors[0].message


def test_others_sentence_is_computed_from_the_tables(monkeypatch):
    from helpers.pages import page as page_module

    monkeypatch.setattr(page_module, "_glue", lambda *a, **k: None)
    table, key, peer, _ = _seed_row_with_a_peer()
    p = page_module.Page("test-page", "Test")
    html = factcheck.others_html(p, {"claim_id": "x", "subject_ids": f"{table}:{key}"})
    assert evidence.href(table, peer) in html
    kinds = helpers.sources().set_index("source_id")["kind"]
    tables = [t for t in helpers.list_tables() if evidence.comparable(t)]
    lonely = next((t, k) for t in tables for k, c in evidence.raw_rows(t).items()
                  if kinds.get(c["source_id"]) == "seed" and not [
                      o for o in evidence.same_quantity(t, k)
                      if kinds.get(evidence.raw_rows(t)[o]["source_id"]) != "seed"])
    assert factcheck.others_html(p, {"claim_id": "y", "subject_ids": f"{lonely[0]}:{lonely[1]}"}) \
        .startswith("No other source in our tables reports the same quantity")
    assert factcheck.others_html(p, {"claim_id": "z", "subject_ids": ""}) == ""
