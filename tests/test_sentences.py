"""Every sentence a reader may quote is one click from its evidence.

In the summary and the chapters, each prose sentence (paragraphs and list
items; figures, citation blocks, derived-number entries and page headers
aside) holds an evidence link (a glued number or a source marker), or is
marked as the book's own reasoning, navigation or definition
(``[sentence]{.xev-own}`` in the MyST source). Marked ones stay few.
"""
import re

import pytest
from bs4 import BeautifulSoup, NavigableString, Tag

from conftest import CHAPTERS

READER_PAGES = ["index", *CHAPTERS]
LINKED, OWN = "\u0001", "\u0002"
# Blocks that are not prose: page header, figures and their captions, downloads,
# citation and derived-number entries (the end matter), tooltips, code.
SKIP_CLASSES = {"xev-asof", "xev-figure", "xev-endmatter", "xev-entry", "xev-tip", "xev-notebook",
                "xev-downloads", "xev-cite-figure"}
SKIP_TAGS = {"figure", "figcaption", "details", "pre", "code", "nav", "header", "footer", "script", "style"}
MIN_LINKED_SHARE = 0.90
# a sentence ends at . ! or ?, after any closing quote, bracket or link mark, before a capital
_END = re.compile(r"[.!?](?:\[[^\]]*\])?[\"”’)\]\u0001\u0002]*(?=\s+[A-Z0-9“\"(\[‘\u0002])")


def _skipped(tag: Tag) -> bool:
    for t in [tag, *tag.parents]:
        if not isinstance(t, Tag):
            continue
        if t.name in SKIP_TAGS or SKIP_CLASSES & set(t.get("class") or []):
            return True
    return False


def _flatten(node, out: list[str]) -> None:
    """Visible text of a block, with LINKED after each evidence link and OWN
    before the text of each own-reasoning span; nested lists are left to their items."""
    for child in node.children:
        if isinstance(child, NavigableString):
            out.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in ("ul", "ol") or child.name in SKIP_TAGS:
            continue
        classes = set(child.get("class") or [])
        if "xev-tip" in classes:
            continue
        if child.name == "a" and "xev-ev" in classes:
            out.append(child.get_text() + LINKED)
            continue
        if "xev-own" in classes:
            out.append(OWN)
        _flatten(child, out)


def _lead_in(block: Tag) -> str | None:
    """The text of a bold lead-in ("**Chengdu: the doors could not open.**") that
    opens a block: a headline whose evidence follows in the same block."""
    first = next((c for c in block.children if not (isinstance(c, NavigableString) and not c.strip())), None)
    if isinstance(first, Tag) and first.name == "strong" and not first.select("a.xev-ev"):
        return first.get_text()
    return None


def sentences(html: str) -> list[str]:
    """The prose sentences of a built page, each with its LINKED and OWN marks."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.select_one("article.bd-article") or soup
    out = []
    for block in article.find_all(["p", "li"]):
        if _skipped(block) or (block.name == "li" and block.find("p", recursive=False)):
            continue
        parts: list[str] = []
        _flatten(block, parts)
        text = re.sub(r"\s+", " ", "".join(parts)).strip()
        if not text:
            continue
        cuts = [m.end() for m in _END.finditer(text)]
        pieces = [p.strip() for p in (text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])) if p.strip()]
        lead = _lead_in(block)
        if lead and len(pieces) > 1 and pieces[0] == re.sub(r"\s+", " ", lead).strip():
            pieces[:2] = [pieces[0] + " " + pieces[1]]      # a headline stands on what follows it
        out += pieces
    return out


def unsupported(sents: list[str]) -> list[str]:
    return [s for s in sents if LINKED not in s and OWN not in s]


# ---------------------------------------------------------------- fast: the rule itself

SAMPLE = (
    '<article class="bd-article"><p>Xiaomi delivered <a class="xev-ev" href="evidence.html#x">1</a> cars. '
    'Both recalls concern the SU7 Standard.<span class="xev-cite">[<a class="xev-ev xev-src" href="#y">Shine</a>]'
    '</span> <span class="xev-own">So the two cannot be added.</span> This sentence has nothing.</p>'
    '<ul><li><p><strong>A headline.</strong> Its evidence <a class="xev-ev" href="#z">2</a>.</p></li></ul>'
    '<div class="xev-asof"><p>Version 0.3.0, no link.</p></div></article>')


def test_the_sentence_rule_can_fail():
    sents = sentences(SAMPLE)
    assert len(sents) == 5, sents
    assert unsupported(sents) == ["This sentence has nothing."]


# ---------------------------------------------------------------- slow: the built pages

@pytest.mark.slow
@pytest.mark.parametrize("name", READER_PAGES)
def test_every_prose_sentence_links_to_evidence_or_is_marked(built, name):
    sents = sentences((built / f"{name}.html").read_text("utf-8"))
    assert sents, f"{name}: no prose found"
    bare = unsupported(sents)
    assert not bare, f"{name}: {len(bare)} sentence(s) with no evidence link and no own-reasoning mark: {bare[:8]}"


@pytest.mark.slow
def test_most_sentences_link_to_evidence(built):
    """Marked reasoning stays the exception: across the summary and the chapters,
    at least 90% of prose sentences hold an evidence link."""
    sents = [s for name in READER_PAGES for s in sentences((built / f"{name}.html").read_text("utf-8"))]
    linked = sum(LINKED in s for s in sents)
    assert linked / len(sents) >= MIN_LINKED_SHARE, f"{linked} of {len(sents)} sentences link to evidence"
