"""The book's prose types no numbers: every number comes from data via glue."""
import json
import re

import pytest

from conftest import ROOT

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
