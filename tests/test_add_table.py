"""Adding a table is a schema entry and a CSV, nothing else.

In a copy of the project, a throw-away table is described in
data/schema/package.json (its meaning too: which fields say that two rows
report the same quantity) and written as a CSV; after `make schema` (here
helpers.data.schema), the copy's data checks pass and the new rows reach the
evidence entries, the fact-check's same-quantity search, the standing
markers and What's new, with no code changed."""
import json
import textwrap

from booktools.project import copy_project
from conftest import run

TABLE = "throwaway_prices"
def _rows() -> str:
    """Two rows of the new table, each restating a seed's real figure and quote (so
    the copy's quote and value checks hold them to the seed, like any other row)."""
    import csv
    import io

    from helpers.pages import evidence

    seed = next(c for c in evidence.raw_rows("deliveries").values()
                if c["source_id"].startswith("seed-") and c["value"] and not c["derivation"])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["fact_id", "model", "metric", "value", "unit", "source_id", "quote", "quote_origin", "derivation"])
    for key in ("tp-su7-price-seed", "tp-su7-price-other"):
        w.writerow([key, "SU7", "deliveries", seed["value"], "vehicles", seed["source_id"], seed["quote"],
                    "verbatim", ""])
    return out.getvalue()


CHECK = textwrap.dedent(f"""\
    import json, helpers
    from helpers.data import editions
    from helpers.pages import evidence, standing
    problems = helpers.verify()
    table = helpers.load_table("{TABLE}")
    entry = evidence.entry_html("{TABLE}", "tp-su7-price-seed")
    added = [c.added for c in editions.since("0.2.0") if c.table == "{TABLE}"]
    print(json.dumps({{
        "problems": [str(p) for p in problems],
        "rows": len(table),
        "peers": evidence.same_quantity("{TABLE}", "tp-su7-price-seed"),
        "entry_links_peer": "tp-su7-price-other" in entry,
        "marker": standing.marker("{TABLE}", "tp-su7-price-seed"),
        "whats_new": added,
    }}))
    """)


def add_table(root):
    package = root / "data" / "schema" / "package.json"
    desc = json.loads(package.read_text("utf-8"))
    desc["resources"].append({
        "name": TABLE, "path": f"{TABLE}.csv", "profile": "tabular-data-resource", "format": "csv",
        "mediatype": "text/csv", "encoding": "utf-8", "title": "Throw-away prices",
        "description": "A table that exists only in a temporary copy of the project.",
        "xev": {"sameQuantity": ["model", "metric", "unit"]},
        "schema": {"fields": ["fact_id", {"name": "model", "type": "string"},
                              {"name": "metric", "type": "string"}, "value", "unit", "source_id", "quote",
                              "quote_origin", "derivation"],
                   "primaryKey": ["fact_id"],
                   "foreignKeys": [{"fields": ["source_id"],
                                    "reference": {"resource": "sources", "fields": ["source_id"]}}]},
    })
    package.write_text(json.dumps(desc, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (root / "data" / f"{TABLE}.csv").write_text(_rows(), "utf-8")


def test_a_new_table_needs_a_schema_entry_and_a_csv(tmp_path):
    root = copy_project(tmp_path, ("data", "seeds", "book/_editions", "CITATION.cff"))
    add_table(root)
    env = {"XIAOMI_EV_ROOT": str(root)}
    out = run("-m", "helpers.data.schema", env=env, cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
    out = run("-c", CHECK, env=env, cwd=root)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["problems"] == [] and got["rows"] == 2
    assert got["peers"] == ["tp-su7-price-other"]       # the same-quantity rule read from the schema
    assert got["entry_links_peer"]                       # the evidence entry lists the other row
    assert got["marker"] == "[U]"                        # a seed's figure no external source reports
    assert sorted(got["whats_new"][0]) == ["tp-su7-price-other", "tp-su7-price-seed"]
