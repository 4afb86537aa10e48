"""Every page of the built book in a real browser (Debian's Chromium driven
by Playwright), served from 127.0.0.1: no console error, no request to any
other host, every figure drawn, links and downloads resolve, search works,
and axe-core finds no serious or critical accessibility violation."""
import os
import re
import sys
from urllib.parse import urljoin, urlparse

import pytest

from conftest import PAGES, REPORT, ROOT

sys.path.insert(0, str(ROOT / "book" / "_scripts"))
from browser import ARGS, CHROMIUM, served, wait_for_figures  # noqa: E402

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core is not installed ({AXE.relative_to(ROOT)}; run `make test`)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(built):
    with served(built) as base:
        yield base


def visit(browser, url, width=1280):
    """Open a page, wait for its figures; return page, requests, console errors."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="networkidle")
    wait_for_figures(page)
    return context, page, requests, errors


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_in_browser(browser, server, name):
    url = urljoin(server, f"{name}.html")
    context, page, requests, errors = visit(browser, url)
    try:
        host = urlparse(server).netloc
        off_host = [r for r in requests if urlparse(r).netloc not in (host, "") and not r.startswith("data:")]

        charts = page.locator(".xev-chart")
        figures = charts.count()
        drawn = page.locator(".xev-chart svg.marks").count()
        marks = page.evaluate("() => [...document.querySelectorAll('.xev-chart svg.marks')]"
                              ".map(s => s.querySelectorAll('path, rect, line, text, symbol').length)")
        labels = [charts.nth(i).get_attribute("aria-label") or "" for i in range(figures)]

        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)")

        broken = check_links(page, context, url)
        REPORT.append(f"{name}: requests off-host {len(off_host)}, console errors {len(errors)}, "
                      f"figures drawn {drawn}/{figures}, axe serious+critical {len(violations)}, "
                      f"broken links {len(broken)}")
        problems = {"off-host requests": off_host, "console errors": errors, "axe": violations,
                    "broken links": broken}
        assert not any(problems.values()), {k: v for k, v in problems.items() if v}
        assert drawn == figures and all(m > 10 for m in marks), marks
        assert all(len(l) > 30 for l in labels), labels
    finally:
        context.close()


def check_links(page, context, url):
    """Every internal link's page answers 200 and every #anchor exists there;
    every download (figure SVG/PNG, table CSV) answers 200."""
    broken = []
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    fetched = {}
    for href in sorted(set(hrefs)):
        target = urljoin(url, href)
        parts = urlparse(target)
        if parts.scheme not in ("http", "https") or parts.netloc != urlparse(url).netloc:
            if parts.scheme in ("http", "https"):
                broken.append(f"external link {href}")
            continue
        doc = target.split("#")[0]
        if doc not in fetched:
            response = context.request.get(doc)
            fetched[doc] = (response.status, response.text() if doc.endswith(".html") else "")
        status, text = fetched[doc]
        if status != 200:
            broken.append(f"{href} -> {status}")
        elif parts.fragment and not re.search(rf'id="{re.escape(parts.fragment)}"', text):
            broken.append(f"{href}: no anchor #{parts.fragment}")
    return broken


@pytest.mark.slow
def test_search_finds_a_chapter(browser, server):
    context, page, _, errors = visit(browser, urljoin(server, "search.html?q=teardown"))
    try:
        page.wait_for_selector("#search-results li a", timeout=15000)
        results = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.href)")
        assert any("trust-crisis.html" in r for r in results), results
        assert errors == [], errors
    finally:
        context.close()
