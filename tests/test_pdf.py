"""`make pdf`: every page of the toc prints to a PDF whose first page is not
blank and whose figures are there as static images; the whole book holds
every page. (The `pdfs` fixture, in conftest.py, prints them once.)"""
import html
import re
import subprocess

import pytest

from booktools.build import FIGURE
from conftest import CHAPTERS, PAGES


def _ink(pdf) -> float:
    """Share of non-white pixels on the first page (rendered as a grey PGM)."""
    pgm = subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", str(pdf)],
                         capture_output=True, check=True).stdout
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    pixels = pgm[header.end():]
    return sum(1 for b in pixels if b < 200) / len(pixels)


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", [*PAGES, "book"])
def test_pdf_first_page_is_not_blank(pdfs, name):
    assert _ink(pdfs / f"{name}.pdf") > 0.02


@pytest.mark.slow
@pytest.mark.parametrize("name", CHAPTERS)
def test_pdf_shows_every_figure(pdfs, built, name):
    figures = len(FIGURE.findall((built / f"{name}.html").read_text("utf-8")))
    listing = subprocess.run(["pdfimages", "-list", str(pdfs / f"{name}.pdf")],
                             capture_output=True, text=True, check=True).stdout
    images = [line for line in listing.splitlines()[2:] if " image " in line]
    assert len(images) >= figures >= 3


def page_title(html_text: str) -> str:
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html_text, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<a class=\"headerlink\".*?</a>|<[^>]+>", "", h1, flags=re.S)).split())


@pytest.mark.slow
def test_whole_book_holds_every_page_in_toc_order(pdfs, built):
    """book.pdf prints every page's title, one after another in the order of _toc.yml."""
    text = " ".join(pdf_text(pdfs / "book.pdf").split())
    at = 0
    for name in PAGES:
        title = page_title((built / f"{name}.html").read_text("utf-8"))
        found = text.find(title, at)
        assert found >= 0, f"{name}: title {title!r} not in book.pdf after position {at}"
        at = found + len(title)
