"""data/datapackage.json is generated from data/schema/: each shared field
definition is written once (helpers.data.schema), and the committed descriptor is
what the generator writes."""
import json

import pytest

from conftest import ROOT
from helpers.data import schema
from helpers.data.errors import DataError


def test_committed_descriptor_is_generated_and_current():
    assert schema.is_current(ROOT), "run `python -m helpers.data.schema` (edit data/schema/, not data/datapackage.json)"


def test_shared_definitions_are_written_once():
    package = json.loads((ROOT / schema.SOURCE).read_text("utf-8"))
    shared = json.loads((ROOT / schema.FIELDS).read_text("utf-8"))
    written = [f["name"] for r in package["resources"] for f in r["schema"]["fields"] if isinstance(f, dict)]
    assert not set(written) & {"quote", "quote_origin", "derivation"}, "provenance fields are written out again"
    assert {"source_id", "quote", "quote_origin", "derivation"} <= set(shared)


def test_a_shared_definition_reaches_every_table_that_names_it(project_copy):
    path = project_copy / schema.FIELDS
    shared = json.loads(path.read_text("utf-8"))
    shared["quote"]["description"] = "changed once"
    path.write_text(json.dumps(shared), "utf-8")
    expanded = schema.expand(project_copy)
    quotes = [f for r in expanded["resources"] for f in r["schema"]["fields"] if f["name"] == "quote"]
    assert len(quotes) >= 10 and all(f["description"] == "changed once" for f in quotes)
    assert not schema.is_current(project_copy)


def test_an_unknown_reference_is_a_located_error(project_copy):
    path = project_copy / schema.SOURCE
    package = json.loads(path.read_text("utf-8"))
    package["resources"][1]["schema"]["fields"].append("no_such_field")
    path.write_text(json.dumps(package), "utf-8")
    with pytest.raises(DataError, match="no_such_field"):
        schema.expand(project_copy)
