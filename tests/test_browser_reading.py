"""Reading the book on a phone and a desktop (issue 19), in Chromium: the menu
and page-contents buttons open what they name at 390, 800 and 1280 px;
evidence entries wrap (nothing runs past the screen); a tap on a number
opens its preview in a sheet with a link to the entry, and a second tap goes
there; hover previews stay inside the window, stay open while the pointer
moves onto them, and close with Escape. One page load per test."""
from urllib.parse import urljoin

import pytest

from conftest import CHAPTERS

CHAPTER = CHAPTERS[0]
VISIBLE = "els => els.filter(e => { const r = e.getBoundingClientRect();" \
          " return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }).length"


def visible_buttons(page, selector):
    return [b for b in page.locator(selector).all() if b.is_visible()]


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(urljoin(server, f"{CHAPTER}.html"), wait_until="networkidle")
    yield page, errors
    context.close()


@pytest.mark.slow
def test_menu_and_contents_open_at_every_width(phone):
    page, errors = phone
    chapters = page.locator("nav.bd-links a")
    for width in (390, 800):
        page.set_viewport_size({"width": width, "height": 844})
        assert not page.evaluate("document.querySelector('#pst-primary-sidebar-modal').open")
        menu = visible_buttons(page, ".primary-toggle")
        assert menu, f"{width} px: no visible ☰ button"
        menu[0].tap()
        page.wait_for_function("() => document.querySelector('#pst-primary-sidebar-modal').open", timeout=3000)
        listed = chapters.evaluate_all("els => els.filter(e => e.getBoundingClientRect().width > 0)"
                                       ".map(e => e.getAttribute('href'))")
        others = [c for c in CHAPTERS if c != CHAPTER]   # the page itself is listed as "#"
        assert "#" in listed and all(c + ".html" in listed for c in others), (width, listed)
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.querySelector('#pst-primary-sidebar-modal').open", timeout=3000)

        contents = visible_buttons(page, ".secondary-toggle")
        assert contents, f"{width} px: no visible page-contents button"
        contents[0].tap()
        page.wait_for_function("() => document.querySelector('#pst-secondary-sidebar-modal').open", timeout=3000)
        assert page.locator("#pst-page-toc-nav a").evaluate_all(VISIBLE) >= 3, width
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.querySelector('#pst-secondary-sidebar-modal').open", timeout=3000)

    # a desktop shows both sidebars; ☰ hides the chapter list and shows it again
    page.set_viewport_size({"width": 1280, "height": 844})
    assert chapters.evaluate_all(VISIBLE) >= len(CHAPTERS)
    menu = visible_buttons(page, ".primary-toggle")
    assert menu, "1280 px: no visible ☰ button"
    menu[0].click()
    page.wait_for_timeout(400)   # the theme slides the sidebar away
    assert chapters.evaluate_all(VISIBLE) == 0, "1280 px: ☰ did not hide the chapter list"
    menu[0].click()
    page.wait_for_timeout(400)
    assert chapters.evaluate_all(VISIBLE) >= len(CHAPTERS), "1280 px: ☰ did not bring the chapter list back"
    assert page.locator("#pst-page-toc-nav a").evaluate_all(VISIBLE) >= 3, "1280 px: no page contents"
    assert errors == []


@pytest.mark.slow
def test_a_tap_on_a_number_opens_its_preview_then_the_entry(phone):
    page, errors = phone
    number = page.locator("a.xev-ev[href*=\"evidence.html#ev-\"]").first     # one row: its preview quotes it
    number.scroll_into_view_if_needed()
    href = number.get_attribute("href")
    tip = page.locator(f"#{number.get_attribute('aria-describedby')}").text_content()
    start = page.url
    number.tap()
    sheet = page.locator(".xev-sheet")
    sheet.wait_for(state="visible", timeout=3000)
    assert page.url == start, "the first tap left the page"
    assert sheet.locator(".xev-sheet-text").text_content() == tip and "“" in tip   # source and quote
    assert sheet.locator("a.xev-sheet-go").get_attribute("href") == href
    box = sheet.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844, box
    # a tap elsewhere closes it; a tap, then a second tap on the same number, goes to the entry
    page.locator("article.bd-article h1").first.tap()
    assert not sheet.is_visible()
    number.tap()
    sheet.wait_for(state="visible", timeout=3000)
    with page.expect_navigation():
        number.tap()
    assert page.url.endswith(href.split("/")[-1]), (page.url, href)
    assert page.evaluate("location.hash && !!document.querySelector(location.hash)")
    assert errors == []


@pytest.mark.slow
def test_hover_previews_stay_in_the_window_and_open_until_left_or_escape(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(urljoin(server, f"{CHAPTER}.html"), wait_until="networkidle")
        links = page.locator("a.xev-ev")
        n = links.count()
        assert n > 20
        # the ten numbers nearest the right edge (where a preview would run off), and twenty spread over the page
        rights = links.evaluate_all("els => els.map((e, i) => [e.getBoundingClientRect().right, i])")
        sample = sorted({i for _, i in sorted(rights)[-10:]} | set(range(0, n, max(1, n // 20))))
        outside = []
        for i in sample:
            link = links.nth(i)
            link.scroll_into_view_if_needed()
            link.hover()
            tip = page.locator(f"#{link.get_attribute('aria-describedby')}")
            assert tip.is_visible(), f"link {i}: no preview on hover"
            t = tip.bounding_box()
            if t["x"] < 0 or t["x"] + t["width"] > 1280 or t["y"] < 0 or t["y"] + t["height"] > 800:
                outside.append((i, t))
            if i % 5 == 0:   # the pointer moves from the number onto its preview in small steps: it stays open
                a = link.bounding_box()
                x = max(a["x"], t["x"]) + 2   # straight down (or up) from the number onto its preview
                assert x < min(a["x"] + a["width"], t["x"] + t["width"]), f"link {i}: the preview is not under it"
                page.mouse.move(x, a["y"] + a["height"] / 2)
                page.mouse.move(x, t["y"] + t["height"] / 2, steps=12)
                assert tip.is_visible(), f"link {i}: the preview closed on the way to it"
                page.keyboard.press("Escape")
                assert not tip.is_visible(), f"link {i}: Escape did not close the preview"
            page.mouse.move(0, 0)
        assert outside == [], f"previews past the window: {outside[:5]}"
    finally:
        context.close()


# Entries off the screen are not laid out (content-visibility: auto): lay every one out as it is on
# the screen, or an entry far down the page would measure nothing.
OVERFLOW = """() => {
  document.querySelectorAll('.xev-entry').forEach(e => { e.style.contentVisibility = 'visible'; });
  const vw = document.documentElement.clientWidth;
  return [...document.querySelectorAll('.xev-entry')].filter(e => e.scrollWidth > e.clientWidth + 1 ||
      [e, ...e.querySelectorAll('*')].some(c => c.getBoundingClientRect().right > vw + 0.5)).map(e => e.id);
}"""


@pytest.mark.slow
def test_evidence_entries_wrap_on_a_phone_and_a_desktop(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(urljoin(server, "evidence.html"), wait_until="domcontentloaded")
        entries = page.locator(".xev-entry").count()
        assert entries > 100
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 844})
            wide = page.evaluate(OVERFLOW)
            assert wide == [], f"{width} px: {len(wide)} of {entries} entries run past the screen: {wide[:5]}"
        # the same measurement fails on an entry that cannot wrap
        page.evaluate("() => { const e = document.querySelector('.xev-entry dd'); e.style.whiteSpace = 'pre';"
                      " e.style.overflowWrap = 'normal'; e.textContent = 'x'.repeat(400); }")
        assert page.evaluate(OVERFLOW), "the overflow measurement cannot fail"
    finally:
        context.close()


LANDED = "id => Math.round(document.getElementById(id).getBoundingClientRect().top)"


@pytest.mark.slow
def test_a_tap_lands_on_its_evidence_entry(browser, server):
    """Entries off the screen are not laid out (content-visibility), so their heights are
    estimates until drawn: a tap on a number in a chapter must still land on its entry, at
    once and for good (as the entries above it are drawn), early, midway and late in the page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(urljoin(server, f"{CHAPTER}.html"), wait_until="domcontentloaded")
        hrefs = [h for h in page.eval_on_selector_all("a.xev-ev", "as => as.map(a => a.getAttribute('href'))")
                 if h.startswith("evidence.html#ev-")]
        assert len(hrefs) > 10
        for href in (hrefs[0], hrefs[len(hrefs) // 2], hrefs[-1]):
            entry = href.split("#", 1)[1]
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 844})
                page.goto(urljoin(server, href), wait_until="load")
                # where the browser puts a target: under the page's scroll padding (the theme's 4rem)
                header = page.evaluate("parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop) || 0")
                at_once = page.evaluate(LANDED, entry)
                page.wait_for_timeout(1000)
                later = page.evaluate(LANDED, entry)
                assert abs(at_once - header) <= 2 and abs(later - header) <= 2, \
                    f"{width} px, {entry}: top at {at_once} px, then {later} px; a target sits at {header} px"
    finally:
        context.close()
