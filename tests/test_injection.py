"""Hostile data never runs as script and never costs the reader content, and
the build publishes only what the descriptor lists (issue 13, items 3 and 5).

The payloads go into every free-text column of every table and into every
title and description of the descriptor, in a copy of the project; the pages
that show every cell (the evidence appendix, sources and data) are rebuilt
from it and opened in Chromium.
"""
import csv
import io
import json
import os
import subprocess
import sys

import pytest

from booktools.browser import served
from booktools.project import copy_project

MARK = "xevpwned"
PAYLOAD = (f'<img src=x onerror="window.{MARK}=true"><script>window.{MARK}=true</script>'
           f'<!--<script> </script> {MARK}-text')
# (no digits: a typed number in a claim's evidence text is refused before any page is built)
# cells that name files, rows or sources, or that the checker matches against the sources
NOT_FREE_TEXT = {"quote", "quote_origin", "derivation", "source_id", "path", "evidence_ids", "subject_ids",
                 "answer_ref"}


def _free_text_fields(resource):
    # the fields that say which quantity a row reports (xev.sameQuantity) are identifiers too:
    # a payload in them changes which rows the fact-check may compare, not just what is shown
    identifiers = set(resource.get("xev", {}).get("sameQuantity", []))
    for f in resource["schema"]["fields"]:
        c = f.get("constraints", {})
        if (f["type"] == "string" and f["name"] not in NOT_FREE_TEXT | identifiers and not f.get("checked")
                and "pattern" not in c and "enum" not in c and f["name"] not in resource["schema"]["primaryKey"]):
            yield f["name"]


def poison(root):
    """Put the payload into the first non-empty cell of every free-text column, and into
    every title and description of the descriptor. Returns the number of cells poisoned."""
    path = root / "data" / "datapackage.json"
    descriptor = json.loads(path.read_text("utf-8"))
    poisoned = 0
    for res in descriptor["resources"]:
        res["title"] = f"{res['title']} {PAYLOAD}"
        res["description"] = f"{res['description']} {PAYLOAD}"
        for f in res["schema"]["fields"]:
            f["description"] = f"{f.get('description', '')} {PAYLOAD}"
        table = root / "data" / res["path"]
        rows = list(csv.DictReader(io.StringIO(table.read_text("utf-8"))))
        header = list(rows[0]) if rows else []
        for field in _free_text_fields(res):
            row = next((r for r in rows if r[field]), None)
            if row is not None:
                row[field] = f"{row[field]} {PAYLOAD}"
                poisoned += 1
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        table.write_text(out.getvalue(), "utf-8")
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return poisoned


def build(root, *notebooks):
    env = {**os.environ, "XIAOMI_EV_ROOT": str(root)}
    args = [sys.executable, str(root / "book" / "booktools" / "build.py")]
    if notebooks:
        args += ["--only", *notebooks]
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=root)


@pytest.mark.slow
def test_payloads_in_every_text_column_are_shown_as_text(tmp_path, browser):
    root = copy_project(tmp_path / "project")
    assert poison(root) >= 20
    check = subprocess.run([sys.executable, "-m", "helpers", "check"], capture_output=True, text=True,
                           env={**os.environ, "XIAOMI_EV_ROOT": str(root)})
    assert check.returncode == 0, check.stdout + check.stderr          # text is text: the data is valid
    out = build(root, "evidence.ipynb", "sources-and-data.ipynb")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    html = root / "book" / "_build" / "html"
    tables = json.loads((root / "data" / "datapackage.json").read_text("utf-8"))["resources"]
    fact_rows = sum(len(list(csv.DictReader(io.StringIO((root / "data" / r["path"]).read_text("utf-8")))))
                    for r in tables if r["name"] != "sources")
    with served(html) as base:
        dialogs = []
        for name in ("evidence", "sources-and-data"):
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"{base}{name}.html", wait_until="networkidle")
            assert page.evaluate(f"() => window.{MARK}") is None, f"{name}: a payload ran as script"
            assert not dialogs
            text = page.evaluate("() => document.querySelector('article').innerText")
            assert f"{MARK}-text" in text and "onerror=" in text, f"{name}: the payload is not shown as text"
            assert page.locator("footer").count() > 0, f"{name}: the page was cut short"
            if name == "evidence":
                assert page.locator(".xev-entry").count() == fact_rows, "evidence entries were lost"
            else:
                last = tables[-1]["name"]
                assert page.locator(f"#table-{last}").count() == 1, "the last table's section was lost"
            page.close()


@pytest.mark.slow
def test_build_publishes_only_described_regular_tables(tmp_path):
    root = copy_project(tmp_path / "project")
    # the publishing step is under test: the build considers one current notebook only, so it
    # executes nothing (a CSV in data/ makes the pages that read every table stale) and the
    # refusal can only come from publishing
    (root / "data" / "stray.json").write_text("{}", "utf-8")
    out = build(root, "index.ipynb")
    assert out.returncode != 0 and "stray.json" in out.stdout + out.stderr
    (root / "data" / "stray.json").unlink()
    (root / "data" / "passwd.csv").symlink_to("/etc/passwd")
    out = build(root, "index.ipynb")
    assert "nothing to execute" in out.stdout, out.stdout
    assert out.returncode != 0 and "passwd.csv" in out.stdout + out.stderr
    published = root / "book" / "_static" / "data"
    assert not (published / "passwd.csv").exists() and not (published / "stray.json").exists()
