"""How to cite the book, a chapter or a figure: APA and BibTeX strings built
from CITATION.cff, so the version and date have one home."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from .paths import project_root


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    version: str
    released: str


@cache
def book(root=None) -> Book:
    """The book's citation metadata, read from CITATION.cff (a flat subset of YAML)."""
    text = (project_root(root) / "CITATION.cff").read_text("utf-8")

    def value(key):
        m = re.search(rf'^\s*-?\s*{key}:\s*"?([^"\n]*)"?\s*$', text, re.M)
        if not m:
            raise ValueError(f"CITATION.cff has no {key}")
        return m.group(1).strip()

    return Book(title=value("title"), author=value("name"), version=value("version"),
                released=value("date-released"))


def _key(slug: str) -> str:
    return "xiaomi-ev-briefing-" + re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")


def apa(chapter: str | None = None, figure: str | None = None, data_as_of: date | None = None) -> str:
    b = book()
    year = b.released[:4]
    what = f"{chapter}. In " if chapter else ""
    fig = f"{figure}. " if figure else ""
    asof = f" Data as of {data_as_of.isoformat()}." if data_as_of else ""
    return f"{b.author}. ({year}). {fig}{what}*{b.title}* (Version {b.version}).{asof}"


def bibtex(slug: str, chapter: str | None = None, data_as_of: date | None = None) -> str:
    b = book()
    fields = [("title", f"{{{chapter}}}" if chapter else f"{{{b.title}}}")]
    if chapter:
        fields.append(("booktitle", f"{{{b.title}}}"))
    fields += [("author", f"{{{b.author}}}"), ("year", f"{{{b.released[:4]}}}"),
               ("version", f"{{{b.version}}}"), ("date", f"{{{b.released}}}")]
    if data_as_of:
        fields.append(("note", f"{{Data as of {data_as_of.isoformat()}}}"))
    kind = "incollection" if chapter else "book"
    body = ",\n".join(f"  {k} = {v}" for k, v in fields)
    return f"@{kind}{{{_key(slug)},\n{body}\n}}"


def citation_block(chapter: str, slug: str, data_as_of: date) -> str:
    """The "Cite this chapter" block of a page: APA and BibTeX, as HTML."""
    import html

    apa_html = re.sub(r"[*]([^*]+)[*]", r"<em>\1</em>", html.escape(apa(chapter, data_as_of=data_as_of)))
    bib_html = html.escape(bibtex(slug, chapter, data_as_of))
    return ("<p><strong>APA</strong></p>"
            f"<p>{apa_html}</p>"
            "<p><strong>BibTeX</strong></p>"
            f'<pre class="xev-bibtex"><code>{bib_html}</code></pre>')
