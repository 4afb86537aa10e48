"""helpers.pages.html: the book's markup written once. The notebook form and the
page form of a figure come from the same data, and the scripts that act on the
markup use its class names."""
import math
import re

import pytest

from conftest import ROOT
from helpers.pages import html as markup

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><text>a &amp; b</text></svg>'


def test_esc_escapes_attributes_and_empties_missing_values():
    assert markup.esc('a "b" <c> & d') == "a &quot;b&quot; &lt;c&gt; &amp; d"
    assert markup.esc(None) == "" and markup.esc(math.nan) == ""
    assert markup.esc(0) == "0"


def test_the_two_forms_of_a_chart_keep_one_box():
    stored = markup.static_chart(SVG, 'Bars of "x"', 300, 200)
    shown = markup.inline_chart(SVG, 'Bars of "x"', 300, 200)
    assert '<img class="xev-static" src="data:image/svg+xml;base64,' in stored
    assert SVG not in stored                     # an <img>, not inline SVG, in the notebook
    assert shown.count("<svg") == 1 and '<svg aria-hidden="true" focusable="false" xmlns=' in shown
    box = 'style="aspect-ratio:300 / 200"'
    assert box in stored and box in shown
    assert 'aria-label="Bars of &quot;x&quot;"' in shown and 'alt="Bars of &quot;x&quot;"' in stored


def test_the_page_form_replaces_the_stored_form_and_numbers_the_figure():
    from booktools.ext.xev_figures import page_figures

    payload = {"name": "f-one", "alt_text": "Bars of x, long enough", "width": 300, "height": 200}
    chart = markup.static_chart(SVG, payload["alt_text"], 300, 200)
    body = markup.figure_block("f-one", chart, "{}", markup.fignum_placeholder("f-one"), 300)
    out = page_figures(body, [(payload, SVG)], {"fig-f-one": (3,)})
    assert "<img" not in out and markup.HAS_STATIC in out and "Figure 3" in out
    assert markup.FIGNUM not in out


def test_a_figure_whose_stored_markup_is_missing_fails_the_build():
    from booktools.ext.xev_figures import page_figures

    payload = {"name": "f-two", "alt_text": "Bars of y, long enough", "width": 300, "height": 200}
    with pytest.raises(ValueError, match="f-two"):
        page_figures("<p>no figure here</p>", [(payload, SVG)], {})


def test_the_page_scripts_select_the_class_names_written_here():
    names = {v for k, v in vars(markup).items() if k.isupper() and isinstance(v, str)}
    used = set(re.findall(r"\.(xev-[a-z-]+)", (ROOT / "book/_static/xev.js").read_text("utf-8")))
    assert used and used <= names, f"xev.js selects classes helpers.pages.html does not write: {used - names}"
