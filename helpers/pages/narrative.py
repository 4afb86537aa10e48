"""Numbers as words for the book's prose: every number a chapter states is
formatted here from a data value and placed with myst-nb's glue, never typed."""
from __future__ import annotations

QUALIFIER_WORDS = {"exact": "", "over": "over ", "about": "about ", "nearly": "nearly ",
                   "up-to": "up to "}
_MONEY = {"CNY": ("RMB ", ""), "USD": ("$", ""), "HKD": ("HK$", "")}


# Plain str values are glued as their repr ('75,869'), which myst-nb's
# {glue:text} reads back with literal_eval: exactly the string, quotes gone.
# (A bare 75,869 would be read back as the tuple (75, 869).) So every formatter returns str.
Phrase = str


def _trim(x: float, decimals: int | None) -> str:
    if decimals is None:
        decimals = 0 if float(x).is_integer() else len(repr(float(x)).split(".")[1])
    return f"{x:,.{decimals}f}"


def num(value: float, decimals: int | None = None, qualifier: str = "exact") -> Phrase:
    """116887 -> '116,887'; with qualifier 'over' -> 'over 116,887'."""
    return Phrase(QUALIFIER_WORDS[qualifier] + _trim(value, decimals))


def pct(value: float, decimals: int | None = None, signed: bool = False, qualifier: str = "exact") -> Phrase:
    """55 -> '55%'; signed -> '-5.49%' / '+20.2%'."""
    text = _trim(abs(value) if not signed else value, decimals)
    if signed and value > 0:
        text = "+" + text
    return Phrase(QUALIFIER_WORDS[qualifier] + text + "%")


def money(value: float, unit: str, decimals: int | None = None, qualifier: str = "exact") -> Phrase:
    """(6.2, 'CNY bn') -> 'RMB 6.2 billion'; (903, 'USD') -> '$903'. Sign dropped: say loss or profit in words."""
    currency, *scale = unit.split()
    prefix, _ = _MONEY[currency]
    word = {"bn": " billion"}.get(scale[0], "") if scale else ""
    return Phrase(QUALIFIER_WORDS[qualifier] + prefix + _trim(abs(value), decimals) + word)


def words(value: float) -> Phrase:
    """Small whole numbers in words (style for counts under ten)."""
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return Phrase(names[int(value)] if float(value).is_integer() and 0 <= value < 10 else _trim(value, None))



_SUFFIX_UNITS = {"km/h", "km", "kWh", "mm", "V", "TOPS", "inch", "weeks", "months", "days", "minutes", "years"}


def quantity(value: float, unit: str | None, qualifier: str = "exact", decimals: int | None = None) -> Phrase:
    """A value in its unit, as a reader says it: ('55', '% change') -> '55%' (the
    sentence says up or down), (6.2, 'CNY bn') -> 'RMB 6.2 billion',
    (904.6, 'million devices') -> '904.6 million', (116, 'km/h') -> '116 km/h'."""
    q = qualifier if isinstance(qualifier, str) and qualifier in QUALIFIER_WORDS else "exact"
    unit = unit if isinstance(unit, str) else ""
    if unit in ("%", "% change"):
        return pct(value, decimals, qualifier=q)
    if unit.split(" ")[0] in _MONEY:
        return money(value, unit, decimals, qualifier=q)
    if unit.startswith("million "):
        return Phrase(num(value, decimals, q) + " million")
    if unit in _SUFFIX_UNITS:
        return Phrase(num(value, decimals, q) + " " + unit)
    return num(value, decimals, q)


def span(low: float, high: float, unit: str | None, repeat: bool = False) -> Phrase:
    """A range as a reader says it. The unit once: (3, 4, 'months') -> '3 to 4 months',
    (32, 33, 'CNY bn') -> 'RMB 32 to 33 billion'; ``repeat`` names it at both ends:
    (73, 101.7, 'kWh') -> '73 kWh to 101.7 kWh'."""
    if repeat:
        return Phrase(f"{quantity(low, unit)} to {quantity(high, unit)}")
    if isinstance(unit, str) and unit.split(" ")[0] in _MONEY:
        prefix, high_text = _MONEY[unit.split(" ")[0]][0], money(high, unit)
        return Phrase(f"{prefix}{_trim(abs(low), None)} to {high_text[len(prefix):]}")
    return Phrase(f"{num(low)} to {quantity(high, unit)}")


def ordinal(n: float) -> Phrase:
    """A rank as the prose says it: 1 -> '1st', 20 -> '20th'."""
    n = int(n)
    return Phrase(f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}")


def month(value) -> Phrase:
    """A date to the month, as the prose says it: 'January 2026'."""
    return Phrase(f"{value:%B %Y}")
