"""Every figure of every page, measured in Chromium at a phone's 390 px and a
desktop's 1280 px: the smallest chart text (font size x the scale it is drawn
at) is at least 11 CSS px, no two chart texts overlap, no chart text runs
outside its SVG's box (it would be cut off), no chart is wider than
the screen and the page never scrolls sideways. Measured twice: the static
figure as the page first shows it (JavaScript off) and the interactive view
that replaces it. A deliberately bad chart proves the measurement fails.
"""
from urllib.parse import urljoin

import pytest

from booktools.browser import served
from conftest import PAGES, REPORT

WIDTHS = {"phone": 390, "desktop": 1280}
MIN_TEXT_PX = 11

# For each figure: the smallest text size on screen, every pair of chart texts
# whose boxes overlap (by more than a pixel each way), the chart's width and
# right edge, and the page's scroll width.
MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth, figures: []};
  document.querySelectorAll('.xev-figure').forEach(fig => {
    const svg = fig.querySelector('.xev-chart svg');
    const f = {name: fig.dataset.figure || '?', live: fig.dataset.live || '', svg: !!svg,
               minText: null, smallest: '', overlaps: [], clipped: [], width: 0, right: 0, height: 0};
    out.figures.push(f);
    if (!svg) return;
    const r = svg.getBoundingClientRect();
    f.width = r.width; f.right = r.right; f.height = r.height;
    const texts = [...svg.querySelectorAll('text')].filter(t => {
      if (!t.textContent.trim()) return false;
      for (let n = t; n && n !== svg; n = n.parentElement) {
        const cs = getComputedStyle(n);
        if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
        if (n.getAttribute('opacity') === '0') return false;
      }
      return true;
    });
    const boxes = texts.map(t => {
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      if (f.minText === null || px < f.minText) { f.minText = px; f.smallest = t.textContent.trim(); }
      // text past the SVG's box is cut off (in the page, the SVG file and its PNG alike)
      const b = t.getBoundingClientRect();
      if (b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5)
        f.clipped.push(t.textContent.trim());
      return [b, t.textContent.trim()];
    });
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ta] = boxes[i], [b, tb] = boxes[j];
      const ix = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const iy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (ix > 1 && iy > 1) f.overlaps.push(ta + ' / ' + tb);
    }
  });
  return out;
}"""


def problems(measured: dict) -> list[str]:
    """What breaks the rules in one page's measurement."""
    vw, out = measured["viewport"], []
    if measured["scrollWidth"] > vw + 1:
        out.append(f"the page scrolls sideways ({measured['scrollWidth']} px content in a {vw} px screen)")
    for f in measured["figures"]:
        n = f["name"]
        if not f["svg"]:
            out.append(f"{n}: no chart drawn")
            continue
        if f["minText"] is not None and f["minText"] < MIN_TEXT_PX - 0.05:
            out.append(f"{n}: text {f['smallest']!r} is {f['minText']:.1f} px (< {MIN_TEXT_PX})")
        if f["clipped"]:
            out.append(f"{n}: text outside the chart's box (clipped): {'; '.join(f['clipped'][:4])}")
        if f["overlaps"]:
            out.append(f"{n}: overlapping labels: {'; '.join(f['overlaps'][:4])}")
        if f["width"] > vw + 0.5 or f["right"] > vw + 0.5:
            out.append(f"{n}: {f['width']:.0f} px wide, right edge at {f['right']:.0f} px in a {vw} px screen")
    return out


@pytest.fixture(scope="module")
def fig_browser(browser):
    """The session's Chromium (conftest): a second sync Playwright in the same process cannot start."""
    return browser


@pytest.fixture(scope="module")
def fig_server(built):
    with served(built) as base:
        yield base


def open_page(browser, url, width, javascript=True):
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    page.evaluate("document.fonts.ready") if javascript else None
    return context, page, errors


def go_live(page):
    """Scroll each figure into view and wait until its interactive view has
    replaced the static one (or given up and stayed static)."""
    n = page.locator(".xev-figure").count()
    for i in range(n):
        fig = page.locator(".xev-figure").nth(i)
        before = fig.locator(".xev-chart").bounding_box()
        fig.scroll_into_view_if_needed()
        if fig.locator("script.xev-spec").count():
            page.wait_for_function("f => ['done', 'static'].includes(f.dataset.live)", arg=fig.element_handle(),
                                   timeout=15000)
            after = fig.locator(".xev-chart").bounding_box()
            assert abs(after["height"] - before["height"]) <= 1.5, \
                f"figure {i}: the interactive view changed the box height {before['height']} -> {after['height']}"
    page.evaluate("window.scrollTo(0, 0)")


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", PAGES)
def test_figures_readable(fig_browser, fig_server, name, width):
    url = urljoin(fig_server, f"{name}.html")
    found = []
    for javascript in (False, True):
        context, page, errors = open_page(fig_browser, url, width, javascript)
        try:
            if javascript:
                go_live(page)
                live = page.evaluate("() => [...document.querySelectorAll('.xev-figure')]"
                                     ".filter(f => f.dataset.live === 'static').map(f => f.dataset.figure)")
                assert not live, f"interactive view failed for {live}"
                assert not errors, errors
            m = page.evaluate(MEASURE)
        finally:
            context.close()
        found += [f"{'live' if javascript else 'static'}: {p}" for p in problems(m)]
        sizes = [f["minText"] for f in m["figures"] if f["minText"]]
        REPORT.append(f"figures {name} @{width}px {'live' if javascript else 'static'}: {len(m['figures'])} "
                      f"figures, smallest text {min(sizes):.1f} px" if sizes else f"figures {name}: none")
    assert not found, "\n".join(found)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_figures_visible_without_javascript(fig_browser, fig_server, name):
    context, page, _ = open_page(fig_browser, urljoin(fig_server, f"{name}.html"), 390, javascript=False)
    try:
        shown = page.evaluate("""() => [...document.querySelectorAll('.xev-figure')].map(f => {
            const s = f.querySelector('.xev-chart svg'); if (!s) return [f.dataset.figure, 0, 0, 0];
            const r = s.getBoundingClientRect();
            return [f.dataset.figure, r.width, r.height, s.querySelectorAll('path, rect, text').length];
        })""")
    finally:
        context.close()
    hidden = [s for s in shown if s[1] < 100 or s[2] < 50 or s[3] < 10]
    assert not hidden, f"figures not drawn with JavaScript off: {hidden}"


BAD_PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body>
<div class="xev-figure" data-figure="bad"><div class="xev-chart">
<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="600" height="120" viewBox="0 0 600 120">
<text x="10" y="40" font-size="8px">tiny label</text>
<text x="10" y="80" font-size="14px">Overlapping label one</text>
<text x="40" y="84" font-size="14px">Overlapping label two</text>
<text x="560" y="60" font-size="14px">400k clipped</text>
<rect x="0" y="100" width="600" height="10"/></svg></div></div></body></html>"""


@pytest.mark.slow
def test_measurement_fails_on_a_bad_chart(fig_browser, tmp_path):
    (tmp_path / "index.html").write_text(BAD_PAGE, "utf-8")
    with served(tmp_path) as base:
        context, page, _ = open_page(fig_browser, base + "index.html", 390)
        try:
            found = problems(page.evaluate(MEASURE))
        finally:
            context.close()
    text = "\n".join(found)
    assert "tiny label" in text and "8.0 px" in text, text
    assert "Overlapping label one / Overlapping label two" in text, text
    assert "600 px wide" in text and "scrolls sideways" in text, text
    assert "(clipped): 400k clipped" in text and "tiny label;" not in text, text
