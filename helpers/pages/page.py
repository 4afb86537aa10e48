"""The chapter API: one ``Page`` object per notebook.

Through it a notebook loads tables, takes rows by key (the page records every
row it uses), glues numbers as links to their evidence, makes figures, lists
its "What to watch" items and ends with its coverage dates and citation. The
page's "data as of" and "sources reach" dates come from the rows it actually
used, not from whole tables.

    from helpers.pages.narrative import pct
    from helpers.pages.page import Page

    page = Page("trust-crisis", "Trust crisis")
    page.glue_table()          # the values its prose names, declared in book/_glue/trust-crisis.csv
    q1 = page.row("deliveries", "del-2026-q1-chinadailybrief")
    page.glue("q1_2026_fall", pct(q1["change_pct"], qualifier=q1["qualifier"]), q1)   # {glue}`q1_2026_fall`
    page.figure(chart, "trust-monthly", title=..., alt_text=..., rows=page.select("deliveries", keys, columns))
    ...
    page.finish()                                    # last cell (remove-input)

What the notebooks would otherwise write again is here: ``glue_table`` (one
declarative call over the page's glue table), ``glue_rows`` and ``cites`` (the
same, declared in code), ``glue_value`` (a row's value in its unit, with its
qualifier), ``glue_range``, ``glue_published``, ``select`` (a figure's rows),
``searches`` (the evidence for an absence), ``use`` (whole tables, for an appendix).

Markdown uses the plain ``{glue}`name``` role for numbers (the glued value is
HTML: a link with a tooltip) and ``{glue:text}`` for the version and dates.
A statement without a number cites its rows with ``page.cite(name, *rows)``
and ``{glue}`name``` at the end of the sentence: a small source marker.
Markers of standing ([L], [U], ...) are added by this API from the rows
(``helpers.pages.standing``), never typed.
"""
from __future__ import annotations

import html as html_module
import re
from datetime import date

import pandas as pd

from ..data.descriptor import SEARCHES, WATCH_ITEMS
from ..data.loading import load_table
from ..data.provenance import ROW_REF
from . import coverage, evidence, standing
from .coverage import release_date

__all__ = ["Page", "iso", "release_date"]

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_DIGIT = re.compile(r"\d")


class _Glued:
    """A glued value: HTML for the book, plain text for every other front end
    (JupyterLab, a terminal, nbval's comparison)."""

    def __init__(self, html: str, text: str):
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _glue(name: str, value, display: bool = False) -> None:
    from myst_nb import glue

    glue(name, value, display=display)


def _check_number(name: str, text, rows) -> None:
    """A glued number is text with a digit, not a missing value, and names its rows."""
    if not isinstance(text, str) or not _DIGIT.search(text):
        raise ValueError(f"{name}: glue numbers with page.glue and words with page.text ({text!r})")
    if "nan" in text.lower():
        raise ValueError(f"{name}: refusing to glue a missing value ({text!r})")
    if not rows:
        raise ValueError(f"{name}: a number needs the row(s) it comes from")


def _row_ref(row: pd.Series) -> tuple[str, str]:
    ref = getattr(row, "attrs", {}).get("xev_row")
    if not ref:
        raise ValueError("glue a row taken with page.row(table, key): this one does not say which row it is")
    return ref


class Page:
    """One book page: the rows it uses, the numbers it glues, its figures."""

    def __init__(self, slug: str, title: str):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
            raise ValueError(f"page slug {slug!r}: use the notebook's file name without .ipynb")
        self.slug, self.title = slug, title
        self._tables: dict[str, pd.DataFrame] = {}
        self.used: dict[tuple[str, str], None] = {}        # (table, key), in order of first use
        self.derived: dict[str, tuple[str, list[tuple[str, str]], str]] = {}
        self.glued: set[str] = set()
        self.markers: set[str] = set()                      # standing markers used: explained once, in finish()
        self.book_reach: date | None = None                 # the briefing's newest fact, when the page names it
        self._tips = 0                                      # tooltips made by sentence(), for unique ids

    # ------------------------------------------------------------ rows

    def load(self, name: str) -> pd.DataFrame:
        """A table (loaded and verified once per page). Loading records no row:
        take the rows a sentence uses with ``row``, and pass plotted rows to ``figure``."""
        if name not in self._tables:
            self._tables[name] = load_table(name)
        return self._tables[name]

    def key_field(self, table: str) -> str:
        return self.load(table).attrs["primary_key"][0]

    def row(self, table: str, key: str) -> pd.Series:
        """The row of ``table`` whose primary key is ``key`` (fails loudly if it is gone)."""
        df = self.load(table)
        field = self.key_field(table)
        hits = df[df[field].eq(key)]
        if len(hits) != 1:
            raise KeyError(f"{table}: no row with {field} = {key!r}")
        row = hits.iloc[0].copy()
        row.attrs = {"xev_row": (table, key)}
        self.used[(table, key)] = None
        return row

    def select(self, table: str, keys: list[str], columns: list[str]) -> pd.DataFrame:
        """The rows of ``table`` with these keys, in this order, with these columns (keep the key
        column and ``source_id``): the rows a figure plots, passed on to ``figure``."""
        field = self.key_field(table)
        return self.load(table).set_index(field).loc[list(keys)].reset_index()[columns]

    def rows(self, table: str, frame: pd.DataFrame) -> None:
        """Record every row of ``frame`` (a selection of ``table`` that keeps its key column) as used."""
        field = self.key_field(table)
        if field not in frame.columns:
            raise ValueError(f"{table}: keep the key column {field!r} in the rows you use")
        for key in frame[field]:
            self.used[(table, str(key))] = None

    def use(self, *tables: str) -> dict[str, pd.DataFrame]:
        """Load ``tables`` and record every one of their rows as used (an appendix shows them all)."""
        for name in tables:
            self.rows(name, self.load(name))
        return {name: self.load(name) for name in tables}

    # ------------------------------------------------------------ glue

    def _name(self, name: str) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"glue name {name!r}: use lowercase letters, digits and underscores")
        if name in self.glued:
            raise ValueError(f"glue name {name!r} used twice on this page")
        self.glued.add(name)

    def glue(self, name: str, text: str, *rows: pd.Series, how: str | None = None) -> None:
        """Glue the number ``text`` (formatted by helpers.pages.narrative) as a link to its evidence.

        One row: the link goes to that row's entry in the evidence appendix.
        Several rows, or ``how`` (the arithmetic, in words): the number is
        derived, and the link goes to an entry at the end of this page that
        lists the rows and ``how``."""
        self._name(name)
        _check_number(name, text, rows)
        refs = [_row_ref(r) for r in rows]
        for ref in refs:
            self.used[ref] = None
        marks = [standing.marker(*ref) for ref in refs]
        self.markers.update(m for m in marks if m)
        if len(refs) == 1 and how is None:
            table, key = refs[0]
            html = evidence.link(text, table, key, f"xev-tip-{name}")
        else:
            if not how:
                raise ValueError(f"{name}: a number from several rows needs how=... (the arithmetic, in words)")
            self.derived[name] = (text, refs, how)
            names = "; ".join(dict.fromkeys(evidence.source_name(r["source_id"]) for r in rows))
            count = "1 row" if len(refs) == 1 else f"{len(refs)} rows"
            html = evidence.derived_link(text, name, f"Derived: {how}. From {count} ({names}).", marks)
        _glue(name, _Glued(html, " ".join([text, *dict.fromkeys(m for m in marks if m)])))

    def glue_value(self, name: str, row: pd.Series, field: str = "value") -> None:
        """Glue one field of a row as the prose says it: its value in its unit, with
        its qualifier ("about", "over", ...); a date field as YYYY-MM-DD."""
        value = row[field]
        text = iso(value) if isinstance(value, pd.Timestamp) else self.value_text(row, field)
        self.glue(name, text, row)

    def glue_values(self, values: dict[str, tuple]) -> None:
        """Glue many fields at once: ``{name: (row,)}`` or ``{name: (row, field)}``."""
        for name, spec in values.items():
            self.glue_value(name, *spec)

    def glue_table(self) -> None:
        """Glue, in one declarative call, the values and source markers this page declares in
        its glue table (``book/_glue/<page>.csv``: name, how it is said, the rows; see helpers.pages.gluetable)."""
        from . import gluetable

        gluetable.glue(self, gluetable.read(self.slug))

    def glue_rows(self, table: str, say=None, **names: str) -> None:
        """Glue many values in one declarative call: ``name="key"`` glues the value of that row
        of ``table`` as ``glue_value`` says it, ``name="key:field"`` another of its fields, and
        ``name="other_table:key[:field]"`` a row of another table; ``say`` (a helpers.pages.narrative
        formatter, e.g. ``ordinal``) words every value instead."""
        for name, ref in names.items():
            row_table, key, field = self._ref(table, ref)
            row = self.row(row_table, key)
            if say is None:
                self.glue_value(name, row, field)
            else:
                self.glue(name, say(row[field]), row)

    @staticmethod
    def _ref(table: str, ref: str) -> tuple[str, str, str]:
        """``key``, ``key:field``, ``table:key`` or ``table:key:field`` as (table, key, field)."""
        parts = ref.split(":")
        if parts[0] in evidence.resources():
            table, parts = parts[0], parts[1:]
        if not 1 <= len(parts) <= 2:
            raise ValueError(f"{ref!r}: write a row as key, key:field, table:key or table:key:field")
        return table, parts[0], parts[1] if len(parts) == 2 else "value"

    def glue_range(self, name: str, row: pd.Series, repeat: bool = False) -> None:
        """Glue a row's ``value`` to ``value_high`` range in its unit ("3 to 4 months";
        ``repeat``: "73 kWh to 101.7 kWh"), with the row's standing marker."""
        from .narrative import span

        self.glue(name, span(row["value"], row["value_high"], row["unit"], repeat), row)

    def glue_published(self, how: str | None = None, **names) -> None:
        """Glue, for ``name=row`` (or a tuple of rows), the publication date of the row's
        source: when a report appeared (``how`` says so when several rows share it)."""
        for name, rows in names.items():
            rows = rows if isinstance(rows, tuple) else (rows,)
            self.glue(name, iso(self.published(rows[0])), *rows, how=how)

    def published(self, row: pd.Series) -> pd.Timestamp:
        """The publication date of a row's source (NaT when the registry has none)."""
        return pd.Timestamp(self.source(row["source_id"])["published"])

    @staticmethod
    def source(source_id: str) -> pd.Series:
        """A source's entry in the registry (title, publisher, published, url, confidence, kind, path)."""
        return evidence.source(source_id)

    def searches(self, *keys: str, found_nothing: bool = False) -> list[pd.Series]:
        """Rows of the research notes' searches (the evidence for an absence), recorded as used;
        ``found_nothing`` fails loudly when one of them now found something (reword its sentence)."""
        table = evidence.table_with_role(SEARCHES)
        rows = [self.row(table, key) for key in keys]
        for key, row in zip(keys, rows):
            if found_nothing and row["found"] != 0:
                raise ValueError(f"{key}: this search now found something: reword the sentence that cites it")
        return rows

    def cites(self, table: str, how: str | None = None, **names: str) -> None:
        """Glue many source markers in one declarative call: ``name="key other-key"`` cites
        those rows of ``table`` (``"other_table:key"`` names a row of another table)."""
        for name, refs in names.items():
            rows = [self.row(*self._ref(table, ref)[:2]) for ref in refs.split()]
            self.cite(name, *rows, how=how)

    def cite(self, name: str, *rows: pd.Series, how: str | None = None) -> None:
        """Glue a source marker for a statement with no number of its own: a small
        bracketed link, after the sentence, to the evidence of ``rows`` (with the
        same preview as a number, and the rows' standing markers). Absences cite
        the rows of the search that found nothing (table ``searches``)."""
        self._name(name)
        if not rows:
            raise ValueError(f"{name}: a source marker needs the row(s) the statement rests on")
        refs = list(dict.fromkeys(_row_ref(r) for r in rows))
        for ref in refs:
            self.used[ref] = None
        self.markers.update(m for m in (standing.marker(*ref) for ref in refs) if m)
        if len(refs) > 2 or how is not None:
            self.derived[name] = ("this statement", refs, how or "the rows this statement rests on")
        names = "; ".join(dict.fromkeys(evidence.source_name(r["source_id"]) for r in rows))
        _glue(name, _Glued(evidence.cite_html(name, refs, how), f"[{names}]"))

    def marker(self, table: str, key: str) -> str:
        """The standing marker of a row ("" when it needs none), recorded as used on
        this page: for labels that a figure or a table prints next to a row."""
        m = standing.marker(table, key)
        if m:
            self.markers.add(m)
        return m

    def marked(self, text: str, table: str, key: str) -> str:
        """``text`` followed by the row's standing marker, if it has one."""
        m = self.marker(table, key)
        return f"{text} {m}" if m else text

    def value_text(self, row: pd.Series, field: str = "value") -> str:
        """A row's value in its unit, as the prose says it (helpers.pages.narrative.quantity)."""
        from .narrative import quantity

        table, _ = _row_ref(row)
        units = self.load(table).attrs["units"]
        unit = row["unit"] if "unit" in row.index and field in ("value", "value_high") else units.get(field)
        qualifier = row.get("qualifier", "exact") if field == "value" else "exact"
        return quantity(row[field], unit, qualifier)

    def sentence(self, text: str) -> str:
        """HTML for a sentence whose numbers are written as row references:
        ``{table:key}`` is that row's value in its unit, ``{table:key:field}``
        another of its fields; each becomes a link to the row's evidence."""
        if not isinstance(text, str):      # an empty cell: nothing to say
            return ""
        out, at = [], 0
        for m in ROW_REF.finditer(text):
            table, key, field = m.group(1), m.group(2), m.group(3) or "value"
            row = self.row(table, key)
            out.append(evidence.esc(text[at:m.start()]))
            self._tips += 1
            out.append(evidence.link(self.value_text(row, field), table, key, f"xev-tip-s{self._tips}"))
            self.marker(table, key)
            at = m.end()
        out.append(evidence.esc(text[at:]))
        return "".join(out)

    def text(self, name: str, text: str) -> None:
        """Glue words (a name, a label) that need no evidence link: never a fact's number
        (counts of the project's own rows, on its appendices, are fine)."""
        self._name(name)
        if not isinstance(text, str):
            raise ValueError(f"{name}: page.text takes a string")
        _glue(name, text)

    # ------------------------------------------------------------ figures

    def figure(self, chart, name: str, title: str, alt_text: str, rows: pd.DataFrame,
               table: str | None = None) -> None:
        """Finish and glue a chart as ``fig-<name>`` (shown by ```{glue:figure} fig-<name>```).

        ``rows`` are the rows plotted: they keep their table's key column and
        ``source_id``; they are recorded as used. A chart that plots a row
        resting on a low-confidence source must say so on the chart: some
        text in it carries the [L] marker."""
        from . import charts

        table = table or rows.attrs.get("name")    # a selection of a loaded table keeps its name
        if table is None:
            candidates = [t for t in self._tables if self.key_field(t) in rows.columns]
            if len(candidates) != 1:
                raise ValueError(f"figure {name!r}: say which table the plotted rows come from (table=...)")
            table = candidates[0]
        self.rows(table, rows)
        refs = [(table, str(k)) for k in rows[self.key_field(table)]]
        fig = charts.Figure(chart, name, title=title, alt_text=alt_text, rows=rows, page=self.slug,
                            chapter=self.title, data_as_of=coverage.as_of(refs))
        spec = fig.spec_json()
        for ref in refs:
            m = self.marker(*ref)
            if m and m not in spec:
                raise ValueError(f"figure {name!r} plots {ref[0]}:{ref[1]}, whose standing is {m}: label it "
                                 f"with page.marked(...) so the chart shows {m}")
        # glued with display=True: the cell shows its chart in JupyterLab, VS Code and nbconvert (the
        # book hides the cell). Nothing is returned, so the chart is not displayed a second time.
        _glue(f"fig-{name}", fig, display=True)

    # ------------------------------------------------------------ what to watch

    def watch(self) -> None:
        """Glue ``watch``: this page's items of data/watch_items.csv, past-due ones marked."""
        table = evidence.table_with_role(WATCH_ITEMS)
        items = self.load(table)
        mine = items[items["page"].eq(self.slug)].sort_values("due")
        today = release_date()
        lines = []
        for _, item in mine.iterrows():
            row = self.row(table, item[self.key_field(table)])
            due = item["due"].date()
            if item["status"] == "answered" and isinstance(item["answer_ref"], str):
                t, k = item["answer_ref"].split(":", 1)
                state = f'answered: see <a href="{evidence.href(t, k)}">the evidence</a>'
                self.used[(t, k)] = None
            elif due < today:
                state = ("<strong>past due</strong>: our sources do not report an answer "
                         f"(due {due.isoformat()})")
            else:
                state = f"open, answer due by {due.isoformat()}"
            key = row.attrs["xev_row"][1]
            src = evidence.link("source", table, key, f"xev-tip-watch-{key}")
            lines.append(f"<li>{evidence.esc(item['question'])} — {state} ({src})</li>")
        body = "<ul class=\"xev-watch\">" + "".join(lines) + "</ul>" if lines else \
            "<p>Our data holds no open question for this page.</p>"
        self.glued.add("watch")
        _glue("watch", _Glued(body, "\n".join(html_module.unescape(re.sub("<[^>]+>", "", x)) for x in lines)))

    # ------------------------------------------------------------ coverage and citation

    def sources_used(self) -> list[str]:
        out = []
        for table, key in self.used:
            sid = evidence.raw_rows(table)[key]["source_id"]
            if sid not in out:
                out.append(sid)
        return out

    def as_of(self) -> date:
        """The newest date on which any row this page used was known (helpers.pages.coverage)."""
        return coverage.as_of(self.used)

    def sources_reach(self) -> date:
        """The date of the newest fact this page uses (helpers.pages.coverage)."""
        return coverage.reach(self.used)

    def coverage(self, name: str = "coverage", whole_book: bool = False) -> None:
        """Glue ``name``: where this page's sources stop, from the same computation as
        the header (helpers.pages.coverage), and the month-by-month evidence that little or
        nothing later exists: the research notes' counts of new dated facts for each
        month after the page's newest fact (rows of ``searches`` that span one calendar
        month), each count a link to its row, and the searches that found nothing in
        the months with none."""
        (reach, newest), (as_of, latest) = coverage.newest_fact(self.used), coverage.known(self.used)
        # "as of": the newest publication date among the sources, or an undated source's own latest date
        later = coverage.as_of_text(self.used)[len(as_of.isoformat()):]       # the undated-source note, if any
        head_plain = (f"The newest fact this page uses is dated {reach.strftime('%Y-%m')} and its data are as of "
                      f"{as_of.isoformat()}{later}")
        head = (f"The newest fact this page uses is dated "
                f"{evidence.link(reach.strftime('%Y-%m'), *newest, f'xev-tip-{name}-newest')} and its data are as "
                f"of {evidence.link(as_of.isoformat(), *latest, f'xev-tip-{name}-latest')}{evidence.esc(later)}")
        # the summary speaks for the whole briefing, which may reach further than the rows it uses:
        # say so, so that "later" is not read as "nothing later" (only there: it reads every table)
        book_day, book_row = coverage.book_newest_fact() if whole_book else (reach, newest)
        self.book_reach = book_day
        if book_day.strftime("%Y-%m") > reach.strftime("%Y-%m"):
            self.marker(*book_row)      # linked, not used: it must not move this page's own dates
            head_plain += f"; the briefing's newest fact, on another page, is dated {book_day.strftime('%Y-%m')}"
            head += ("; the briefing's newest fact, on another page, is dated "
                     + evidence.link(book_day.strftime("%Y-%m"), *book_row, f"xev-tip-{name}-book"))
        head_plain += "; later events are not covered"
        head += "; later events are not covered"
        table = evidence.table_with_role(SEARCHES)
        searches = self.load(table)
        key = self.key_field(table)
        start, end = searches["period_start"], searches["period_end"]
        one_month = searches[start.notna() & end.notna() & start.dt.is_month_start & end.dt.is_month_end
                             & start.dt.to_period("M").eq(end.dt.to_period("M"))]
        # the month-by-month series: the subject counted over the most calendar months
        series = one_month["subject"].value_counts()
        monthly = one_month[one_month["subject"].eq(series.index[0])] if len(series) else one_month
        monthly = monthly[monthly["period_end"].dt.date > reach].sort_values("period_start")
        self._name(name)
        if monthly.empty:
            _glue(name, _Glued(head + ".", head_plain + "."))
            return
        counts, plain, zero = [], [], []
        for _, m in monthly.iterrows():
            row = self.row(table, m[key])
            if m["found"] == 0:
                zero.append(row)
                continue
            month = m["period_start"].strftime("%Y-%m")
            counts.append(evidence.link(str(int(m["found"])), table, m[key], f"xev-tip-{name}-{month}")
                          + f" in {month}")
            plain.append(f"{int(m['found'])} in {month}")
            self.marker(table, m[key])
        parts, plain_parts = [], []
        if counts:
            parts.append(_join(counts))
            plain_parts.append(_join(plain))
        if zero:
            first, last = zero[0]["period_start"], zero[-1]["period_end"]
            inside = searches[searches["found"].eq(0) & start.notna() & end.notna() & (start >= first)
                              & (end <= last) & ~searches[key].isin([z[key] for z in zero])]
            rows = zero + [self.row(table, k) for k in inside[key]]
            refs = [_row_ref(r) for r in rows]
            cite_name = f"{name}_none"
            self.glued.add(cite_name)
            how = "the research notes' month-by-month counts, and their searches that found nothing in those months"
            if len(refs) > 2:
                self.derived[cite_name] = ("nothing found", refs, how)
            none = (f"none from {first.strftime('%Y-%m')} to {last.strftime('%Y-%m')} "
                    + evidence.cite_html(cite_name, refs, how if len(refs) > 2 else None))
            parts.append(none)
            plain_parts.append(f"none from {first.strftime('%Y-%m')} to {last.strftime('%Y-%m')}")
        if counts:
            lead = (". Month by month, the research notes' second pass over 2026 counted the dated facts it found "
                    "that the briefing did not already hold (on any subject): ")
        else:
            lead = (". Month by month, the research notes' second pass over 2026 found no dated fact that the "
                    "briefing did not already hold (on any subject): ")
        # one sentence: its two dates link to the rows that set them, the counts to theirs
        html = head + lead.replace(". Month", ": month", 1) + "; ".join(parts) + "."
        _glue(name, _Glued(html, head_plain + lead.replace(". Month", ": month", 1) + "; ".join(plain_parts) + "."))

    def finish(self):
        """The last cell: glue the header values, render the derived-number
        entries and the citation block, and report the tables this run read."""
        from IPython.display import HTML, display

        from ..data.loading import TABLES_READ
        from . import cite

        as_of, reach = self.as_of(), self.sources_reach()
        reach_text = reach.strftime("%Y-%m")
        book_reach = self.book_reach or reach
        if book_reach.strftime("%Y-%m") > reach_text:
            reach_text += f" on this page ({book_reach.strftime('%Y-%m')} across the briefing)"
        for name, value in (("book_version", cite.book().version), ("data_as_of", coverage.as_of_text(self.used)),
                            ("sources_reach", reach_text)):
            self.glued.add(name)
            _glue(name, value)
        note = standing.legend(self.markers)
        note += (" " if note else "") + ("Each number, and each bracketed source marker, links to the row of "
                                         "data it comes from: its source and the quote.")
        self.glued.add("low_note")
        _glue("low_note", note)
        parts = [cite.citation_block(self.title, self.slug, as_of)]
        if self.derived:
            parts.append('<h3 id="derived-numbers">How the derived numbers and grouped sources on this page are '
                         'made</h3>')
            parts += [evidence.derived_entry_html(n, t, refs, how) for n, (t, refs, how) in self.derived.items()]
        # The tables this run read travel with the output, so the build re-runs the
        # notebook when any of them changes (book/booktools/build.py reads this).
        # one wrapper: the citation and the derived entries are end matter, not prose
        display(HTML('<div class="xev-endmatter">' + "".join(parts) + "</div>"),
                metadata={"xev": {"tables": sorted(TABLES_READ)}})


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def iso(value) -> str:
    """A date as the book writes it: YYYY-MM-DD."""
    return pd.Timestamp(value).date().isoformat()
