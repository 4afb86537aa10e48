"""The book: stored outputs are current, the strict build passes offline,
every page and figure is there, and a data change cannot go unnoticed."""
import json
import re

import pytest

import helpers
from booktools.build import figure_outputs
from booktools.project import copy_project, nbval_args
from conftest import BUILD, CHAPTERS, PAGES, ROOT, run


def test_stored_outputs_are_current():
    out = run(BUILD, "--status")
    assert out.returncode == 0, "stale notebooks (run `make book`):\n" + out.stdout


def page(built, name):
    return (built / f"{name}.html").read_text("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_exists_with_version_and_as_of(built, name):
    text = page(built, name)
    assert "data as of" in text and "Version" in text


def figures_of(name: str) -> dict[str, dict]:
    """The figures a page's notebook stored (name -> payload), found the way the
    build finds them (booktools.build.figure_outputs: the one definition)."""
    return {fig: item["payload"] for fig, item in figure_outputs().items() if item["payload"]["page"] == name}


@pytest.mark.slow
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_three_sourced_figures_and_citation(built, name):
    text = page(built, name)
    figures = figures_of(name)
    assert len(figures) >= 3, f"{name}: {len(figures)} figures"
    for fig, payload in figures.items():
        assert f'data-figure="{fig}"' in text, f"{fig} is not on the page"
        assert payload["alt_text"] and payload["rows"], fig
        assert all(row.get("source_id") and row.get("quote") for row in payload["rows"]), f"{fig}: unsourced row"
        for ext in ("svg", "png", "csv"):
            assert (built / "_static" / "figures" / f"{fig}.{ext}").stat().st_size > 100, (fig, ext)
    assert "What to watch" in text and "Cite this chapter" in text and "@incollection" in text


@pytest.mark.slow
def test_pages_name_no_other_site(built):
    """Nothing is loaded from, or even addressed at, a CDN."""
    for path in built.rglob("*.html"):
        text = path.read_text("utf-8")
        assert not re.search(r"cdn\.|unpkg|jsdelivr|cdnjs|googleapis|binder", text), path.name
        for attr in re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?:[^"]+)"', text):
            pytest.fail(f"{path.name} loads {attr}")


@pytest.mark.slow
def test_downloads_match_their_sources(built):
    """What readers download is what the project holds, never a stale copy."""
    for name in helpers.list_tables():
        assert (built / "_static" / "data" / f"{name}.csv").read_bytes() == \
            (ROOT / "data" / f"{name}.csv").read_bytes(), name
    for asset in ("xev.css", "xev.js"):
        assert (built / "_static" / asset).read_bytes() == (ROOT / "book" / "_static" / asset).read_bytes()


def _change_q1_deliveries(tmp):
    """A legitimate data change: value, its quote and the notes all agree."""
    for p in [tmp / "seeds" / "research" / "external-facts.md", *(tmp / "data").glob("*.csv")]:
        p.write_text(p.read_text("utf-8").replace("75,869", "75,870").replace("75869", "75870"), "utf-8")


@pytest.mark.slow
def test_data_change_marks_only_its_notebooks_stale(tmp_path):
    copy_project(tmp_path)
    script = tmp_path / "book" / "booktools" / "build.py"
    assert run(script, "--status").returncode == 0
    tariffs = tmp_path / "data" / "tariffs.csv"
    tariffs.write_text(tariffs.read_text().replace("Chinese-made EVs", "Chinese-made electric cars"))
    out = run(script, "--status")
    assert out.returncode == 1
    stale = set(out.stdout.split())
    expected = {p.name for p in (tmp_path / "book").glob("*.ipynb")
                if "tariffs" in json.loads(p.read_text())["metadata"]["xev"]["tables"]}
    assert stale == expected and "global-expansion.ipynb" in stale and "trust-crisis.ipynb" not in stale


@pytest.mark.slow
@pytest.mark.parametrize("change", ["helpers/data/tables.py", "seeds/research/external-facts.md"])
def test_helpers_or_seed_change_marks_every_notebook_stale(tmp_path, change):
    copy_project(tmp_path)
    (tmp_path / change).write_text((tmp_path / change).read_text() + "\n")
    out = run(tmp_path / "book" / "booktools" / "build.py", "--status")
    assert set(out.stdout.split()) == {p.name for p in (tmp_path / "book").glob("*.ipynb")}


@pytest.mark.slow
def test_nbval_catches_a_changed_value(tmp_path):
    """The guard: a changed data value makes nbval fail on a notebook that shows it,
    and its report shows the new value. (Unchanged, the same notebook passes nbval:
    `make test` re-runs every notebook of the checkout, of which this is a copy.)"""
    copy_project(tmp_path)
    env = {"XIAOMI_EV_ROOT": str(tmp_path)}
    notebook = tmp_path / "book" / "trust-crisis.ipynb"
    args = ["-m", "pytest", "-q", *nbval_args(tmp_path), notebook]
    assert "75,870" not in notebook.read_text("utf-8")   # so the report can only show it from the new data
    _change_q1_deliveries(tmp_path)
    assert helpers.verify(tmp_path) == []          # the data itself is valid
    after = run(*args, env=env, cwd=tmp_path)
    assert after.returncode != 0
    assert "75,870" in after.stdout


def _page_text(html_text):
    import html as h
    # drop code and styles, keep figure data (JSON specs hold the plotted labels)
    html_text = re.sub(r"<script(?![^>]*application/json)[^>]*>.*?</script>|<style\b.*?</style>", " ",
                       html_text, flags=re.S)
    return h.unescape(re.sub(r"<[^>]+>", " ", html_text))


def _written_forms(value, unit):
    v = abs(value)
    forms = {f"{int(v):,}"} if float(v).is_integer() else {f"{v:g}"}
    if isinstance(unit, str) and "bn" in unit:
        forms = {f"{v:g} billion"}
    return forms


@pytest.mark.slow
@pytest.mark.parametrize("name", CHAPTERS)
def test_seed_numbers_appear_in_their_chapter(built, name):
    """Each number a seed claims appears (as prose or figure label) in the
    chapter the fact-check assigns it to."""
    text = _page_text(page(built, name))
    claims = helpers.load_table("claims")
    missing = [c["claim_id"] for _, c in claims[claims["chapter"].eq(name) & claims["value"].notna()].iterrows()
               if not any(f in text for f in _written_forms(c["value"], c["unit"]))]
    assert not missing, f"{name} never states: {missing}"


@pytest.mark.slow
def test_the_published_figures_are_the_committed_outputs(built):
    """The figure files the book publishes are the SVGs of the committed outputs,
    byte for byte. That a clean execution reproduces those outputs is nbval's
    proof: `make test` ends by executing every notebook again and comparing
    every output, SVGs included, with the committed one (after the sanitize
    rules of book/sanitize.cfg). Two clean builds in copies, as this test once
    ran, executed every notebook twice more to show the same."""
    svgs = {name: item["svg"] for name, item in figure_outputs().items()}
    figures = ROOT / "book" / "_static" / "figures"   # exported from the committed outputs by `built`
    published = {p.stem: p.read_text("utf-8") for p in sorted(figures.glob("*.svg"))}
    assert svgs == published and len(svgs) >= 12
