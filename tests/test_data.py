"""The real data: every table loads typed and documented, and every quote
and value checks out."""
import json
import subprocess
import sys

import pandas as pd
import pytest

import helpers
from conftest import ROOT, run_forked

TABLES = helpers.list_tables()
DESCRIPTOR = json.loads((ROOT / "data" / "datapackage.json").read_text())
FIELDS = {r["name"]: r["schema"]["fields"] for r in DESCRIPTOR["resources"]}


def test_verify_finds_no_problem():
    problems = helpers.verify()
    assert problems == [], "\n".join(map(str, problems))


def test_check_command_exits_zero():
    out = run_forked("-m", "helpers", "check")    # a forked child: no new interpreter to start
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == "all tables, quotes and values check out\n"


@pytest.mark.parametrize("name", TABLES)
def test_table_loads_with_schema_dtypes(name):
    df = helpers.load_table(name)
    assert len(df) > 0, f"{name} has no rows"
    for f in FIELDS[name]:
        dtype = df[f["name"]].dtype
        required = f.get("constraints", {}).get("required", False)
        if f["type"] == "date":
            assert pd.api.types.is_datetime64_any_dtype(dtype), (f["name"], dtype)
        elif f["type"] == "integer":
            assert str(dtype) == ("int64" if required else "Int64"), (f["name"], dtype)
        elif f["type"] == "number":
            assert dtype == "float64", (f["name"], dtype)
        else:
            assert isinstance(dtype, pd.StringDtype), (f["name"], dtype)


@pytest.mark.parametrize("name", TABLES)
def test_table_attrs_document_it(name):
    df = helpers.load_table(name)
    attrs = df.attrs
    assert attrs["title"] and attrs["description"]
    assert set(attrs["columns"]) == set(df.columns)
    if name != "sources":
        cited = set(df["source_id"])
        assert {s["source_id"] for s in attrs["sources"]} == cited
        assert all(s["title"] for s in attrs["sources"])


def test_fact_rows_all_have_source_and_quote():
    for name in TABLES:
        if name == "sources":
            continue
        df = helpers.load_table(name)
        assert df["source_id"].notna().all() and df["quote"].str.strip().ne("").all(), name


def test_every_source_is_cited():
    cited = set()
    for name in TABLES:
        if name != "sources":
            cited |= set(helpers.load_table(name)["source_id"])
    unused = set(helpers.sources()["source_id"]) - cited
    assert not unused, f"sources never cited: {sorted(unused)}"


def test_sources_rows():
    src = helpers.sources()
    assert (src["kind"] == "seed").sum() == 5
    external = src[src["kind"] == "external"]
    assert external["confidence"].isin(["H", "M", "L"]).all()


@pytest.mark.slow   # frictionless reads every table: seconds, and the same answer until the data changes
def test_frictionless_accepts_the_package():
    import frictionless  # a locked dependency: missing, the test fails
    report = frictionless.validate(str(ROOT / "data" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_import_is_light():
    code = ("import sys, helpers; heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('altair', 'jupyter_core', 'IPython', 'ipykernel', 'nbformat', 'vl_convert', 'frictionless')]; "
            "print(heavy); sys.exit(bool(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
