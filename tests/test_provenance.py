"""The rules that decide whether a quote is in its source and a value in its quote."""
from datetime import date

import pytest

from helpers.data.provenance import date_in_quote, normalise, quote_in_text, value_in_quote


def test_normalise_folds_typography_space_and_case():
    assert normalise("China\u2019s  \u201cTrust\u201d\n crisis \u2014 now") == 'china\'s "trust" crisis - now'


@pytest.mark.parametrize("quote, found", [
    ("Xiaomi delivered 81,302", True),
    ("XIAOMI   delivered\n81,302", True),
    ("Xiaomi … 81,302", True),              # elision, in order
    ("81,302 … Xiaomi", False),             # fragments out of order
    ("Xiaomi delivered 81,303", False),
    ("…", False),                           # nothing left to find
])
def test_quote_in_text(quote, found):
    assert quote_in_text(quote, normalise("Xiaomi delivered 81,302 electric vehicles in Q2")) is found


@pytest.mark.parametrize("value, unit, quote, ok", [
    (116887, None, "recall of 116,887 Xiaomi SU7", True),
    (116886, None, "recall of 116,887 Xiaomi SU7", False),
    (46249, None, "a Xiaomi entregou 46.249 veículos", True),          # dot thousands
    (1035, "million devices", "tăng lên 1,035 tỷ đơn vị", True),       # decimal comma + tỷ
    (20.2, "% change", "tăng 20,2%", True),
    (-0.7, "CNY bn", "an operating loss of 700 million", True),        # scale word, sign ignored
    (0.7, "CNY bn", "an operating profit of CNY700 million", True),
    (7, "CNY bn", "an operating profit of CNY700 million", False),
    (70, "HKD bn", "nearly HK$70 billion", True),
    (350000, None, "It targets sales of 350,00 vehicles", False),      # a typo is not a match
    (33.3, "%", "covering one-third of the SU7's cumulative sales", True),
    (33, "%", "covering one-third of the SU7's cumulative sales", True),
    (25, "%", "covering one-third of the SU7's cumulative sales", False),
    (3, "people", "which killed three people", True),
    (4, "people", "which killed three people", False),
    (0.05, "mm", "an accuracy of ±0.05mm", True),
    (11, "million vehicles", "China sold more than 11m", True),
])
def test_value_in_quote(value, unit, quote, ok):
    assert value_in_quote(value, unit, quote) is ok


@pytest.mark.parametrize("d, quote, ok", [
    (date(2025, 3, 29), "on March 29, 2025", True),
    (date(2025, 3, 29), "on March 29", False),                 # no year
    (date(2025, 3, 28), "on March 29, 2025", False),
    (date(2024, 1, 1), "10% … January 2024", True),            # month precision
    (date(2024, 2, 1), "10% … January 2024", False),
    (date(2025, 10, 14), "2025.10.14 10:24", True),
    (date(2025, 9, 19), "2025年9月19日", True),
    (date(2024, 9, 27), "final 2024-09-13, effective 2024-09-27", True),
    (date(2024, 9, 28), "final 2024-09-13, effective 2024-09-27", False),
])
def test_date_in_quote(d, quote, ok):
    assert date_in_quote(d, quote) is ok
