"""Every number one click from its evidence; the edition says what changed.

Fast tests drive helpers.pages.page in-process (glue is captured, not written);
slow ones read the built book.
"""
import ast
import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest

import helpers
from conftest import CHAPTERS, ROOT
from helpers.data import editions
from helpers.pages import evidence
from helpers.pages import page as page_module
from helpers.pages.narrative import num

READER_PAGES = ["index", *CHAPTERS]        # the summary and the chapters
YEAR_OR_DATE = re.compile(r"\b(?:19|20)\d\d(?:-\d\d(?:-\d\d)?)?\b")


# ---------------------------------------------------------------- helpers

@pytest.fixture
def glued(monkeypatch):
    """Capture what a page glues instead of writing notebook outputs."""
    out = {}
    monkeypatch.setattr(page_module, "_glue", lambda name, value, display=False: out.__setitem__(name, value))
    return out


def low_rows():
    srcs = helpers.sources().set_index("source_id")["confidence"]
    for table in helpers.list_tables():
        if table == "sources":
            continue
        for key, cells in evidence.raw_rows(table).items():
            if srcs.get(cells["source_id"]) == "L":
                yield table, key


def unmarked_links(html: str) -> list[str]:
    """Links to rows whose standing earns a marker ([L], [U], [D], [I]) that are not
    followed by that marker."""
    from helpers.pages import standing

    bad = []
    for m in re.finditer(r'<a class="xev-ev[^"]*" href="evidence\.html#(ev-[^"]+)"[^>]*>(.*?)</a>'
                         r'((?:<sup class="xev-(?:low|mark)">[^<]*</sup>)*)', html):
        anchor, text, marks = m.groups()
        table, key = _row_of_anchor(anchor)
        want = standing.marker(table, key) if key is not None else ""
        if want and evidence.esc(want) not in marks:
            bad.append(f"{text} -> {anchor} (needs {want})")
    return bad


_ANCHORS: dict[str, tuple[str, str]] = {}


def _row_of_anchor(anchor: str):
    if not _ANCHORS:
        for table in helpers.list_tables():
            if table != "sources":
                for key in evidence.raw_rows(table):
                    _ANCHORS[evidence.anchor(table, key)] = (table, key)
    return _ANCHORS.get(anchor, (None, None))


# ---------------------------------------------------------------- fast: the page API

def test_glued_number_links_to_its_own_row(glued):
    p = page_module.Page("test-page", "Test")
    table, key = "deliveries", "del-2025-q3-yicai"
    row = p.row(table, key)
    p.glue("q3", num(row["value"]), row)
    html = glued["q3"]._repr_html_()
    assert f'href="evidence.html#{evidence.anchor(table, key)}"' in html
    quote = evidence.raw_rows(table)[key]["quote"]
    assert quote.replace("'", "&#x27;") in html or quote in html          # the preview shows the quote
    entry = evidence.entry_html(table, key)
    assert f'id="{evidence.anchor(table, key)}"' in entry and quote.split()[0] in entry
    assert repr(glued["q3"]) == num(row["value"])                          # plain text elsewhere
    assert (table, key) in p.used


def test_every_row_has_a_distinct_anchor():
    seen = {}
    for table in helpers.list_tables():
        if table == "sources":
            continue
        for key in evidence.raw_rows(table):
            a = evidence.anchor(table, key)
            assert a not in seen, f"{table}:{key} and {seen[a]} share the anchor {a}"
            seen[a] = f"{table}:{key}"


def test_low_confidence_number_carries_the_marker(glued):
    table, key = next(low_rows())
    p = page_module.Page("test-page", "Test")
    row = p.row(table, key)
    p.glue("low", "1", row)
    html = glued["low"]._repr_html_()
    assert evidence.LOW_MARK in html and unmarked_links(html) == []
    assert "[L]" in p.markers, "the page must explain [L] once"


def test_low_marker_check_can_fail(glued):
    """The checker used on the built pages does catch a low-confidence number without its marker."""
    table, key = next(low_rows())
    p = page_module.Page("test-page", "Test")
    row = p.row(table, key)
    p.glue("low", "1", row)
    stripped = re.sub(r'<sup class="xev-(low|mark)">.*?</sup>', "", glued["low"]._repr_html_())
    assert unmarked_links(stripped), "a low-confidence link without [L] went unnoticed"


def test_derived_number_links_to_an_entry_with_rows_and_arithmetic(glued):
    p = page_module.Page("test-page", "Test")
    a, b = p.row("deliveries", "del-2025-q1-carnewschina"), p.row("deliveries", "del-2025-q3-yicai")
    p.glue("both", num(a["value"] + b["value"]), a, b, how="the sum of the two quarters")
    assert 'href="#dv-both"' in glued["both"]._repr_html_()
    text, refs, how = p.derived["both"]
    entry = evidence.derived_entry_html("both", text, refs, how)
    assert 'id="dv-both"' in entry and "the sum of the two quarters" in entry
    for table, key in refs:
        assert evidence.href(table, key) in entry


def test_glue_refuses_numbers_without_rows_and_missing_values(glued):
    p = page_module.Page("test-page", "Test")
    row = p.row("deliveries", "del-2025-q3-yicai")
    with pytest.raises(ValueError):
        p.glue("no_rows", "12")
    with pytest.raises(ValueError):
        p.glue("missing", "nan", row)
    with pytest.raises(ValueError):
        p.glue("two_rows", "12", row, row)          # several rows need how=...


# ---------------------------------------------------------------- fast: no typed numbers

def _strings_in(node) -> list[str]:
    out = []
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)
    return out


ROW_REF = re.compile(r"\{[a-z_]+:[a-z0-9][a-z0-9.-]*(?::[a-z_]+)?\}")


def _typed_numbers(text: str) -> list[str]:
    text = YEAR_OR_DATE.sub(" ", ROW_REF.sub(" ", text))
    text = re.sub(r"\[L\]|\b[A-Za-z]+\d+\w*|\bQ[1-4]\b|\bH[12]\b", " ", text)   # markers, model names, quarters
    text = re.sub(r"\b(?:Model|Section|GB|Article|No\.)\s+[\d-]+|\b\d+[A-Za-z]{2,}\b", " ", text)  # Model 3, 36Kr
    return re.findall(r"(?<![\w.])\d[\d,.]*%?", text)


FIGURE_CALLS = ("figure",)


@pytest.mark.parametrize("notebook", sorted(p.name for p in (ROOT / "book").glob("*.ipynb")))
def test_no_typed_number_in_figure_strings(notebook):
    """Alt text, titles and captions handed to figure calls carry numbers only through formatted rows."""
    nb = json.loads((ROOT / "book" / notebook).read_text("utf-8"))
    bad = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for call in ast.walk(tree):
            name = getattr(call.func, "attr", getattr(call.func, "id", None)) if isinstance(call, ast.Call) else None
            if name in FIGURE_CALLS:
                args = list(call.args[2:]) + [k.value for k in call.keywords
                                              if k.arg in ("title", "alt_text", "caption")]
                for arg in args:
                    for s in _strings_in(arg):
                        bad += [f"{n!r} in {s[:60]!r}" for n in _typed_numbers(s)]
    assert not bad, f"{notebook}: typed numbers in figure strings: {bad}"


def test_no_typed_number_in_claims_evidence():
    text = (ROOT / "data" / "claims.csv").read_text("utf-8")
    bad = [(r["claim_id"], n) for r in csv.DictReader(io.StringIO(text)) for n in _typed_numbers(r["evidence"])]
    assert not bad, f"claims.csv evidence text types numbers (use {{table:key}} references): {bad[:10]}"


# ---------------------------------------------------------------- fast: editions

def test_changed_row_shows_as_changed(project_copy):
    (project_copy / "book" / "_editions").mkdir(parents=True)
    (project_copy / "book" / "_editions" / "0.1.0.json").write_text(
        editions.dumps(editions.manifest(project_copy, "0.1.0")), "utf-8")
    path = project_copy / "data" / "deliveries.csv"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    key = lines[1].split(",")[0]
    lines[1] = lines[1].replace(",verbatim,", ",notes-summary,", 1)
    path.write_text("".join(lines), "utf-8")
    changes = {c.table: c for c in editions.since("0.1.0", project_copy)}
    assert changes["deliveries"].changed == [key]
    assert changes["deliveries"].changed_fields[key] == ["quote_origin"]
    assert not changes["deliveries"].added and not changes["deliveries"].removed


def test_committed_manifest_is_the_previous_edition():
    m = editions.load("0.1.0")
    assert m["edition"] == "0.1.0" and "deliveries" in m["tables"]


# ---------------------------------------------------------------- slow: the built book

# Not prose: previews, the page header, figure kits and citations, entries, the figure itself.
SKIP_CLASSES = ("xev-tip", "xev-asof", "xev-downloads", "xev-kit", "xev-cite-figure", "xev-refman", "xev-bibtex",
                "headerlink", "xev-entry", "xev-static", "xev-figure-canvas", "caption-number",
                "std-numref")                   # "Figure 3": a cross-reference, not a number from the data


class _Text(HTMLParser):
    """The reader-visible prose of a page's article, split into linked and unlinked text."""

    SKIP = {"script", "style", "svg", "pre", "code", "figure-skip"}

    def __init__(self):
        super().__init__()
        self.stack = []
        self.linked, self.plain = [], []
        self.in_article = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class", "") or ""
        if tag == "article":
            self.in_article = True
        kind = None
        if tag in self.SKIP or any(c in cls.split() for c in SKIP_CLASSES):
            kind = "skip"
        elif tag == "a" and "xev-ev" in cls.split():
            kind = "link"
        elif tag == "span" and "caption-number" in cls.split():
            kind = "skip"
        if tag not in ("br", "img", "meta", "link", "input", "hr", "source"):
            self.stack.append(kind)

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article = False
        if tag not in ("br", "img", "meta", "link", "input", "hr", "source") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.in_article or "skip" in self.stack:
            return
        (self.linked if "link" in self.stack else self.plain).append(data)


def prose_numbers(html: str) -> tuple[list[str], list[str]]:
    """(linked numbers, unlinked numbers) in a page's prose and captions."""
    article = html.split('id="cite-', 1)[0]          # the citation block at the end is about the book
    p = _Text()
    p.feed(article)
    linked = [n for t in p.linked for n in _typed_numbers(t)]
    plain = [n for t in p.plain for n in _typed_numbers(t)]
    return linked, plain


@pytest.mark.slow
@pytest.mark.parametrize("name", READER_PAGES)
def test_numbers_in_prose_link_to_evidence(built, name):
    linked, plain = prose_numbers((built / f"{name}.html").read_text("utf-8"))
    share = len(linked) / max(1, len(linked) + len(plain))
    assert linked and share >= 0.95, f"{name}: {len(linked)} linked, unlinked: {plain}"


@pytest.mark.slow
@pytest.mark.parametrize("name", READER_PAGES)
def test_evidence_links_point_at_their_rows(built, name):
    html = (built / f"{name}.html").read_text("utf-8")
    target = (built / "evidence.html").read_text("utf-8")
    links = re.findall(r'<a class="xev-ev" href="evidence\.html#(ev-[^"]+)" aria-describedby="([^"]+)"', html)
    assert links, f"{name}: no evidence links"
    for anchor, tip in links:
        table, key = _row_of_anchor(anchor)
        assert key is not None, f"{name}: {anchor} names no row"
        assert f'id="{anchor}"' in target, f"{name}: evidence.html has no entry {anchor}"
        tip_html = re.search(rf'id="{re.escape(tip)}">(.*?)</span>', html).group(1)
        quote = evidence.raw_rows(table)[key]["quote"]
        assert evidence.esc(quote) in tip_html, f"{name}: the preview of {anchor} does not show its quote"
    for anchor in re.findall(r'<a class="xev-ev xev-derived" href="#(dv-[^"]+)"', html):
        assert f'id="{anchor}"' in html, f"{name}: no derived entry {anchor}"
    assert unmarked_links(html) == [], f"{name}: numbers without the marker their standing earns"


@pytest.mark.slow
@pytest.mark.parametrize("name", READER_PAGES)
def test_page_says_how_far_its_sources_reach(built, name):
    html = (built / f"{name}.html").read_text("utf-8")
    # the summary adds the briefing's own reach: "2026-03 on this page (2026-07 across the briefing)"
    m = re.search(r"sources reach <span[^>]*>(\d{4}-\d\d)(?: on this page \(\d{4}-\d\d across the briefing\))?</span>; "
                  r"later events are not covered", html)
    assert m, f"{name}: no 'sources reach' line"
    assert m.group(1) >= "2026-03", f"{name}: sources reach only {m.group(1)}"


@pytest.mark.slow
def test_whats_new_lists_every_added_row(built):
    html = (built / "whats-new.html").read_text("utf-8")
    from helpers.pages import cite

    for c in editions.since(editions.previous(cite.book().version)):
        for key in c.added:
            assert evidence.esc(key) in html, f"what's new omits {c.table}:{key}"
