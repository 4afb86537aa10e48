"""helpers.data.loading: load_table() keeps the checked tables of a project copy
while no file changed, and never serves a file changed since."""
import pytest
from test_bad_input import read, set_cell, write

import helpers
from helpers.data import loading


def test_loads_are_cached_and_a_change_is_seen(project_copy, monkeypatch):
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
    loading.clear_cache()
    helpers.load_table("peers", root=project_copy)
    # within the same clock tick: same size, new content
    rows = read(project_copy, "peers")
    rows[1][0] = rows[1][0][:-1] + ("X" if rows[1][0][-1] != "X" else "Y")
    write(project_copy, "peers", rows)
    with pytest.raises(helpers.DataError, match="does not match"):
        helpers.load_table("peers", root=project_copy)
    loading.clear_cache()


def test_unknown_table_is_a_data_error():
    with pytest.raises(helpers.DataError, match="no table named 'nope'"):
        helpers.load_table("nope")


def test_the_source_registry_is_found_by_its_role():
    assert helpers.sources().attrs["name"] == loading._context()[0].registry == "sources"
