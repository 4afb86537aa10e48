"""The appendices' lists, as HTML: the source registry and the tables' columns
(Sources and data), every row's evidence entry (Evidence) and the rows changed
since the previous edition (What's new). Each page's notebook calls one of
these with the tables it loaded through its ``Page``, so the page still records
every row it shows."""
from __future__ import annotations

import pandas as pd

from ..data.descriptor import SOURCE_REGISTRY
from . import evidence
from .evidence import esc

__all__ = ["fact_tables", "source_list_html", "table_docs_html", "evidence_html", "use_changes", "changes_table",
           "changes_html"]


def fact_tables() -> list[str]:
    """Every table whose rows carry a source and a quote: all but the source registry."""
    registry = evidence.table_with_role(SOURCE_REGISTRY)
    return [name for name in evidence.resources() if name != registry]


def _citation(s: pd.Series, tables: dict[str, pd.DataFrame]) -> str:
    """One source as a reference-list entry, with how many rows of our tables cite it."""
    who = s["publisher"] if isinstance(s["publisher"], str) else "Unknown publisher"
    when = s["published"].date().isoformat() if not pd.isna(s["published"]) else "n.d."
    title = esc(s["title"])
    title = title if title.startswith("[") else f"<em>{title}</em>"
    where = (f' <span class="xev-url">{esc(s["url"])}</span>' if isinstance(s["url"], str)
             else f" File <code>{esc(s['path'])}</code>." if isinstance(s["path"], str) else "")
    conf = f" Confidence {esc(s['confidence'])}." if isinstance(s["confidence"], str) else ""
    notes = f" {esc(s['notes'])}" if isinstance(s["notes"], str) else ""
    cited = sum(int((t["source_id"] == s["source_id"]).sum()) for t in tables.values())
    return (f"<li id='source-{esc(s['source_id'])}'>{esc(who)} ({when}). {title}.{where}{conf}{notes}"
            f" <span class='xev-ref'>[{esc(s['source_id'])}; {cited} rows]</span></li>")


def source_list_html(sources: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> str:
    """The source registry as two reference lists: the seed documents, then external reporting."""
    out = []
    for kind, heading in (("seed", "Seed documents"), ("external", "External reporting")):
        out.append(f"<h3>{heading}</h3><ol>")
        out += [_citation(s, tables) for _, s in sources[sources["kind"].eq(kind)].iterrows()]
        out.append("</ol>")
    return "".join(out)


def table_docs_html(tables: dict[str, pd.DataFrame]) -> str:
    """Each table's title, description, row count, download link and columns (type, unit, meaning)."""
    out = []
    for name, t in tables.items():
        a = t.attrs
        rows = [f"<tr><td><code>{esc(col)}</code></td><td>{esc(t[col].dtype)}</td>"
                f"<td>{esc(a['units'].get(col, ''))}</td><td>{esc(a['columns'][col])}</td></tr>" for col in t.columns]
        out.append(
            f"<h3 id='table-{esc(name)}'>{esc(a['title'])} <code>{esc(name)}</code></h3>"
            f"<p>{esc(a['description'])} {len(t)} rows. "
            f"<a href='_static/data/{esc(name)}.csv' download>Download {esc(name)}.csv</a></p>"
            "<div class='xev-table'><table class='table'><thead><tr><th>Column</th><th>Type</th><th>Unit</th>"
            "<th>Meaning</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")
    return "".join(out)


def evidence_html(page, names: list[str]) -> str:
    """Every row of the tables ``names``: a heading per table, then each row's evidence entry."""
    blocks = []
    for name in names:
        table = page.load(name)
        blocks.append(f'<h3 id="table-{name}">{esc(table.attrs["title"])} '
                      f'(<code>data/{esc(table.attrs["path"].split("/")[-1])}</code>)</h3>')
        blocks += [evidence.entry_html(name, str(k)) for k in table[page.key_field(name)]]
    return "".join(blocks)


def use_changes(page, changes) -> None:
    """Record on ``page`` the rows added or changed since the previous edition (those it links to)."""
    for c in changes:
        if not c.dropped_table:
            table = page.load(c.table)
            page.rows(c.table, table[table[page.key_field(c.table)].isin(c.added + c.changed)])


def changes_table(changes):
    """The edition's changes as a table a row per data table (a styled DataFrame with a fixed id,
    so the output stays the same run to run)."""
    summary = pd.DataFrame([{"table": c.table + (" (new table)" if c.new_table else "")
                             + (" (table removed)" if c.dropped_table else ""),
                             "added": len(c.added), "changed": len(c.changed), "removed": len(c.removed),
                             "unchanged": c.unchanged,
                             "columns": "; ".join([f"added {x}" for x in c.columns_added]
                                                  + [f"removed {x}" for x in c.columns_removed])}
                            for c in changes])
    return summary.style.set_uuid("whats-new").hide(axis="index")


def _keys(table: str, ks, linked: bool = True) -> str:
    if not ks:
        return "none"
    if not linked:
        return ", ".join(f"<code>{esc(k)}</code>" for k in ks)
    return ", ".join(f'<a href="{esc(evidence.href(table, k))}">{esc(k)}</a>' for k in ks)


def _changed(c, linked: bool) -> str:
    if not c.changed:
        return "none"
    return ", ".join(_keys(c.table, [k], linked) + " (" + ", ".join(c.changed_fields[k]) + ")" for k in c.changed)


def changes_html(changes) -> str:
    """Per changed table, the keys added, changed (with their fields) and removed, each added or
    changed row linked to its evidence (the source registry's rows are listed on Sources and data instead)."""
    registry = evidence.table_with_role(SOURCE_REGISTRY)
    blocks = []
    for c in changes:
        if not (c.added or c.changed or c.removed or c.columns_added or c.columns_removed):
            continue
        linked = c.table != registry
        blocks.append(f'<h3 id="new-{esc(c.table)}">{esc(c.table)}</h3><dl class="xev-new">'
                      f"<dt>Added</dt><dd>{_keys(c.table, c.added, linked)}</dd>"
                      f"<dt>Changed</dt><dd>{_changed(c, linked)}</dd>"
                      f"<dt>Removed</dt><dd>{_keys(c.table, c.removed, linked=False)}</dd>"
                      + (f"<dt>Columns</dt><dd>added: {_keys(c.table, c.columns_added, False)}; "
                         f"removed: {_keys(c.table, c.columns_removed, False)}</dd>"
                         if c.columns_added or c.columns_removed else "")
                      + "</dl>")
    return "".join(blocks) or "<p>No row has changed since the previous edition.</p>"
