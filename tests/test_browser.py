"""Every page of the built book in a real browser (Debian's Chromium driven
by Playwright), served from 127.0.0.1: no console error, no request to any
other host, every figure drawn, links and downloads resolve, search works,
and axe-core finds no serious or critical accessibility violation."""
import re
from urllib.parse import urljoin, urlparse

import pytest

from conftest import PAGES, REPORT, visit

# The fixtures `browser` (Chromium via Playwright), `server` (the built book on
# 127.0.0.1) and `axe` live in conftest.py, shared with every browser test file.


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_in_browser(browser, server, axe, name):
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

        page.add_script_tag(path=str(axe))
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
        assert all(len(label) > 30 for label in labels), labels
    finally:
        context.close()


def check_links(page, context, url):
    """Every internal link's page answers 200 and every #anchor exists there;
    every download (figure SVG/PNG, table CSV) answers 200."""
    broken = []
    # A source's own address in an evidence entry is a citation the reader may follow, not something the
    # page loads; it must say so (rel="nofollow noreferrer"). Any other link to another site is an error.
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')]"
                          ".filter(a => !(a.closest('.xev-entry') && a.rel.includes('noreferrer')))"
                          ".map(a => a.getAttribute('href'))")
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
