"""Print the built book to PDF and take screenshots, with Debian's Chromium.

    python -m booktools.browser pdf          # book/_build/pdf/<page>.pdf and book.pdf
    python -m booktools.browser screenshots  # book/_build/screenshots/<page>-{desktop,phone}.png

(or run this file by its path: a copy of the project then prints its own book).
The pages are those of book/_toc.yml, in its order.

The book is served from 127.0.0.1 while Chromium reads it. In PDFs each
figure is replaced by its 2x PNG (written by the build), so a printed
report shows exactly the figure readers can download; the print stylesheet
(book/_static/xev.css, @media print) hides navigation, keeps figures whole
and prints the address of every link to another site. The PDFs are also
copied into the site (pdf/<page>.pdf), where each page's citation_pdf_url
meta tag points.

Also the one place that knows how to serve a built book on 127.0.0.1 and
drive Debian's Chromium offline: the tests and the bench import it.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

from booktools.project import pages

BOOK = Path(__file__).resolve().parent.parent
HTML = BOOK / "_build" / "html"
WIDTHS = {"desktop": 1280, "phone": 390}
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-quic"]

STATIC_FIGURES = """() => {
  document.querySelectorAll('.xev-figure').forEach(fig => {
    const name = fig.dataset.figure, chart = fig.querySelector('.xev-chart');
    if (!chart) return;  // already static
    const img = document.createElement('img');
    img.src = '_static/figures/' + name + '.png';
    img.alt = chart.getAttribute('aria-label');
    img.className = 'xev-static-figure';
    chart.replaceWith(img);
  });
}"""
WHOLE_BOOK = """(articles) => {
  const main = document.querySelector('article.bd-article');
  main.innerHTML = articles.join('<div class="xev-page-break"></div>');
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
    page.pdf(path=str(path), format="A4", print_background=True,
             margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})


def pdf() -> list[Path]:
    out = BOOK / "_build" / "pdf"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with served() as base, chromium() as browser:
        articles = []
        for name in pages(BOOK.parent):
            page = _open(browser, base + f"{name}.html")
            page.evaluate(STATIC_FIGURES)
            articles.append(page.locator("article.bd-article").inner_html())
            _print(page, out / f"{name}.pdf")
            written.append(out / f"{name}.pdf")
            page.close()
        page = _open(browser, base + "index.html")
        page.evaluate(WHOLE_BOOK, articles)
        _print(page, out / "book.pdf")
        written.append(out / "book.pdf")
    # the pages' citation_pdf_url meta tags point at pdf/<page>.pdf in the site
    (HTML / "pdf").mkdir(exist_ok=True)
    for p in written:
        shutil.copy2(p, HTML / "pdf" / p.name)
        print(f"pdf: {p.relative_to(BOOK.parent)} ({p.stat().st_size // 1024} KB)")
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
