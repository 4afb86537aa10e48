"""What the book makes of the data: pages (glue, citations, markers), the evidence
entries, standing, coverage dates, the fact-check, charts and citation text.
Imported on its own (``from helpers.pages import page``), so ``import helpers``
stays pandas-only."""
