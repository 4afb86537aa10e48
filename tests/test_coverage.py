"""Every number in the seeds and in the research notes is in the data: each
is the checked value of some row citing that source, or is listed below with
the reason it is not a claim to curate."""
import re

import pytest

import helpers
from conftest import ROOT
from helpers import provenance as pv
from helpers.checks import Context, _unit_of

NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*(?:\s*(?:million|billion|bn|m\b|%|tỷ))?")

# (source, number as written, a few words around it, why it is not curated)
NOT_CLAIMS = [
    ("seed-livestream", "1", "landscape: 1. the tech", "list numbering"),
    *[("seed-ainvest", n, f"[{n}]", "footnote marker") for n in map(str, range(1, 14))],
    ("seed-ainvest", "32", "32-billion-parameter", "the AI writing agent's own description, not about Xiaomi"),
    ("seed-risewithchina", "24", "subsequent 24 hours", "the period of the launch orders (deliveries.period)"),
    ("seed-risewithchina", "2", "army #2", "section numbering"),
    ("seed-risewithchina", "3", "army #3", "section numbering"),
    ("seed-risewithchina", "2", "2. the battle", "list numbering"),
    ("seed-risewithchina", "3", "3. the battle", "list numbering"),
    ("seed-risewithchina", "8295", "snapdragon 8295", "a chip's model name"),
    ("seed-risewithchina", "3", "model 3's", "a car's model name"),
    ("seed-longport", "2025.10.14", "2025.10.14 10:24", "the post's date stamp (events.date)"),
    ("seed-longport", "24", "10:24", "the post's time stamp"),
    ("seed-longport", "01810", "01810.hk", "Xiaomi's stock code"),
    ("seed-longport", "3", "model 3/y", "a car's model name"),
    ("notes", "1", "## 1.", "section numbering"), ("notes", "2", "## 2.", "section numbering"),
    ("notes", "4", "## 4.", "section numbering"), ("notes", "5", "## 5.", "section numbering"),
    ("notes", "6", "## 6.", "section numbering"), ("notes", "7", "## 7.", "section numbering"),
    ("notes", "350,00", "350,00 vehicles", "the page's typo for 350,000, curated with a derivation"),
    ("notes", "1.10.0", "hyperos 1.10.0", "a software version (recalls.remedy)"),
    ("notes", "1", "april 1 move", "a date (market_reaction.date)"),
    ("notes", "1", "oct. 1", "a date (tariffs.effective)"),
    ("notes", "1", "august 1", "a date (tariffs.effective)"),
    ("notes", "27", "september 27", "a date (tariffs.effective)"),
    ("notes", "5", 'and "over 5%"', "the notes quoting seed-ainvest, curated from the seed"),
    ("notes", "301", "section 301", "the name of the US law"),
    ("notes", "5", "(5 years", "the EU duties' term: no column holds durations (a known gap)"),
    ("notes", "30.7", "30.7% total", "a sum: tariffs rows hold 20.7% on the 10% base, with a derivation"),
    ("notes", "45.3", "45.3% if not", "a sum: tariffs rows hold 35.3% on the 10% base, with a derivation"),
]


def _values(keep):
    ctx = Context()
    out = []
    for res in ctx.resources.values():
        parsed, _ = ctx.parsed(res.name)
        if not res.is_fact_table:
            continue
        for r in parsed.records:
            if keep(r.values["source_id"]):
                out += [(r.values[f.name], _unit_of(res, r.values, f.name)) for f in res.fields
                        if f.checked and f.type in ("integer", "number") and r.values[f.name] is not None]
    return out


def _uncovered(text, values, source):
    missing = []
    for m in NUMBER.finditer(text):
        token = m.group(0).rstrip(".,")
        digits = re.match(r"\d[\d,.]*", token).group(0).rstrip(".,")
        if re.fullmatch(r"(19|20)\d\d", digits):
            continue                                   # years
        if any(pv.value_in_quote(v, u, token) for v, u in values):
            continue
        around = text[max(0, m.start() - 30):m.end() + 30]
        if any(s == source and n == digits and ctx in around for s, n, ctx, _ in NOT_CLAIMS):
            continue
        missing.append(f"{token!r} in '…{around}…'")
    return missing


SEEDS = helpers.sources().query("kind == 'seed'")


@pytest.mark.parametrize("source_id, path", list(zip(SEEDS["source_id"], SEEDS["path"])))
def test_every_seed_number_is_curated(source_id, path):
    text = pv.normalise((ROOT / path).read_text("utf-8"))
    missing = _uncovered(text, _values(lambda s: s == source_id), source_id)
    assert not missing, "\n".join(missing)


def test_every_research_note_number_is_curated():
    text = (ROOT / "seeds" / "research" / "external-facts.md").read_text("utf-8")
    text = re.sub(r"https?://\S+", " ", text)                 # addresses
    text = re.sub(r"\b\d{4}-\d\d(-\d\d)?\b", " ", text)       # ISO dates (checked as dates)
    external = set(helpers.sources().query("kind == 'external'")["source_id"])
    missing = _uncovered(pv.normalise(text), _values(lambda s: s in external), "notes")
    assert not missing, "\n".join(missing)


def test_the_coverage_check_can_fail():
    assert _uncovered("it sold 123,457 cars", [(123456, None)], "seed-x") == ["'123,457' in '…it sold 123,457 cars…'"]


def test_fact_check_covers_the_required_claims():
    claims = helpers.load_table("claims")
    text = " ".join(claims["claim"]).lower()
    for needle in ["6.1%", "one-third", "350,000", "64%", "410,000"]:
        assert needle in text, needle
