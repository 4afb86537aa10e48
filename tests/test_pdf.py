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
