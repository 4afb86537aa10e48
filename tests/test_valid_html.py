"""Valid, light pages (issue 19): the W3C Nu HTML checker (npm vnu-jar, run
with Java) finds no error on any built page; no page links Font Awesome's
script, and only the search page loads the search index. The rewrites of
book/booktools/ext/xev_light.py are checked on their own too, so a broken rewrite
fails here before any build."""
import importlib.util

import pytest

from booktools.browser import VNU, nu_errors
from conftest import PAGES, ROOT, missing_or_skip


def _light():
    spec = importlib.util.spec_from_file_location("xev_light", ROOT / "book" / "booktools" / "ext" / "xev_light.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def glued(name: str, text: str) -> str:
    """A glued number as helpers.pages.evidence.link() writes it."""
    return (f'<span class="xev-evw"><a class="xev-ev" href="evidence.html#ev-x" aria-describedby="xev-tip-{name}">'
            f'{text}</a><span class="xev-tip" role="tooltip" id="xev-tip-{name}">Source: “quote”</span></span>')


def test_a_value_glued_three_times_gets_three_ids():
    body = "<p>" + glued("a", "1") + " and " + glued("b", "2") + glued("a", "1") + glued("a", "1") + "</p>"
    out = _light().unique_tips(body)
    for tip in ("xev-tip-a", "xev-tip-a-2", "xev-tip-a-3", "xev-tip-b"):
        assert out.count(f'id="{tip}"') == 1 and out.count(f'aria-describedby="{tip}"') == 1, tip
    assert _light().unique_tips(out) == out   # a second pass changes nothing


def test_pages_lose_font_awesome_and_the_search_index_except_on_the_search_page():
    head = ('<script defer src="_static/scripts/fontawesome.js?digest=1"></script>\n'
            '<script src="_static/searchtools.js"></script>\n<script src="_static/language_data.js"></script>\n'
            '<script src="searchindex.js"></script>\n<script src="_static/xev.js?v=1"></script>')
    light = _light()
    page = light.lighten(head, search_page=False)
    assert "fontawesome" not in page and "search" not in page and "xev.js" in page
    search = light.lighten(head, search_page=True)
    assert "fontawesome" not in search and "searchindex.js" in search and "searchtools.js" in search


@pytest.mark.slow
def test_every_page_is_valid_html(built):
    import shutil

    if not shutil.which("java") or not VNU.exists():
        missing_or_skip("the W3C Nu HTML check", "needs java (apt-get install default-jre-headless) and "
                        "tests/browser/node_modules/vnu-jar (npm ci in tests/browser)")
    files = [built / f"{name}.html" for name in PAGES] + [built / "search.html", built / "genindex.html"]
    # the checker is live: a copy of a page with a duplicate id, checked in the same run, has an error
    bad = built.parent / "nu-bad.html"
    bad.write_text((built / "index.html").read_text("utf-8").replace("</body>", '<p id="x"></p><p id="x"></p></body>'),
                   "utf-8")
    try:
        errors = nu_errors([*files, bad])
    finally:
        bad.unlink()
    assert any(e.startswith("nu-bad.html") and "Duplicate ID" in e for e in errors), "the checker found nothing"
    errors = [e for e in errors if not e.startswith("nu-bad.html")]
    assert errors == [], f"{len(errors)} Nu errors:\n" + "\n".join(errors[:30])


@pytest.mark.slow
def test_pages_load_no_font_awesome_and_no_search_index(built):
    for name in PAGES:
        page = (built / f"{name}.html").read_text("utf-8")
        assert "fontawesome" not in page and "searchindex.js" not in page, name
    assert "searchindex.js" in (built / "search.html").read_text("utf-8")
    assert not (built / "_static" / "scripts" / "fontawesome.js").exists()
