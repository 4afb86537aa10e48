"""`make pdf`: every page prints to a PDF whose first page is not blank and
whose figures are there as static images."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import PAGES, ROOT, run

PDF = ROOT / "book" / "_build" / "pdf"


@pytest.fixture(scope="session")
def pdfs(built):
    missing = [tool for tool in ("pdftoppm", "pdfimages") if not shutil.which(tool)]
    if missing:
        reason = f"poppler-utils missing ({', '.join(missing)}): apt-get install poppler-utils"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    out = run(ROOT / "book" / "_scripts" / "browser.py", "pdf")
    if out.returncode and "no Chromium" in out.stdout + out.stderr and os.environ.get("CI") != "true":
        pytest.skip("PDF tests skipped: no Chromium (apt-get install chromium)")
    assert out.returncode == 0, out.stdout + out.stderr
    return PDF


def _ink(pdf) -> float:
    """Share of non-white pixels on the first page (rendered as a grey PGM)."""
    pgm = subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", str(pdf)],
                         capture_output=True, check=True).stdout
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    pixels = pgm[header.end():]
    return sum(1 for b in pixels if b < 200) / len(pixels)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES + ["book"])
def test_pdf_first_page_is_not_blank(pdfs, name):
    assert _ink(pdfs / f"{name}.pdf") > 0.02


@pytest.mark.slow
@pytest.mark.parametrize("name", ["trust-crisis", "ecosystem", "recalls", "global-expansion"])
def test_pdf_shows_every_figure(pdfs, built, name):
    figures = len(re.findall(r'class="xev-figure"', (built / f"{name}.html").read_text("utf-8")))
    listing = subprocess.run(["pdfimages", "-list", str(pdfs / f"{name}.pdf")],
                             capture_output=True, text=True, check=True).stdout
    images = [l for l in listing.splitlines()[2:] if " image " in l]
    assert len(images) >= figures >= 3
