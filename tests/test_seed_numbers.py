"""Every number in the seeds and in the research notes is in the data: each
is the checked value of some row citing that source, or is listed below with
the reason it is not a claim to curate."""
import re

import pytest

import helpers
from conftest import ROOT
from helpers.data import provenance as pv
from helpers.data.checks import Context, _unit_of

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


def _uncovered(text, values, source, number=NUMBER, allowed=NOT_CLAIMS):
    missing = []
    for m in number.finditer(text):
        token = m.group(0).rstrip(".,")
        digits = re.match(r"\d[\d,.]*", token).group(0).rstrip(".,")
        if re.fullmatch(r"(19|20)\d\d", digits):
            continue                                   # years
        if any(pv.value_in_quote(v, u, token) for v, u in values):
            continue
        around = text[max(0, m.start() - 30):m.end() + 30]
        if any(s == source and n == digits and ctx in around for s, n, ctx, _ in allowed):
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


# The 2026 notes write Chinese amounts with 万/萬 (ten thousand) and 亿/億 (hundred million): read the scale word
# with the number, so that "3.8 萬輛" is checked as 38,000.
NUMBER_2026 = re.compile(r"(?<![\w.])\d[\d,.]*(?:\s*(?:million|billion|bn|m\b|%|tỷ|万|亿))?")
NOTES_2026 = ("2026-business.md", "2026-trust-global.md")
_B, _T = NOTES_2026

# (notes file, number as written, a few words around it, why it is not curated); the words are matched
# in the notes' normalised text (lower case, URLs and ISO dates removed, 萬/億 written 万/亿).
NOT_CLAIMS_2026 = [
    # headers, section numbers, names
    (_T, "6", "## 6.", "section numbering"),
    (_B, "36", "36kr", "a publisher's name (36Kr)"),
    (_B, "66260", "66260.cn", "a site's name"), (_T, "66260", "66260.cn", "a site's name"),
    (_T, "163", "163.com", "a site's name"),
    (_T, "1.10.0", "version after 1.10.0", "a software version"),
    # dates and times written out (rows hold them as dates)
    (_B, "19", "19:00", "the new SU7's launch date and hour (company_facts as_of: 2026-03-19)"),
    (_B, "19", "19 march launch", "the new SU7's launch date (company_facts as_of: 2026-03-19)"),
    (_T, "19", "19 march (163.com", "the new SU7's launch date (company_facts as_of: 2026-03-19)"),
    (_B, "24", "24:00 on march 22", "the hour of a deadline in the priority-production rule (an L page, not used)"),
    (_T, "28", "28 aug 2025", "a phone software release date, not about the car business"),
    # ecosystem chapter: not curated, with the reason
    (_B, "52", "52 ha site", "the third plant's site area, from lmsyx.cn: the trust notes call its pages machine-written "
                             "with invented facts and use none of its claims"),
    (_T, "1.04", "1.04bn (10.4", "the notes' rounding of 1,035.5 million (ecosystem: eco-iot-devices-2025-09-30-stheadline)"),
    (_T, "10.4", "(10.4亿)", "the notes' rounding of 1,035.5 million (ecosystem: eco-iot-devices-2025-09-30-stheadline)"),
    (_T, "12", "12 driving benchmarks", "benchmark count of an AI model (MiMo-Embodied), not a car-business figure"),
    (_T, "12", "12 个自动驾驶任务", "benchmark count of an AI model (MiMo-Embodied), not a car-business figure"),
    (_T, "37", "37 869", "37,869 written with a space (peers: peer-xiaomi-yu7-sales-2026-01-livemint)"),
    (_T, "869", "37 869", "37,869 written with a space (peers: peer-xiaomi-yu7-sales-2026-01-livemint)"),
    (_T, "89,000", "~89,000", "the notes' rounding of the 2024 launch-day orders (deliveries: "
                              "orders-launch-day-2024-seed-risewithchina, 88,898)"),
    (_T, "24", "in 24 h", "the period of the 2024 launch-day orders (deliveries.period)"),
    *[(_T, n, "22.99/25.99/30.99万", "pre-sale prices in 万 with the unit after the last only; the lowest is curated "
                                     "as 229,900 (company_facts: new-su7-presale-price-zuowenti), the others come from "
                                     "pages the notes name without a URL (reportify.cn, yxiu)")
      for n in ("22.99", "25.99", "30.99")],
    *[(_T, n, "21.99/24.99/30.39万", "launch prices in 万 with the unit after the last only; curated as 219,900, "
                                     "249,900 and 303,900 (company_facts: new-su7-launch-price-*-youjia)")
      for n in ("21.99", "24.99")],
    *[(_B, n.rstrip("%m万 "), n, "China's January 2026 market totals (CAAM, CPCA, cnyes) and BYD's February: ev_market holds "
                 "yearly figures, and no chapter states monthly market totals")
      for n in ("14.8%", "1.665m", "18.9%", "643,000", "41.7%", "28%", "16%", "312,000", "563,000", "56.3 万",
                "190,000", "41%", "57.4%", "36.3%")],
    (_B, "3.6", "3.6%", "an industry forecast range for 2026 (a decline of 1 to 3.6%): ev_market holds the CAAM "
                         "forecast instead (evm-china-car-sales-forecast-2026-caam)"),
    (_B, "14", "14 january 2026", "the date of a price-war meeting (no chapter states it)"),
    (_B, "16", "(caixin 01-16)", "a page's date"), (_B, "23", "(caixin 01-23)", "a page's date"),
    (_B, "3.79", "3.79万", "cnyes compares a model with a brand (the notes use the CPCA/Autohome ranking instead)"),
    (_B, "3.88", "3.88万", "cnyes compares a model with a brand (the notes use the CPCA/Autohome ranking instead)"),
    # recalls and safety chapter (trust notes sections 1, 3 and the quality rows of 4): not curated, with the reason
    (_T, "370", "370 тысяч", "370 thousand in Russian (recalls: door-handle-proposal-yicai-29ru holds 370000)"),
    (_T, "48001", "gb 48001-2026", "the door-handle standard's number (standards.number: GB 48001-2026)"),
    (_T, "44496", "gb 44496-2024", "the OTA standard's number (standards.number: GB 44496-2024)"),
    (_T, "66260", "(66260 url above)", "a site's name"),
    (_T, "16", "display 16-22 april", "a date (standards: std-l2-draft-display-chinadaily, 2026-04-16)"),
    (_T, "27", "june 27, 2026", "a date (standards: std-l2-approved-topcarnews, 2026-06-27)"),
    (_T, "27", "approved 27 june", "a date (standards: std-l2-approved-topcarnews, 2026-06-27)"),
    (_T, "28", "approval date 28 jan", "a date (standards: std-gb48001-approved-zol, 2026-01-28)"),
    (_T, "12", "12月19日", "the day of Xiaomi's L3 test licence, given only by a low-quality page: the standards row "
                          "(std-l3-xiaomi-test-licence-sinoreport) leaves it undated"),
    (_T, "6", "(6) 2026 nev", "list numbering"),
    (_T, "120", "obstacle detection at 120 m", "a test condition of the L2 standard on an L page (eyeon.ai); the "
                                                 "chapter uses that page only for the release date"),
    (_T, "80", "120 m at 80 km/h", "a test condition of the L2 standard on an L page (eyeon.ai), not used"),
    (_T, "80", "(≤80 km/h", "the speed limit of another carmaker's L3 permit (standards: std-l3-first-permits-cgtn "
                            "holds the permits, not their limits)"),
    *[(_T, n, ctx, "the industry's L2 fitment rate, on pages that disagree (66.1%, ~66-70%, 62.58%): not about "
                   "Xiaomi, and no chapter states it")
      for n, ctx in (("66.1", "fitment: 66.1%"), ("66.1", "reached 66.1%"), ("66.1", "fitment rate: 66.1%"),
                     ("66", '"~66-70%"'), ("62.58", "vs 62.58%"))],
    (_T, "19", "ran 19 ota recalls", "an L page's count of all carmakers' OTA recalls in 2024: context not used"),
    (_T, "4.068", "covering 4.068m", "an L page's count of all carmakers' OTA recalls in 2024: context not used"),
    (_T, "67", "opened 67%", "C-IASI door-opening rates, rated L (one page): not used"),
    (_T, "98", "mechanical 98%", "C-IASI door-opening rates, rated L (one page): not used"),
    (_T, "226", "industry 226 pp100", "J.D. Power's industry-wide quality score (no Xiaomi score on the page): not used"),
    (_T, "16", "226 pp100 (+16)", "J.D. Power's industry-wide change: not used"),
    (_T, "825", "bevs with 825", "a J.D. Power appeal score quoted from Lei Jun's Weibo (L): not used"),
    (_T, "480", "1:480", "a complaint-to-sales ratio from an unnamed platform (L): not used"),
    # trust-crisis chapter (business sections 1, 2 and 4; trust notes section 2's market and trust rows)
    (_B, "1625", "41 万 1625", "the tail of 41 万 1625, i.e. 411,625 (deliveries: del-2025-cnyes-411625)"),
    (_B, "381", "381 mil unidades", "'381 mil' is 381 thousand (deliveries: del-su7-gen1-lifetime-kalangoatomico)"),
    (_B, "280,000", "270,000-280,000", "an average transaction price from a blogger (L): the chapter states no price"),
    (_B, "27", "27 万元至 28 万元", "the same average transaction price in 万 (L): not used"),
    (_B, "28", "27 万元至 28 万元", "the same average transaction price in 万 (L): not used"),
    (_B, "150", "by 150-200 bp", "JP Morgan's change to its own margin assumptions: financials holds reported "
                                 "results, not analysts' model inputs"),
    (_B, "150", "by 150 to 200 basis points", "JP Morgan's change to its own margin assumptions (see above)"),
    (_B, "8", "by 8%/7%", "JP Morgan's cut to its own earnings estimates: not a reported result"),
    (_B, "1810", "hong kong: 1810", "Xiaomi's stock code"),
    (_B, "206", "about 206m shares", "a share count: market_reaction holds the money spent "
                                      "(mr-buybacks-four-months-reportify), no column holds share counts"),
    (_B, "0.79", "shares (0.79%)", "the same buyback as a share of the stock: not used"),
    (_B, "206", "approximately 206 million shares", "a share count (see 206m above)"),
    (_B, "206", "about 206 million shares for", "a share count (see 206m above)"),
    (_B, "188", "188 million shares", "a share count: the HK$7bn is curated (mr-buybacks-caixin)"),
    (_B, "21", "21st century business herald", "a newspaper's name"),
    (_B, "3.2", "above hk$3.2bn in one month", "buybacks in one month on an L page whose month the notes can only "
                                                 "infer ('probably February'): not used"),
    (_B, "3.2", "over hkd 3.2 billion", "the same L page (see 3.2bn above)"),
    *[(f, "53.80", ctx, "two brokers' price targets from a page the business notes rate L: the chapter cites JP "
                        "Morgan's and Jefferies' cuts instead (mr-jpm-*, mr-jefferies-*)")
      for f, ctx in ((_B, "hk$53.80 |"), (_B, "hkd 53.80, respectively"), (_T, "huatai to hk$53.80"),
                     (_T, "hkd 53.80, respectively"))],
    (_T, "290,000", "over 290,000 weibo followers", "a netizen tally of Lei Jun's lost followers: not used"),
    (_T, "16,465", "assessed 16,465", "Xiaomi's count of online-rumour leads, on an L page: not used"),
    (_T, "92", "sued 92 accounts", "Xiaomi's count of lawsuits against accounts, on an L page: not used"),
    (_T, "321", "usd 321 million", "a currency conversion of the HK$2.5bn buyback "
                                           "(market_reaction: mr-2026-01-22-buyback-usfow)"),
    (_T, "15", "more than 15 prefecture-level", "a count of cities with consumer lawsuits: not used"),
    (_T, "7.28", "-7.28% midday", "a midday figure named without a URL or quote (lbkrs): the chapter shows the "
                                   "intraday low and the close"),
    # global-expansion chapter (trust notes section 5)
    (_T, "800", "su7 ~800 km in germany", "the length of Lu Weibing's test drive: events has no column for "
                                          "distances (events: europe-2027-reaffirmed-2025-11-07)"),
    (_T, "800", "行程近 800 公里", "the same test drive's length, in the page's words (see ~800 km above)"),
    (_T, "15", "canola tariffs to ~15%", "China's tariff on Canadian canola in the same deal: not a duty on cars"),
    (_T, "1,463", "on 1,463 lines", "the number of tariff lines in Mexico's package: tariffs holds the rate on cars "
                                    "from China (tariff-mexico-2026)"),
    (_T, "6", "initial 6 months", "the length of the quota's first allocation period: tariffs holds its start date "
                                  "(tariff-canada-quota-start); no column holds periods"),
    (_T, "6", "initial period of 6 months", "the same allocation period, in the page's words (see above)"),
]


def _notes_2026_sections():
    out = []
    for name in NOTES_2026:
        text = (ROOT / "seeds" / "research" / name).read_text("utf-8")
        for part in re.split(r"\n(?=## )", text):
            out.append((name, part.split("\n", 1)[0].lstrip("# ").strip(), part))
    return out


@pytest.mark.parametrize("name, section, text", _notes_2026_sections(),
                         ids=[f"{n}: {s[:40]}" for n, s, _ in _notes_2026_sections()])
def test_every_2026_note_number_is_curated(name, section, text):
    """One test per section of the 2026 notes, so each chapter's curation is checked on its own."""
    text = re.sub(r"https?://\S+", " ", text)                 # addresses
    text = re.sub(r"\b\d{4}-\d\d(-\d\d)?\b", " ", text)       # ISO dates (checked as dates)
    text = text.replace("萬", "万").replace("億", "亿")
    external = set(helpers.sources().query("kind == 'external'")["source_id"])
    missing = _uncovered(pv.normalise(text), _values(lambda s: s in external), name,
                         number=NUMBER_2026, allowed=NOT_CLAIMS_2026)
    assert not missing, "\n".join(missing)


def test_the_2026_check_reads_chinese_scale_words():
    assert _uncovered("銷量約 3.8 万輛", [(38000, "vehicles")], "x", number=NUMBER_2026, allowed=[]) == []
    assert _uncovered("銷量約 3.8 万輛", [(3800, "vehicles")], "x", number=NUMBER_2026, allowed=[]) != []


def test_the_coverage_check_can_fail():
    assert _uncovered("it sold 123,457 cars", [(123456, None)], "seed-x") == ["'123,457' in '…it sold 123,457 cars…'"]


def test_fact_check_covers_the_required_claims():
    claims = helpers.load_table("claims")
    text = " ".join(claims["claim"]).lower()
    for needle in ["6.1%", "one-third", "350,000", "64%", "410,000"]:
        assert needle in text, needle
