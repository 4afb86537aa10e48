"""A row's standing decides its marker in one place (helpers.pages.standing), and
the page API applies it wherever the row is used: numbers, source markers,
figure labels. Notebooks never type a marker."""
import ast
import json
import re

import altair as alt
import pytest
from test_evidence import unmarked_links

import helpers
from conftest import ROOT
from helpers.pages import charts, evidence, factcheck, standing
from helpers.pages import page as page_module

MARKERS = tuple(standing.MARKERS)


@pytest.fixture
def glued(monkeypatch):
    out = {}
    monkeypatch.setattr(page_module, "_glue", lambda name, value, display=False: out.__setitem__(name, value))
    return out


def rows_marked(marker: str):
    for table in helpers.list_tables():
        if table == "sources":
            continue
        for key in evidence.raw_rows(table):
            if standing.marker(table, key) == marker:
                yield table, key


def test_a_seed_figure_no_other_source_reports_is_unverified():
    table, key = next(rows_marked("[U]"))
    st = standing.of(table, key)
    assert st.seed and st.confidence != "L"
    assert st.verdict in (None, "unverified") and (st.verdict or not st.others)


def test_low_confidence_wins_over_everything():
    for table, key in list(rows_marked("[L]"))[:20]:
        assert standing.of(table, key).confidence == "L"


def test_unverified_seed_figure_is_glued_with_its_marker(glued):
    table, key = next(rows_marked("[U]"))
    p = page_module.Page("test-page", "Test")
    p.glue("seed_figure", "1", p.row(table, key))
    html = glued["seed_figure"]._repr_html_()
    assert "[U]" in html and repr(glued["seed_figure"]).endswith("[U]")
    assert "[U]" in p.markers and "[U]" in standing.legend(p.markers)
    assert unmarked_links(html) == []


def test_the_marker_rule_can_fail(glued):
    """A link to an unverified seed figure with its marker stripped is caught by the
    checker run over every built page."""
    table, key = next(rows_marked("[U]"))
    p = page_module.Page("test-page", "Test")
    p.glue("seed_figure", "1", p.row(table, key))
    stripped = re.sub(r'<sup class="xev-mark">.*?</sup>', "", glued["seed_figure"]._repr_html_())
    assert unmarked_links(stripped), "an unverified seed figure without [U] went unnoticed"


def test_a_source_marker_carries_the_rows_standing(glued):
    table, key = next(rows_marked("[U]"))
    p = page_module.Page("test-page", "Test")
    p.cite("says", p.row(table, key))
    html = glued["says"]._repr_html_()
    assert 'class="xev-cite"' in html and evidence.href(table, key) in html and "[U]" in html
    with pytest.raises(ValueError):
        p.cite("nothing")


def test_a_figure_plotting_an_unverified_row_must_show_its_marker(glued):
    table, key = next(rows_marked("[U]"))
    p = page_module.Page("test-page", "Test")
    df = p.load(table)
    field = p.key_field(table)
    rows = df[df[field].eq(key)]
    charts.enable()
    plot = rows[[field, "source_id"]].assign(v=1.0, label=["a seed's figure"])
    chart = alt.Chart(plot).mark_bar().encode(x="v:Q", y="label:N")
    with pytest.raises(ValueError, match=re.escape("[U]")):
        p.figure(chart, "seed-test", title="A test", alt_text="A bar chart of one seed's figure, for a test.",
                 rows=rows[[field, "source_id"]], table=table)
    marked = plot.assign(label=[p.marked("a seed's figure", table, key)])
    p.figure(alt.Chart(marked).mark_bar().encode(x="v:Q", y="label:N"), "seed-test-2", title="A test",
             alt_text="A bar chart of one seed's figure, for a test.", rows=rows[[field, "source_id"]], table=table)


def _notebook_code(path):
    cells = json.loads(path.read_text("utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.name)
def test_no_marker_typed_in_notebook_code(path):
    """Markers come from helpers.pages.standing through the page API, never typed: every
    string constant in a notebook's code is free of them."""
    typed = [node.value for node in ast.walk(ast.parse(_notebook_code(path)))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and any(m in node.value for m in MARKERS)]
    assert not typed, f"{path.name}: markers typed in code: {typed[:5]}"


def test_standing_markers_are_explained():
    assert set(standing.MARKERS) == {"[L]", "[U]", "[D]", "[I]"}
    assert standing.legend([]) == "" and standing.legend(["[L]"]).startswith("[L]")
    assert standing.VERDICT_MARKERS.keys() <= set(factcheck.verdicts())
