"""load_table(): one curated table as a typed, documented DataFrame."""
from __future__ import annotations

from .checks import Context, check_claims, check_fact_rows, check_sources
from .errors import DataError
from .paths import DESCRIPTOR
from .tables import to_frame


def list_tables(root=None) -> list[str]:
    """Names of the curated tables, in the order data/datapackage.json lists them."""
    return list(Context(root).resources)


def _raise_first(problems: list[DataError]) -> None:
    if problems:
        first = problems[0]
        if len(problems) > 1:
            first = DataError(first.path, f"{first.message} (and {len(problems) - 1} more "
                              "problems: run `python -m helpers check`)", first.line, first.column)
        raise first


def load_table(name: str, root=None):
    """Load table ``name`` as a pandas DataFrame, after checking every cell,
    its source and (for fact tables) that each value is in its quote.

    ``df.attrs`` holds: ``name``, ``title``, ``description``, ``path``,
    ``primary_key``, ``units`` (column -> unit), ``columns`` (column ->
    description) and ``sources`` (the rows of sources.csv the table cites).
    Raises DataError naming file, line and column for any problem.
    """
    ctx = Context(root)
    if name not in ctx.resources:
        raise DataError(DESCRIPTOR, f"no table named {name!r}; the tables are: "
                        + ", ".join(ctx.resources))
    res = ctx.resources[name]
    parsed, problems = ctx.parsed(name)
    _raise_first(problems)
    if res.is_fact_table:
        sources_parsed, source_problems = ctx.parsed("sources")
        _raise_first(source_problems)
        problems = check_fact_rows(ctx, name)
        if name == "claims":
            problems += check_claims(ctx)
    else:
        problems = check_sources(ctx) if name == "sources" else []
    _raise_first(problems)

    cited = []
    if "source_id" in res.field_names and name != "sources":
        for r in parsed.records:
            if r.values["source_id"] not in cited:
                cited.append(r.values["source_id"])
    keep = ("source_id", "kind", "title", "publisher", "published", "url", "confidence")
    attrs = {
        "name": res.name,
        "title": res.title,
        "description": res.description,
        "path": f"data/{res.path}",
        "primary_key": list(res.primary_key),
        "units": {f.name: f.unit for f in res.fields if f.unit}
        | ({"value": "see column 'unit'"} if "unit" in res.field_names else {}),
        "columns": {f.name: f.description for f in res.fields},
        "sources": [{k: (str(ctx.sources[s][k]) if ctx.sources[s][k] is not None else None)
                     for k in keep} for s in cited],
    }
    return to_frame(parsed, attrs)


def sources(root=None):
    """The source registry (data/sources.csv) as a DataFrame."""
    return load_table("sources", root)
