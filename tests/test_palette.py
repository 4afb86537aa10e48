"""The chart palette stays distinguishable for colour-blind readers: every
pair of the first five colours (the most any figure uses) keeps a visible
difference under simulated protanopia, deuteranopia and tritanopia."""
import itertools

import pytest

from helpers.pages.charts import PALETTE

# Machado, Oliveira & Fernandes (2009), severity 1.0, in linear RGB.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "normal": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
}
USED = 5          # no figure of the book uses more colours than this
MIN_DELTA_E = 12  # CIE76 difference; about 2.3 is just noticeable


def _linear(c):
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _lab(rgb):
    r, g, b = rgb
    x = 0.4124 * r + 0.3576 * g + 0.1805 * b
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = 0.0193 * r + 0.1192 * g + 0.9505 * b
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x / 0.95047, y, z / 1.08883)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def seen(hex_colour, matrix):
    rgb = [_linear(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5)]
    sim = [min(1, max(0, sum(m * v for m, v in zip(row, rgb)))) for row in matrix]
    return _lab(sim)


def delta_e(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


@pytest.mark.parametrize("vision", SIMULATIONS)
def test_palette_pairs_stay_apart(vision):
    colours = [seen(c, SIMULATIONS[vision]) for c in PALETTE[:USED]]
    worst = min((delta_e(a, b), i, j) for (i, a), (j, b) in itertools.combinations(enumerate(colours), 2))
    assert worst[0] >= MIN_DELTA_E, f"{vision}: {PALETTE[worst[1]]} vs {PALETTE[worst[2]]} differ by {worst[0]:.1f}"


def test_a_bad_palette_fails():
    """The check can fail: red and green merge for a deuteranope."""
    red, green = seen("#d62728", SIMULATIONS["deuteranopia"]), seen("#2ca02c", SIMULATIONS["deuteranopia"])
    assert delta_e(red, green) < MIN_DELTA_E
