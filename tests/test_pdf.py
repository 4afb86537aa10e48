"""`make pdf`: every page of the toc prints to a PDF whose first page is not
blank and whose figures are there as static images; the whole book holds
every page. (The `pdfs` fixture, in conftest.py, prints them once.)"""
import re
import subprocess

import pytest

from booktools.build import figure_outputs
from conftest import CHAPTERS, PAGES


def _ink(pdf) -> float:
    """Share of non-white pixels on the first page (rendered as a grey PGM)."""
    pgm = subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", str(pdf)],
                         capture_output=True, check=True).stdout
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    pixels = pgm[header.end():]
    return sum(1 for b in pixels if b < 200) / len(pixels)


@pytest.mark.slow
@pytest.mark.parametrize("name", [*PAGES, "book"])
def test_pdf_first_page_is_not_blank(pdfs, name):
    assert _ink(pdfs / f"{name}.pdf") > 0.02


@pytest.mark.slow
@pytest.mark.parametrize("name", CHAPTERS)
def test_pdf_shows_every_figure(pdfs, built, name):
    figures = sum(item["payload"]["page"] == name for item in figure_outputs().values())
    listing = subprocess.run(["pdfimages", "-list", str(pdfs / f"{name}.pdf")],
                             capture_output=True, text=True, check=True).stdout
    images = [line for line in listing.splitlines()[2:] if " image " in line]
    assert len(images) >= figures >= 3


def words(pdf, first_page_only=False) -> list[str]:
    args = ["pdftotext", *(["-f", "1", "-l", "1"] if first_page_only else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()


@pytest.mark.slow
def test_whole_book_holds_every_page_in_toc_order(pdfs):
    """book.pdf prints every page, one after another in the order of _toc.yml:
    a run of words from each page's own PDF is found there, after the previous page's."""
    book = " ".join(words(pdfs / "book.pdf"))
    at = 0
    for name in PAGES:
        own = words(pdfs / f"{name}.pdf", first_page_only=True)
        run = " ".join(own[len(own) // 2:][:10])
        found = book.find(run, at)
        assert len(run) > 30 and found >= 0, f"{name}: {run!r} not in book.pdf after position {at}"
        at = found + len(run)


# ---------------------------------------------------------------- fit for a report

def _literal(raw: bytes) -> str:
    """A PDF literal string's bytes, unescaped."""
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):       # backslash
            n = raw[i + 1]
            if 0x30 <= n <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1:]).group(0)
                out.append(int(digits, 8))
                i += 1 + len(digits)
                continue
            out.append({ord("n"): 10, ord("r"): 13, ord("t"): 9}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return out.decode("latin-1")


def pdf_links(path) -> dict:
    """The link annotations of a PDF Chromium printed (Skia writes them uncompressed):
    ``uri``, the addresses of links to elsewhere; ``internal``, how many links
    jump inside the PDF; ``unresolved``, internal links whose named destination
    the PDF does not define."""
    data = path.read_bytes()
    annots = data.count(b"/Subtype /Link")
    uris = [_literal(m.group(1)) for m in re.finditer(rb"/URI \(((?:\\.|[^\\)])*)\)", data)]
    dests = re.findall(rb"/Dest /([^\s/\[\]<>()]+)", data)
    defined = set(re.findall(rb"/([^\s/\[\]<>()]+) \[\d+ 0 R /XYZ", data))
    assert annots == len(uris) + len(dests), "a link annotation this reader does not understand"
    return {"uri": uris, "internal": len(dests), "unresolved": sorted({d.decode() for d in dests} - {
        d.decode() for d in defined})}


@pytest.mark.slow
def test_book_pdf_links_resolve_inside_it_never_to_a_local_server(pdfs):
    links = pdf_links(pdfs / "book.pdf")
    local = [u for u in links["uri"] if re.match(r"https?://(127\.|localhost|\[::1\])", u)]
    assert not local, f"{len(local)} links to a local server, e.g. {local[:3]}"
    assert links["internal"] >= 1000 and not links["unresolved"], (links["internal"], links["unresolved"][:5])
    for name in PAGES:
        assert not [u for u in pdf_links(pdfs / f"{name}.pdf")["uri"] if "127.0.0.1" in u], name


def _outline(pdf) -> list[str]:
    """The top level of a PDF's outline (bookmarks), via poppler's pdftohtml."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)], capture_output=True,
                         text=True, check=True).stdout
    tree = xml[xml.find("<outline>"):] if "<outline>" in xml else ""
    top, depth = [], 0
    for tag, text in re.findall(r"<(/?outline|item)[^>]*>([^<]*)", tree):
        if tag == "outline":
            depth += 1
        elif tag == "/outline":
            depth -= 1
        elif depth == 1:
            top.append(html_unescape(text).strip())
    return top


def html_unescape(text):
    import html

    return html.unescape(text)


@pytest.mark.slow
def test_book_pdf_has_each_page_title_as_a_heading_and_an_outline(pdfs):
    from booktools.project import titles

    def plain(s):  # the build sets typographic apostrophes
        return s.replace("\u2019", "'")

    top = [plain(t) for t in _outline(pdfs / "book.pdf")]
    expected = [plain(t) for t in titles().values()]
    assert top == expected, top
    text = plain(subprocess.run(["pdftotext", str(pdfs / "book.pdf"), "-"], capture_output=True, text=True).stdout)
    for title in expected:
        assert re.search(rf"(^|[\n\f]){re.escape(title)}\n", text), f"{title!r} is not printed as a heading"
    assert "\nContents\n" not in text


def _pages_with_images(pdf) -> set[int]:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {int(line.split()[0]) for line in listing.splitlines()[2:] if line.strip()}


@pytest.mark.slow
def test_book_pdf_has_no_blank_page_and_keeps_captions_with_figures(pdfs):
    text = subprocess.run(["pdftotext", str(pdfs / "book.pdf"), "-"], capture_output=True, text=True).stdout
    sheets = text.split("\f")[:-1]
    images = _pages_with_images(pdfs / "book.pdf")
    blank = [n for n, sheet in enumerate(sheets, 1) if not sheet.strip() and n not in images]
    assert not blank, f"blank pages: {blank}"
    alone = [n for n, sheet in enumerate(sheets, 1)
             if re.match(r"\s*Figure \d+ ", sheet) and n not in images]
    assert not alone, f"a caption starts these pages, without its figure: {alone}"


@pytest.mark.slow
def test_book_pdf_embeds_a_cjk_font(pdfs):
    """The evidence appendix quotes Chinese sources: without a CJK font they print as boxes."""
    fonts = subprocess.run(["pdffonts", str(pdfs / "book.pdf")], capture_output=True, text=True, check=True).stdout
    cjk = [line.split()[0] for line in fonts.splitlines()[2:]
           if re.search(r"WenQuanYi|CJK|Hei|Ming|Song|Fallback|Gothic", line.split()[0], re.I)]
    assert cjk, "no CJK font embedded (Debian: apt-get install fonts-wqy-microhei)\n" + fonts


@pytest.mark.slow
def test_pdf_metadata_title_once_author_and_edition(pdfs):
    from helpers.pages import cite

    b = cite.book()
    for name in ("book", "index", *CHAPTERS[:1]):
        info = dict(re.findall(r"^(\w+):\s+(.*)$", subprocess.run(["pdfinfo", str(pdfs / f"{name}.pdf")],
                               capture_output=True, text=True, check=True).stdout, re.M))
        assert info["Title"].count(b.title) == 1, info["Title"]
        assert info["Author"] == b.author and f"Version {b.version}" in info["Title"]


@pytest.mark.slow
def test_printed_text_fits_paper(pdfs):
    """Paper has no hover: the printed note says where the evidence is instead."""
    text = subprocess.run(["pdftotext", str(pdfs / "book.pdf"), "-"], capture_output=True, text=True).stdout
    assert "hover" not in " ".join(text.split()).lower()
