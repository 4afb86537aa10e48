"""Is a quote really in its source, and is a value really in its quote?

Text is compared after normalisation (Unicode NFKC, typographic quotes and
dashes made plain, white space collapsed, case folded). A quote may elide
text with "…" or "...": each fragment must then appear, in order.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u00a0": " ",
})
_SPACE = re.compile(r"\s+")
# A reference to a row in text written about the data (the fact-check's evidence,
# Page.sentence): {table:key} is the row's value, {table:key:field} another field.
ROW_REF = re.compile(r"\{([a-z_]+):([a-z0-9][a-z0-9.-]*)(?::([a-z_]+))?\}")
ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


# Pure functions of their text, asked again for the same quotes and seed files
# by every check run (verify, each load_table, each test case): remembered.
@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return _SPACE.sub(" ", text).strip().casefold()


@lru_cache(maxsize=8192)
def _fragments(quote: str) -> tuple[str, ...]:
    return tuple(f for f in (normalise(p) for p in ELLIPSIS.split(normalise(quote))) if f)


def fragments(quote: str) -> list[str]:
    """The non-empty pieces of a quote between elisions, normalised."""
    return list(_fragments(quote))


def quote_in_text(quote: str, normalised_text: str) -> bool:
    """True if every fragment of ``quote`` occurs in the text, in order."""
    parts = _fragments(quote)
    if not parts:
        return False
    at = 0
    for part in parts:
        found = normalised_text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


# ---------------------------------------------------------------- numbers

_SCALE_WORDS = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "triệu": 1e6,
    "billion": 1e9, "bn": 1e9, "tỷ": 1e9, "万": 1e4, "亿": 1e8,
}
_NUMBER = re.compile(
    r"(?<!\d)(\d+(?:[.,]\d+)*)"
    r"(?:\s*(thousand|million|billion|bn|k|m|triệu|tỷ)(?![a-z])|\s*(万|亿))?")
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "double": 2, "triple": 3, "dozen": 12,
}
_FRACTIONS = {"half": 1 / 2, "one-third": 1 / 3, "one third": 1 / 3,
              "two-thirds": 2 / 3, "two thirds": 2 / 3, "quarter": 1 / 4,
              "one-quarter": 1 / 4, "three-quarters": 3 / 4}
_WORD_RE = re.compile(r"\b(" + "|".join(sorted(
    map(re.escape, list(_WORDS) + list(_FRACTIONS)), key=len, reverse=True)) + r")\b")


def _readings(token: str) -> set[float]:
    """All sensible readings of a digit string with separators:
    '46.249' -> {46.249, 46249}; '1,035' -> {1.035, 1035}; '350,00' -> {350.0}."""
    seps = re.findall(r"[.,]", token)
    if not seps:
        return {float(token)}
    groups = re.split(r"[.,]", token)
    out = set()
    if len(set(seps)) == 1:
        if all(len(g) == 3 for g in groups[1:]):          # thousands separators
            out.add(float("".join(groups)))
        if len(seps) == 1:                                  # decimal point or comma
            out.add(float(token.replace(",", ".")))
    else:                                                   # 1,234.5 or 1.234,5
        last = max(token.rfind("."), token.rfind(","))
        whole = re.sub(r"[.,]", "", token[:last])
        out.add(float(f"{whole}.{token[last + 1:]}"))
    return out


def numbers_in(text: str) -> set[float]:
    """Every number the (normalised) text states, raw and with its scale word."""
    return set(_numbers_in(text))


@lru_cache(maxsize=8192)     # a quote is asked once per checked value, by every check run
def _numbers_in(text: str) -> frozenset[float]:
    out: set[float] = set()
    for m in _NUMBER.finditer(text):
        scale = _SCALE_WORDS.get(m.group(2) or m.group(3) or "", 1.0)
        for r in _readings(m.group(1)):
            out.add(r)
            out.add(r * scale)
    for m in _WORD_RE.finditer(text):
        word = m.group(1)
        if word in _WORDS:
            out.add(float(_WORDS[word]))
    return frozenset(out)


def fractions_in(text: str) -> set[float]:
    return {_FRACTIONS[m.group(1)] for m in _WORD_RE.finditer(text) if m.group(1) in _FRACTIONS}


def unit_scale(unit: str | None) -> float:
    """How many of the base unit one unit holds: 'CNY bn' -> 1e9."""
    if not unit:
        return 1.0
    if re.search(r"\bbn\b|\bbillion\b", unit):
        return 1e9
    if re.search(r"\bmillion\b", unit):
        return 1e6
    return 1.0


def _decimals(value: float) -> int:
    """Places after the decimal point in the shortest repr: 33.3 -> 1,
    1e-05 -> 5, 1e+20 -> 0 (and 0 for inf or nan, which have none)."""
    if not math.isfinite(value):
        return 0
    text = repr(float(value))
    if text.endswith(".0"):
        return 0
    exponent = Decimal(text).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def value_in_quote(value: float, unit: str | None, quote: str) -> bool:
    """True if the quote states ``value`` (in ``unit``), ignoring its sign."""
    text = normalise(quote)
    wanted = {w for w in (abs(float(value)), abs(float(value)) * unit_scale(unit)) if math.isfinite(w)}
    for n in _numbers_in(text):
        if not math.isfinite(n):          # a digit string too long for a float states nothing
            continue
        if any(math.isclose(n, w, rel_tol=1e-9, abs_tol=1e-12) for w in wanted):
            return True
    v = abs(float(value))
    places = _decimals(v)
    for f in fractions_in(text):                 # "one-third" states 33.3 (%) or 0.33
        if round(f * 100, places) == v or round(f, places) == v:
            return True
    return False


# ---------------------------------------------------------------- dates

_MONTHS = ["january", "february", "march", "april", "may", "june", "july",
           "august", "september", "october", "november", "december"]


def date_in_quote(d: date, quote: str) -> bool:
    """True if the quote gives the date's year, month and (unless it is the
    1st, i.e. a month-precision date) its day."""
    text = normalise(quote)
    y, m, dd = d.year, d.month, d.day
    numeric = [rf"{y}[-./]0?{m}[-./]0?{dd}(?!\d)", rf"{y}年0?{m}月0?{dd}日"]
    if any(re.search(p, text) for p in numeric):
        return True
    if not re.search(rf"(?<!\d){y}(?!\d)", text):
        return False
    name = _MONTHS[m - 1]
    month_ok = (re.search(rf"\b{name[:3]}(?:{name[3:]}|\.)?\b", text) is not None
                or re.search(rf"(?<!\d)0?{m}月", text) is not None
                or re.search(rf"{y}[-./]0?{m}(?!\d)", text) is not None)
    if not month_ok:
        return False
    if dd == 1:
        return True
    return re.search(rf"(?<![\d.,]){dd}(?![\d])", text.replace(str(y), " ")) is not None


def text_in_quote(value: str, quote: str) -> bool:
    return normalise(value) in normalise(quote)
