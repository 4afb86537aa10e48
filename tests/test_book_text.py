"""The book's prose types no numbers: every number comes from data via glue."""
import json
import re

import pytest

from conftest import PAGES, ROOT

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))

# What may carry digits in prose: years and ISO dates, and names that mix
# letters and digits (SU7, Q1, L2, S2025M0149I). Everything else is a number
# that must come through {glue:text}.
_REMOVE = [
    re.compile(r"^\s*(```|:::).*$", re.M),               # directive fences and their arguments
    re.compile(r"^\s*:[\w-]+:.*$", re.M),                 # directive options (:name: ...)
    re.compile(r"\{[\w:-]+\}`[^`]*`"),                    # roles: {glue:text}`x`, {numref}`fig`
    re.compile(r"`[^`]*`"),                               # inline code
    re.compile(r"\]\([^)]*\)"),                           # link targets
    re.compile(r"^\([\w-]+\)=\s*$", re.M),                # labels
    re.compile(r"<[^>]+>"),                               # HTML tags
    re.compile(r"\b(19|20)\d\d(-\d\d){0,2}\b"),           # years and ISO dates
    re.compile(r"\b[A-Za-z]+\d[\w.]*"),                   # SU7, Q1, ES8, S2025M0149I, v1.10.0
]
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*%?")


def stray_numbers(markdown: str) -> list[str]:
    for pattern in _REMOVE:
        markdown = pattern.sub(" ", markdown)
    return _NUMBER.findall(markdown)


def test_scanner_catches_typed_numbers():
    assert stray_numbers("Orders fell 55% in April 2025.") == ["55%"]
    assert stray_numbers("Deliveries of 410,000 cars") == ["410,000"]
    assert stray_numbers("Orders fell {glue:text}`drop` in Q1 2025 for the SU7 on 2025-03-29.") == []
    assert stray_numbers("See {numref}`fig-a` and [x](page.ipynb#a1)") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_number_typed_in_prose(path):
    cells = json.loads(path.read_text("utf-8"))["cells"]
    found = [(i, n) for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             for n in stray_numbers("".join(c["source"]))]
    assert not found, f"{path.name}: numbers typed into markdown (use glue): {found}"


# ---------------------------------------------------------------- the text a reader sees

# Doubled words ("about about"), doubled phrases ("up to up to"), and markup that
# should have been rendered. Quotations of sources are the sources' own words and
# are left alone (blockquote, q, the previews), and so are code and data cells.
_DOUBLED = re.compile(r"\b(\w+(?:\s+\w+)?)\s+\1\b", re.I)
_RAW = re.compile(r"\{glue(?::\w+)?\}|\{numref\}|\{ref\}|```|:::|^\s*:name:|\]\{\.[\w-]+\}", re.M)
_QUALIFIERS = ("about", "over", "nearly", "up to", "at least", "more than", "almost", "roughly")
_SKIP = ("blockquote", "q", "code", "pre", "script", "style")


def visible_blocks(html: str) -> list[str]:
    """The text of each block a reader sees (paragraph, list item, heading, cell,
    caption), one string per block: words are never paired across two blocks."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all([*_SKIP, "svg"]):
        tag.decompose()
    for tag in soup.select(".xev-tip, .xev-cells"):
        tag.decompose()
    body = soup.select_one("article.bd-article") or soup
    blocks = body.find_all(["p", "li", "h1", "h2", "h3", "h4", "dt", "dd", "td", "th", "figcaption"])
    return [re.sub(r"\s+", " ", b.get_text(" ")) for b in blocks
            if not b.find(["p", "li", "dd", "td"])]          # innermost blocks only


_NUMERIC_QUALIFIER_TWICE = re.compile(
    rf"\b(?:{'|'.join(_QUALIFIERS)})\s+(?:{'|'.join(_QUALIFIERS)})\s+(?=[\d$¥€]|RMB|CNY|USD|HKD)", re.I)


def text_problems(text: str) -> list[str]:
    found = [f"doubled: {m.group(0)!r}" for m in _DOUBLED.finditer(text)
             if not re.fullmatch(r"[\d\W_]+", m.group(1))]
    found += [f"raw markup: {m.group(0)!r}" for m in _RAW.finditer(text)]
    # a glued qualifier repeated by the prose: "about nearly 38,000"
    found += [f"qualifier twice: {m.group(0)!r}" for m in _NUMERIC_QUALIFIER_TWICE.finditer(text)]
    return found


def test_text_lint_can_fail():
    assert text_problems("sales of up to up to 15,000 cars")
    assert text_problems("it sold about about 38,000")
    assert text_problems("it sold about nearly 38,000")
    assert text_problems("see {glue}`x` and ```{div}")
    assert text_problems("a mark [this]{.xev-own} left raw")
    assert text_problems("it sold about 38,000 cars, over 40,000 in May") == []
    assert text_problems("our sources are dense up to about March 2026") == []


@pytest.mark.slow
def test_built_pages_have_no_doubled_words_or_raw_markup(built):
    bad = {}
    for name in PAGES:
        html = (built / f"{name}.html").read_text("utf-8")
        problems = [p for block in visible_blocks(html) for p in text_problems(block)]
        if problems:
            bad[name] = problems[:8]
    assert not bad, f"doubled words or raw markup in the built pages: {bad}"
