"""The fact-check's rules: its verdicts, its counting rule, and the sentence
that says which other sources in our tables report a claim's figure.

That sentence is computed here from the claim's ``subject_ids`` (the rows that
state its figure) and the same-quantity rule (``helpers.pages.evidence``): typed by
hand, it went stale as the tables grew (``helpers check`` now refuses it).
"""
from __future__ import annotations

from functools import cache

import pandas as pd

from ..data.descriptor import FACT_CHECK
from . import evidence, standing
from .narrative import num

__all__ = ["verdicts", "distinct_claims", "glue_verdict_counts", "subjects", "others_html", "claims_html"]


@cache
def verdicts() -> tuple[str, ...]:
    """The verdicts, in the schema's order (the enum of claims.verdict)."""
    return tuple(evidence.resources()[evidence.table_with_role(FACT_CHECK)].field("verdict").enum)


def _quantity(subject_ids) -> frozenset:
    """The quantity a claim states: its subject rows and every row reporting the same
    quantity as one of them (so two seeds stating one figure share it)."""
    refs = set()
    for ref in (subject_ids if isinstance(subject_ids, str) else "").split():
        table, key = ref.split(":", 1)
        refs |= {(table, key)} | {(table, k) for k in evidence.same_quantity(table, key)}
    return frozenset(refs)


def distinct_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """The counting rule: claims that state the same figure for the same quantity
    (their subject rows report it, see ``_quantity``) with the same verdict count
    once: several seeds repeat a figure. A claim that names no subject row is its own basis, so two
    different figures are never merged because they rest on the same evidence."""
    basis = [_quantity(s) or cid for s, cid in zip(claims.get("subject_ids", [None] * len(claims)),
                                                   claims["claim_id"])]
    # two different figures for one quantity (a seed's 6.1% and its "over 5%") are two claims
    return claims.assign(basis=basis).drop_duplicates(["basis", "value", "verdict"]).drop(columns="basis")


def glue_verdict_counts(page) -> pd.DataFrame:
    """Glue ``n_distinct`` and ``n_<verdict>`` on ``page`` (derived numbers over the
    claim rows, counted by ``distinct_claims``); return the distinct claims."""
    claims = evidence.table_with_role(FACT_CHECK)
    distinct = distinct_claims(page.load(claims))
    rows = [page.row(claims, k) for k in distinct[page.key_field(claims)]]
    page.glue("n_distinct", num(len(rows)), *rows,
              how="the claim rows, counting once those that state the same figure for the same quantity "
                  "with the same verdict")
    for verdict in verdicts():
        these = [r for r in rows if r["verdict"] == verdict]
        # a count of none still rests on rows: all the distinct claims, none of which has this verdict
        page.glue(f"n_{verdict}", num(len(these)), *(these or rows),
                  how=f"the distinct claims whose verdict is {verdict}" if these
                  else f"the distinct claims, none of which has the verdict {verdict}")
    return distinct


def subjects(claim) -> list[tuple[str, str]]:
    """The rows that state the claim's own figure, as (table, key)."""
    ids = claim.get("subject_ids") if hasattr(claim, "get") else None
    return [tuple(ref.split(":", 1)) for ref in (ids or "").split()] if isinstance(ids, str) else []


def others_html(page, claim) -> str:
    """HTML: the other sources' rows in our tables that report the same quantity as
    the claim's figure, each a link to its evidence; or that there are none. Empty
    when the claim names no row stating its figure."""
    subj = subjects(claim)
    if not subj:
        return ""
    peers = list(dict.fromkeys((t, k) for t, key in subj for k in standing.of(t, key).others))
    if not peers:
        return "No other source in our tables reports the same quantity (same measure, period and scope)."
    links = []
    for i, (t, k) in enumerate(peers, 1):
        page.row(t, k)                 # recorded as used by the page
        page.marker(t, k)
        cells = evidence.raw_rows(t)[k]
        text = f"{evidence.source_name(cells['source_id'])}: {evidence.value_text(cells, t)}"
        links.append(evidence.link(text, t, k, f"xev-tip-fc-{claim['claim_id']}-{i}"))
    return ("Other sources in our tables that report the same quantity (same measure, period and scope): "
            + "; ".join(links) + ".")


def claims_html(page, chapters: dict[str, str]) -> str:
    """Every claim, under its chapter's title (``chapters``: slug to title, in the book's order):
    the claim, its verdict, the seed's words, the evidence sentence, the other sources reporting
    the same quantity and the evidence rows, each linked (and recorded as used on ``page``)."""
    esc = evidence.esc
    claims = page.load(evidence.table_with_role(FACT_CHECK))
    parts = []
    for slug, title in chapters.items():
        parts.append(f"<h3>{esc(title)}</h3>")
        for _, c in claims[claims["chapter"].eq(slug)].iterrows():
            ids = c["evidence_ids"] if isinstance(c["evidence_ids"], str) else ""
            refs = [ref.split(":", 1) for ref in ids.split()]
            listed = "".join(f'<li><a href="{esc(evidence.href(t, k))}">{esc(t)} · {esc(k)}</a> '
                             f"({esc(evidence.source_name(evidence.raw_rows(t)[k]['source_id']))})</li>"
                             for t, k in refs)
            for t, k in refs:
                page.row(t, k)
            parts.append(
                f"<div class='xev-claim xev-{esc(c['verdict'])}' id='claim-{esc(c['claim_id'])}'>"
                f"<p><strong>{esc(c['claim'])}</strong> <span class='xev-verdict'>{esc(c['verdict'])}</span></p>"
                f"<p class='xev-seed'>Seed: <q>{esc(c['quote'])}</q> ({esc(evidence.source_name(c['source_id']))})</p>"
                f"<p>{page.sentence(c['evidence'])} {others_html(page, c)}</p>"
                + (f"<p>Evidence rows:</p><ul>{listed}</ul>" if listed else "") + "</div>")
    return "".join(parts)
