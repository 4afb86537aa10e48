"""How to cite the book, a chapter or a figure, in every format the book
offers: APA and BibTeX (on the page), RIS and CSL-JSON (files), the
``citation_*`` meta tags, "Cite this figure", and the public addresses the
PDFs link to.

Everything comes from ``CITATION.cff``: title, author, version, release date
and ``url``, the book's public address (CFF's standard field). ``book()`` is
the one reader of that file, and ``address()`` the one place a public address
is made: ``<url><version>/<page>.html``, versioned, so a cited text stays where
it was cited. When CITATION.cff has no ``url`` (a local build), ``address()``
returns None: no citation then carries an address, and the cite blocks say
that it is not set (``ADDRESS_NOT_SET``).

The cite blocks are written into the notebooks' outputs at run time, and
rendered again by the book's build (``refresh``): each block carries the
arguments it was made from (``data-cite``), so the published page always
shows the address CITATION.cff names now, without re-running any notebook.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from ..data.paths import project_root
from . import html as html_markup

#: What a cite block says when CITATION.cff names no public address.
ADDRESS_NOT_SET = ("The book's public address is not set (no url in CITATION.cff; see the README, "
                   "\u201cCiting\u201d), so this citation carries no link.")


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    version: str
    released: str
    url: str = ""   # the public address, with a trailing slash; "" when not set

    @property
    def year(self) -> str:
        return self.released[:4]


@cache
def _book(path: str, mtime_ns: int) -> Book:
    import yaml

    cff = yaml.safe_load(open(path, encoding="utf-8"))
    try:
        author = cff["authors"][0]
        author = author.get("name") or " ".join(filter(None, (author.get("given-names"),
                                                               author.get("family-names"))))
        url = str(cff.get("url") or "").strip()
        return Book(title=str(cff["title"]), author=author, version=str(cff["version"]),
                    released=str(cff["date-released"]), url=(url.rstrip("/") + "/") if url else "")
    except (KeyError, IndexError, TypeError) as e:
        raise ValueError(f"CITATION.cff lacks a field the citations need: {e}") from None


def book(root=None) -> Book:
    """The book's citation metadata, read from CITATION.cff."""
    path = project_root(root) / "CITATION.cff"
    return _book(str(path), path.stat().st_mtime_ns)


def address(path: str = "", root=None) -> str | None:
    """The public, versioned address of ``path`` in this edition
    (``<url><version>/<path>``), or None when CITATION.cff sets no ``url``."""
    b = book(root)
    return f"{b.url}{b.version}/{path}" if b.url else None


def page_path(slug: str) -> str:
    return f"{slug}.html"


def pdf_path(slug: str) -> str:
    """Where a page's PDF (``book`` for the whole book) sits in an edition's folder."""
    return f"pdf/{slug}.pdf"


def _key(slug: str) -> str:
    return "xiaomi-ev-briefing-" + re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")


def _is_book(chapter: str | None) -> bool:
    """The summary page has the book's own title: it is cited as the book."""
    return not chapter or chapter == book().title


# ---------------------------------------------------------------- chapters and the book

def apa(chapter: str | None = None, figure: str | None = None, data_as_of: date | None = None,
        slug: str | None = None) -> str:
    """APA, with *...* for italics. With ``slug``, ends with the page's public address (when set)."""
    b = book()
    what = "" if _is_book(chapter) else f"{chapter}. In "
    fig = f"{figure}. " if figure else ""
    asof = f" Data as of {data_as_of.isoformat()}." if data_as_of else ""
    url = address(page_path(slug)) if slug else None
    return f"{b.author}. ({b.year}). {fig}{what}*{b.title}* (Version {b.version}).{asof}" + (f" {url}" if url else "")


def bibtex(slug: str, chapter: str | None = None, data_as_of: date | None = None) -> str:
    """BibTeX (biblatex field names; the group author braced so that it is not
    read as a person's family and given names). The version is the edition
    ("Version 0.2.0"): a ``version`` field as well would print it twice."""
    b = book()
    as_book = _is_book(chapter)
    fields = [("title", b.title if as_book else chapter)]
    if not as_book:
        fields.append(("booktitle", b.title))
    fields += [("author", f"{{{b.author}}}"), ("publisher", f"{{{b.author}}}"), ("year", b.year),
               ("date", b.released), ("edition", f"Version {b.version}")]
    url = address(page_path(slug))
    if url:
        fields.append(("url", url))
    if data_as_of:
        fields.append(("note", f"Data as of {data_as_of.isoformat()}"))
    kind = "book" if as_book else "incollection"
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{_key(slug)},\n{body}\n}}"


def _not_set_note() -> str:
    return "" if book().url else f'<p class="xev-no-address">{html.escape(ADDRESS_NOT_SET)}</p>'


def _block(kind: str, args: dict, inner: str, tag: str = "div", cls: str = "xev-cite") -> str:
    data = html.escape(json.dumps({"kind": kind, **args}, ensure_ascii=False, sort_keys=True), quote=True)
    return f'<{tag} class="{cls}" data-cite="{data}">{inner}</{tag}>'


def _chapter_inner(chapter: str, slug: str, data_as_of: date) -> str:
    apa_html = re.sub(r"[*]([^*]+)[*]", r"<em>\1</em>", html.escape(apa(chapter, data_as_of=data_as_of, slug=slug)))
    bib_html = html.escape(bibtex(slug, chapter, data_as_of))
    return ("<p><strong>APA</strong></p>"
            f"<p>{apa_html}</p>"
            "<p><strong>BibTeX</strong></p>"
            f'<pre class="xev-bibtex"><code>{bib_html}</code></pre>' + _not_set_note())


def citation_block(chapter: str, slug: str, data_as_of: date) -> str:
    """The "Cite this chapter" block of a page: APA and BibTeX, as HTML (the
    book's build renders it again with the address CITATION.cff names then)."""
    return _block("chapter", {"chapter": chapter, "slug": slug, "as_of": data_as_of.isoformat()},
                  _chapter_inner(chapter, slug, data_as_of))


# ---------------------------------------------------------------- figures

def _figure_inner(name: str, title: str, page: str | None, chapter: str | None, data_as_of: str) -> str:
    b = book()
    e = html.escape
    num = html_markup.fignum_placeholder(name)   # the build writes the number Sphinx gives
    chap = f", chapter &ldquo;{e(chapter)}&rdquo;" if chapter else ""
    url = address(f"{page_path(page) if page else ''}#fig-{name}")
    apa_html = (f"{e(b.author)}. ({b.year}). {num}: {e(title)} [Figure]. "
                f"In <em>{e(b.title)}</em> (Version {e(b.version)}){chap}. "
                f"Data as of {e(data_as_of)}." + (f" {e(url)}" if url else ""))
    fields = [("title", f"{num}: {e(title)}"), ("author", f"{{{e(b.author)}}}"),
              ("year", b.year), ("date", b.released),
              ("howpublished", f"In {e(b.title)}, version {e(b.version)}"
                               + (f", chapter {e(chapter)}" if chapter else "")),
              ("version", e(b.version))]
    if url:
        fields.append(("url", e(url)))
    fields.append(("note", f"Data as of {e(data_as_of)}"))
    bib = f"@misc{{xiaomi-ev-briefing-fig-{name},\n" + ",\n".join(f"  {k} = {{{v}}}" for k, v in fields) + "\n}"
    return f"<summary>Cite this figure</summary><p>{apa_html}</p><pre>{bib}</pre>" + _not_set_note()


def figure_block(name: str, title: str, page: str | None, chapter: str | None, data_as_of: date | str) -> str:
    """A figure's "Cite this figure" (APA and BibTeX), as HTML."""
    asof = data_as_of if isinstance(data_as_of, str) else data_as_of.isoformat()
    args = {"name": name, "title": title, "page": page, "chapter": chapter, "as_of": asof}
    return _block("figure", args, _figure_inner(name, title, page, chapter, asof),
                  tag="details", cls="xev-cite-figure")


_BLOCK = re.compile(r'<(div|details) class="(xev-cite|xev-cite-figure)" data-cite="([^"]*)">.*?</\1>', re.S)


def refresh(body: str) -> str:
    """Every cite block in ``body`` rendered again from CITATION.cff as it is now."""
    def again(m):
        args = json.loads(html.unescape(m.group(3)))
        kind = args.pop("kind")
        if kind == "chapter":
            return citation_block(args["chapter"], args["slug"], date.fromisoformat(args["as_of"]))
        return figure_block(**{k: args[k] for k in ("name", "title", "page", "chapter")},
                            data_as_of=args["as_of"])
    return _BLOCK.sub(again, body)


# ---------------------------------------------------------------- reference managers

def page_meta(title: str, slug: str) -> dict:
    """The ``citation_*`` meta tags of one page (Highwire Press names, read by
    Zotero, Mendeley and Google Scholar); no address when none is set."""
    b = book()
    released = b.released.replace("-", "/")
    chapter = title != b.title
    return {"citation_title": title, "citation_author": b.author, "citation_publication_date": released,
            "citation_online_date": released, "citation_publisher": b.author,
            "citation_inbook_title": b.title if chapter else None,
            "citation_book_title": b.title if chapter else None, "citation_version": b.version,
            "citation_pdf_url": address(pdf_path(slug)),
            "citation_public_url": address(page_path(slug)), "citation_language": "en"}


def ris(title: str, slug: str) -> str:
    """RIS: a chapter (TY CHAP) names the book in T2; the book itself has no T2."""
    b = book()
    y, m, d = b.released.split("-")
    chapter = title != b.title
    lines = [("TY", "CHAP" if chapter else "BOOK"), ("TI", title), ("T2", b.title if chapter else None),
             ("AU", b.author), ("PY", y), ("DA", f"{y}/{m}/{d}"), ("PB", b.author),
             ("ET", f"Version {b.version}"), ("UR", address(page_path(slug))), ("L1", address(pdf_path(slug))),
             ("LA", "en")]
    return "".join(f"{k}  - {v}\r\n" for k, v in lines if v) + "ER  -\r\n"


def csl(title: str, slug: str) -> list[dict]:
    """CSL-JSON: one item, a chapter in the book or the book itself."""
    b = book()
    y, m, d = (int(x) for x in b.released.split("-"))
    chapter = title != b.title
    item = {"id": _key(slug), "type": "chapter" if chapter else "book", "title": title,
            "container-title": b.title if chapter else None, "author": [{"literal": b.author}],
            "publisher": b.author, "issued": {"date-parts": [[y, m, d]]}, "edition": f"Version {b.version}",
            "URL": address(page_path(slug)), "language": "en"}
    return [{k: v for k, v in item.items() if v is not None}]
