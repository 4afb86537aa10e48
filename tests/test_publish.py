"""What the book publishes of the data: exactly the described tables and the
descriptor, after verify() passes, nothing stale, no link followed."""
import json
import os

import pytest

from conftest import run_forked
from helpers.data.errors import DataError
from helpers.data.publish import PublishError, publish_tables


def _listed(root):
    d = json.loads((root / "data" / "datapackage.json").read_text("utf-8"))
    return {r["path"] for r in d["resources"]} | {"datapackage.json"}


@pytest.fixture
def clean_copy(project_copy):
    from helpers import verify
    problems = verify(project_copy)
    if problems:
        pytest.skip(f"the working tree's data does not verify: {problems[0]}")
    return project_copy


def test_publishes_exactly_the_described_tables(clean_copy, tmp_path):
    dest = tmp_path / "site" / "data"
    written = publish_tables(dest, clean_copy)
    assert {p.name for p in dest.iterdir()} == _listed(clean_copy)
    assert written[-1].name == "datapackage.json" and len(written) == len(_listed(clean_copy))
    for p in dest.iterdir():
        assert not p.is_symlink() and p.is_file()
        assert p.read_bytes() == (clean_copy / "data" / p.name).read_bytes()


def test_stale_files_and_links_in_dest_are_removed_without_following_them(clean_copy, tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (dest / "old-table.csv").write_text("a\n1\n")
    (dest / "leftover").mkdir()
    os.symlink(victim, dest / "link.csv")
    os.symlink(victim, dest / "deliveries.csv")          # a link where a table goes: replaced, not written through
    publish_tables(dest, clean_copy)
    assert {p.name for p in dest.iterdir()} == _listed(clean_copy)
    assert victim.read_text() == "keep me"
    assert not (dest / "deliveries.csv").is_symlink()


def test_a_table_dropped_from_the_descriptor_disappears(clean_copy, tmp_path):
    dest = tmp_path / "out"
    publish_tables(dest, clean_copy)
    d = json.loads((clean_copy / "data" / "datapackage.json").read_text("utf-8"))
    claims = (clean_copy / "data" / "claims.csv").read_text("utf-8")
    referenced = {fk["reference"]["resource"] for x in d["resources"] for fk in x["schema"].get("foreignKeys", [])}
    gone = next(r for r in d["resources"] if r["name"] not in referenced | {"sources", "claims"}
                and r["name"] + ":" not in claims)
    assert (dest / gone["path"]).exists()
    d["resources"].remove(gone)
    (clean_copy / "data" / "datapackage.json").write_text(json.dumps(d, indent=2), "utf-8")
    (clean_copy / "data" / gone["path"]).unlink()
    publish_tables(dest, clean_copy)
    assert not (dest / gone["path"]).exists()
    assert {p.name for p in dest.iterdir()} == _listed(clean_copy)


@pytest.mark.parametrize("extra", ["symlink", "undescribed-json", "undescribed-csv"])
def test_refuses_and_names_what_does_not_belong(extra, clean_copy, tmp_path):
    data = clean_copy / "data"
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0\n")
    name = {"symlink": "passwd.csv", "undescribed-json": "notes.json", "undescribed-csv": "extra.csv"}[extra]
    if extra == "symlink":
        os.symlink(outside, data / name)
    else:
        (data / name).write_text("{}" if name.endswith(".json") else "a\n1\n")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "marker").write_text("untouched")
    with pytest.raises(PublishError) as raised:
        publish_tables(dest, clean_copy)
    assert isinstance(raised.value, DataError)
    assert any(p.path == f"data/{name}" and p.code == "package-file" for p in raised.value.problems)
    assert f"data/{name}" in str(raised.value) and "nothing was published" in str(raised.value)
    assert [p.name for p in dest.iterdir()] == ["marker"]        # dest untouched


def test_refuses_data_that_does_not_verify(clean_copy, tmp_path):
    p = clean_copy / "data" / "deliveries.csv"
    p.write_text(p.read_text("utf-8").replace(",exact,", ",approx,", 1), "utf-8")
    with pytest.raises(PublishError) as raised:
        publish_tables(tmp_path / "out", clean_copy)
    assert raised.value.problems[0].code == "constraint-error"
    assert not (tmp_path / "out").exists()


def test_a_described_table_that_is_a_link_is_refused(clean_copy, tmp_path):
    data = clean_copy / "data"
    (data / "peers.csv").rename(tmp_path / "peers.csv")
    os.symlink(tmp_path / "peers.csv", data / "peers.csv")
    with pytest.raises(PublishError) as raised:
        publish_tables(tmp_path / "out", clean_copy)
    assert any(p.path == "data/peers.csv" and p.code == "scheme-error" for p in raised.value.problems)


def test_command_line(clean_copy, tmp_path):
    (clean_copy / "data" / "stray.json").write_text("{}")
    # forked children: the command line as it runs, without starting an interpreter twice
    out = run_forked("-m", "helpers", "publish", tmp_path / "out", "--root", clean_copy)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "data/stray.json" in out.stderr and "nothing was published" in out.stderr
    (clean_copy / "data" / "stray.json").unlink()
    out = run_forked("-m", "helpers", "publish", tmp_path / "out", "--root", clean_copy)
    assert out.returncode == 0, out.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == _listed(clean_copy)
