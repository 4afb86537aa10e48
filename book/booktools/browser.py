"""Print the built book to PDF and take screenshots, with Debian's Chromium.

    python -m booktools.browser pdf          # book/_build/pdf/<page>.pdf and book.pdf
    python -m booktools.browser screenshots  # book/_build/screenshots/<page>-{desktop,phone}.png

(or run this file by its path: a copy of the project then prints its own book).
The pages are those of book/_toc.yml, in its order.

The book is served from 127.0.0.1 while Chromium reads it. In PDFs each
figure is replaced by its 2x PNG (written by the build), so a printed
report shows exactly the figure readers can download; the print stylesheet
(book/_static/xev-print.css) hides navigation, prints each page's title,
keeps figures whole with their captions, uses a CJK font for Chinese quotes
and prints the address of every link to another site. The pages are joined
(``JOIN``) so that every link to the book points inside the PDF (the whole
book's evidence links reach the evidence appendix), or to the edition's
public address, never to the local server. The PDFs carry an outline and
their title, author and edition. ``make pdf`` also copies them into the site
(pdf/<page>.pdf), where each page's citation_pdf_url and RIS L1 point;
``make site`` prints every edition's.

Also the one place that knows how to serve a built book on 127.0.0.1 and
drive Debian's Chromium offline: the tests and the bench import it.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import re
import shutil
import string
import sys
import threading
from pathlib import Path

from booktools.project import checkout, pages
from helpers.pages import html as markup

ROOT = checkout(__file__)   # this checkout, or the copy this script was run from
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
WIDTHS = {"desktop": 1280, "phone": 390}
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-quic"]

# Every interactive chart replaced by its PNG (print and screenshots); the class
# names and the figures' file paths are those helpers.pages.html writes.
STATIC_FIGURES = string.Template("""() => {
  document.querySelectorAll('.$figure').forEach(fig => {
    const name = fig.dataset.figure, chart = fig.querySelector('.$chart');
    if (!chart) return;  // already static
    const img = document.createElement('img');
    img.src = '$files'.replace('NAME', name) + '.png';
    img.alt = chart.getAttribute('aria-label');
    img.className = '$static_figure';
    chart.replaceWith(img);
  });
}""").substitute(figure=markup.FIGURE, chart=markup.CHART, files=markup.figure_files("NAME"),
                  static_figure=markup.STATIC_FIGURE)
# Pages joined into one document for print: each page's article in a section of
# its own, its ids prefixed with the page's name so that none collides. Then every
# link to the book: to its target inside this document when that is printed here
# (the evidence appendix's entries, figures, sections), else to the edition's
# public address when CITATION.cff names one, else it is no link at all.
# Never to the local server the pages were read from.
JOIN = """({pages, publicBase, title}) => {
  const main = document.querySelector('article.bd-article');
  main.innerHTML = '';
  const names = pages.map(p => p.name);
  for (const {name, html} of pages) {
    const section = document.createElement('section');
    section.className = 'xev-book-page';
    section.id = 'xev-page-' + name;
    section.dataset.page = name;
    section.innerHTML = html;
    section.querySelectorAll('[id]').forEach(e => { e.id = name + '--' + e.id; });
    for (const attr of ['aria-describedby', 'aria-labelledby', 'for']) {
      section.querySelectorAll('[' + attr + ']').forEach(e => e.setAttribute(attr,
        e.getAttribute(attr).split(/\\s+/).map(i => name + '--' + i).join(' ')));
    }
    main.appendChild(section);
  }
  let inside = 0, outside = 0, dropped = 0;
  main.querySelectorAll('a[href]').forEach(a => {
    const page = a.closest('.xev-book-page').dataset.page;
    const url = new URL(a.getAttribute('href'), location.origin + '/' + page + '.html');
    if (url.origin !== location.origin) return;           // another site: printed as it is
    const path = url.pathname.replace(/^\\//, '') || 'index.html';
    const target = path.replace(/\\.html$/, '');
    const frag = decodeURIComponent(url.hash.slice(1));
    const id = names.includes(target) ? (frag ? target + '--' + frag : 'xev-page-' + target) : null;
    if (id && document.getElementById(id)) { a.setAttribute('href', '#' + id); inside++; }
    else if (publicBase) { a.setAttribute('href', publicBase + path + url.hash); outside++; }
    else { a.removeAttribute('href'); dropped++; }
  });
  document.title = title;
  return {inside, outside, dropped};
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Gzip(_Quiet):
    """As a static host serves a site: text files gzip-compressed when the client accepts it."""
    TEXT = (".html", ".js", ".css", ".svg", ".json", ".txt", ".csv", ".ris", ".ipynb")

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if (path.suffix not in self.TEXT or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        import gzip
        import io

        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def served(directory: Path = HTML, gzip: bool = False):
    """Serve ``directory`` on 127.0.0.1 (a free port), gzip-compressed if asked; yield its base URL."""
    if not (directory / "index.html").exists():
        sys.exit("no built book: run `make book` first")
    handler = _Gzip if gzip else _Quiet
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


@contextlib.contextmanager
def chromium():
    if not os.path.exists(CHROMIUM):
        sys.exit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


NODE_MODULES = BOOK.parent / "tests" / "browser" / "node_modules"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"


def nu_errors(files: list[Path]) -> list[str]:
    """The W3C Nu HTML checker (npm vnu-jar, run with Java) over ``files``: one
    line per error, ``page:line: message`` (warnings and info are not errors)."""
    import json
    import subprocess

    java = shutil.which("java")
    if not java or not VNU.exists():
        raise FileNotFoundError(f"the Nu checker needs java and {VNU.relative_to(BOOK.parent)} (npm ci, tests/browser)")
    # one JVM for every file; a quick-starting JIT; the stack the checker asks for
    r = subprocess.run([java, "-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(VNU),
                        "--errors-only", "--format", "json", *map(str, files)], capture_output=True, text=True)
    messages = json.loads(r.stderr or r.stdout or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
            for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def wait_for_figures(page, timeout=15000) -> int:
    """Wait until every figure on the page has drawn its SVG; return how many."""
    n = page.locator(".xev-chart").count()
    if n:
        page.wait_for_function("n => document.querySelectorAll('.xev-chart svg.marks').length >= n",
                               arg=n, timeout=timeout)
    return n


def _open(browser, url, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url, wait_until="networkidle")
    wait_for_figures(page)
    return page


def _print(page, path: Path):
    page.evaluate(STATIC_FIGURES)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    page.emulate_media(media="print")
    # tagged: the PDF carries the document's structure; outline: bookmarks from its headings
    page.pdf(path=str(path), format="A4", print_background=True, tagged=True, outline=True,
             margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})


def _pdf_string(text: str) -> bytes:
    if text.isascii():
        return b"(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii") + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def set_info(path: Path, **fields: str) -> None:
    """Set document information (Title, Author, Subject, Keywords) of a PDF
    Chromium printed, as an incremental update: Chromium writes the page's
    <title> as Title and no Author. The other entries it wrote are kept."""
    data = path.read_bytes()
    trailer = re.findall(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)", data, re.S)[-1]
    body, prev = trailer
    root = re.search(rb"/Root (\d+ \d+ R)", body).group(1)
    size = int(re.search(rb"/Size (\d+)", body).group(1))
    old = {}
    info = re.search(rb"/Info (\d+) (\d+) R", body)
    if info:
        obj = re.search(rb"(?<![0-9])" + info.group(1) + rb" " + info.group(2) + rb" obj\s*<<(.*?)>>\s*endobj",
                        data, re.S)
        if obj:
            old = dict(re.findall(rb"/(Creator|Producer|CreationDate|ModDate) (\([^\n]*\)|<[^>]*>)", obj.group(1)))
    entries = b"".join(b"/" + k + b" " + v + b"\n" for k, v in old.items())
    entries += b"".join(b"/" + k.encode() + b" " + _pdf_string(v) + b"\n" for k, v in fields.items() if v)
    offset = len(data) + 1
    update = b"\n%d 0 obj\n<<" % size + entries + b">>\nendobj\n"
    xref = offset + len(update) - 1
    update += (b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (size, offset)
               + b"trailer\n<</Size %d /Root %s /Info %d 0 R /Prev %s>>\nstartxref\n%d\n%%%%EOF\n"
               % (size + 1, root, size, prev, xref))
    path.write_bytes(data + update)


TITLE = """() => {
  const h = document.querySelector('article.bd-article h1').cloneNode(true);
  h.querySelectorAll('.headerlink').forEach(e => e.remove());
  return h.textContent.trim();
}"""


def _article(browser, url) -> dict:
    """A page's article (figures as their PNG) and its title."""
    page = _open(browser, url)
    page.evaluate(STATIC_FIGURES)
    item = {"html": page.locator("article.bd-article").inner_html(), "title": page.evaluate(TITLE)}
    page.close()
    return item


def _join_and_print(browser, base, pages_html, path, public, title, info):
    page = _open(browser, base + "index.html")
    counts = page.evaluate(JOIN, {"pages": pages_html, "publicBase": public, "title": title})
    _print(page, path)
    page.close()
    set_info(path, Title=title, **info)
    return counts


def pdf(html: Path = HTML, out: Path | None = None, root: Path | None = None, public: str | None = None,
        edition: dict | None = None) -> list[Path]:
    """Print every page of the book in ``html`` to ``out/<page>.pdf`` and the
    whole book to ``out/book.pdf``. Links inside the book resolve inside the
    PDF when their target is printed there, else to ``public`` (the edition's
    public address, ``<url><version>/``), else they are dropped. ``edition``:
    title, author and version (default: CITATION.cff of this checkout).
    By default (``make pdf``), the PDFs are also copied into the site, at
    ``pdf/<page>.pdf``, where citation_pdf_url and RIS L1 point."""
    default = out is None
    root = root or BOOK.parent
    out = out or BOOK / "_build" / "pdf"
    if edition is None:
        from helpers.pages import cite

        b = cite.book()
        edition = {"title": b.title, "author": b.author, "version": b.version}
        public = cite.address() if public is None else public
    out.mkdir(parents=True, exist_ok=True)
    names = pages(root)
    version = f"Version {edition['version']}"
    info = {"Author": edition["author"], "Subject": f"{edition['title']}, {version}",
            "Keywords": f"edition {edition['version']}"}
    written = []
    with served(html) as base, chromium() as browser:
        articles = [{"name": name, **_article(browser, base + f"{name}.html")} for name in names]
        for item in articles:
            title = item["title"]
            full = (edition["title"] if title == edition["title"] else f"{title} \u2014 {edition['title']}")
            path = out / f"{item['name']}.pdf"
            _join_and_print(browser, base, [item], path, public, f"{full} ({version})", info)
            written.append(path)
        path = out / "book.pdf"
        counts = _join_and_print(browser, base, articles, path, public, f"{edition['title']} ({version})", info)
        written.append(path)
        print(f"pdf: book.pdf links to the book: {counts['inside']} inside it, {counts['outside']} to its "
              f"public address, {counts['dropped']} dropped (no public address)")
    if default:
        (html / "pdf").mkdir(exist_ok=True)
        for p in written:
            shutil.copy2(p, html / "pdf" / p.name)
    for p in written:
        print(f"pdf: {p} ({p.stat().st_size // 1024} KB)")
    return written


def screenshots() -> list[Path]:
    out = BOOK / "_build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with served() as base, chromium() as browser:
        for name in pages(BOOK.parent):
            for label, width in WIDTHS.items():
                page = _open(browser, base + f"{name}.html", width)
                path = out / f"{name}-{label}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
                page.close()
    print(f"screenshots: {len(written)} in {out.relative_to(BOOK.parent)}")
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["pdf", "screenshots"])
    args = ap.parse_args()
    {"pdf": pdf, "screenshots": screenshots}[args.what]()


if __name__ == "__main__":
    main()
