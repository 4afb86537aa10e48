"""The book's notebooks run locally the way they read online (issue 10).

JupyterLab is started as `make lab` starts it (JUPYTER_CONFIG_PATH=book/_lab),
headless on a free port of 127.0.0.1; Chromium opens the summary and each
chapter (the root and the "Chapters" part of book/_toc.yml), checks that the
stored outputs show every figure once, runs all cells and checks: no cell
error, every figure drawn once and live (a Vega view whose marks show the
book's tooltip: helpers.pages.interactive), no raw MyST in the prose, no request to
another host, and saving cannot touch the checkout (git status and the
notebooks' bytes are the same afterwards).

`jupyter nbconvert --to html --execute` on a chapter gives a page whose
charts draw with every other host unreachable.

Skips (one line) where Chromium or JupyterLab is missing, except under
CI=true, where that is a failure.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from booktools.project import chapters, pages
from conftest import ROOT, jupyterlab, missing_or_skip

BOOK = ROOT / "book"
LAB = ROOT / "book" / "_lab"
PAGES = [pages(ROOT)[0], *chapters(ROOT)]   # the summary and the chapters
RUN_TIMEOUT = 240_000   # ms for one notebook to run all its cells
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
PROMPTS = PANEL + " .jp-CodeCell .jp-InputArea-prompt"
TOOLBAR = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar"
ERRORS = '[data-mime-type="application/vnd.jupyter.stderr"]'
RAW_MYST = re.compile(r"\{glue|\{[a-z][\w:.-]*\}`|\{(?:numref|ref|doc|download|div|admonition)\}"
                      r"|^:name:|^\([\w-]+\)=$", re.M)
FIGURE_CELL = re.compile(r"\.figure\(")   # page.figure(...) (or charts.figure) glues a figure


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's Chromium (conftest: skips where it is missing, fails under CI)."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        missing_or_skip("JupyterLab tests", "jupyterlab is not installed (the 'lab' extra of "
                        "requirements.lock; `make test` installs it)")
    return browser


def _checkout_state() -> dict[str, str]:
    """git status, plus the bytes of every file it lists and of every tracked notebook."""
    status = subprocess.run(["git", "status", "--porcelain=v1", "--untracked-files=all"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    files = {line[3:].split(" -> ")[-1].strip('"') for line in status.splitlines()}
    files |= {p.relative_to(ROOT).as_posix() for p in BOOK.glob("*.ipynb")}
    state = {"git status": status}
    for name in sorted(files):
        path = ROOT / name
        state[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"
    return state


def _lab_env(home: Path) -> dict[str, str]:
    """As `make lab`, with Jupyter's and IPython's per-user folders in ``home``
    (no user setting of this machine applies, nothing is written outside it)."""
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(LAB), "XIAOMI_EV_ROOT": str(ROOT),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
           "JUPYTER_PLATFORM_DIRS": "0"}
    env.pop("JUPYTER_PATH", None)
    return env


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory):
    """JupyterLab as `make lab` runs it, on 127.0.0.1:<free port>; yields its base URL and token."""
    home = tmp_path_factory.mktemp("jupyter-home")
    before = _checkout_state()
    with jupyterlab(home, _lab_env(home), ROOT) as (base, token):
        yield {"base": base, "token": token, "before": before, "log": home / "server.log"}


def _notebook(name: str) -> dict:
    return json.loads((BOOK / f"{name}.ipynb").read_text("utf-8"))


def _figure_cells(nb: dict) -> list[int]:
    return [i for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code" and FIGURE_CELL.search("".join(c["source"]))]


def _figure_directives(nb: dict) -> int:
    return sum(len(re.findall(r"^(?:`{3,}|:{3,})\{glue:figure\}", "".join(c["source"]), re.M))
               for c in nb["cells"] if c["cell_type"] == "markdown")


# how many outputs of a cell show a drawn chart: an <svg> with marks, or a loaded <img>, over 50x50 px
DRAWN = """(cell) => [...cell.querySelectorAll('.jp-OutputArea-output')].filter(out =>
  [...out.querySelectorAll('svg, img')].some(e => { const r = e.getBoundingClientRect();
    const marks = e.tagName.toLowerCase() === 'svg'
      ? e.querySelectorAll('path, rect, line, text, circle, symbol').length
      : (e.complete && e.naturalWidth > 0 ? 1 : 0);
    return r.width > 50 && r.height > 50 && marks > 0; })).length"""


def _undrawn(cells, figures: list[int]) -> dict[int, int]:
    """Figure cells that do not show their chart exactly once: cell index -> charts shown."""
    shown = {i: cells.nth(i).evaluate(DRAWN) for i in figures}
    return {i: n for i, n in shown.items() if n != 1}


LIVE = ".jp-OutputArea-output .vega-embed svg.marks"   # a live chart: Vega's view (helpers.pages.interactive)
TOOLTIP = "#vg-tooltip-element.visible"                   # vega-embed's tooltip, as in the book's pages
MARKS = ", ".join(f"g.mark-{m} path" for m in ("rect", "symbol", "arc", "area", "line", "trail"))


def _without_tooltip(page, cells, figures: list[int]) -> dict[int, str]:
    """Figure cells whose chart is not a live Vega view, or shows no tooltip when the
    pointer rests on one of its first marks: cell index -> what is wrong."""
    from playwright.sync_api import TimeoutError as Timeout

    wrong = {}
    for i in figures:
        chart = cells.nth(i).locator(LIVE)
        if chart.count() != 1:
            wrong[i] = "static (no live Vega view)"
            continue
        chart.scroll_into_view_if_needed()
        marks = chart.locator(MARKS)
        shown = ""
        for k in range(min(marks.count(), 12)):
            marks.nth(k).hover(force=True)
            try:
                page.locator(TOOLTIP).wait_for(timeout=1_000)
                shown = page.locator(TOOLTIP).inner_text().strip()
                break
            except Timeout:
                continue
        page.mouse.move(0, 0)
        if shown:   # the tooltip goes before the next chart is tried
            page.locator(TOOLTIP).wait_for(state="detached", timeout=2_000)
        else:
            wrong[i] = f"no tooltip over {marks.count()} marks"
    return wrong


def _run_all(page) -> None:
    """Run > Run All Cells, once the kernel is ready (earlier, JupyterLab may lose the
    kernel's connection). Queued cells show [*] (the stored outputs showed numbers
    already); a click lost on a busy machine is retried."""
    from playwright.sync_api import TimeoutError as Timeout

    for _ in range(3):
        page.locator(f'{TOOLBAR} .jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=90_000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel",
                     has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function("sel => [...document.querySelectorAll(sel)].some(p => p.textContent.includes('*'))",
                                   arg=PROMPTS, timeout=20_000)
            return
        except Timeout:
            page.keyboard.press("Escape")
    pytest.fail("JupyterLab did not start running the cells (Run > Run All Cells, three tries)")


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_runs_in_jupyterlab(lab, chromium, name):
    nb = _notebook(name)
    code = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    figures = _figure_cells(nb)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda w: requests.append(w.url))
    try:
        # a workspace of its own, reset: only this notebook is open
        page.goto(f"{lab['base']}lab/workspaces/{name}/tree/{name}.ipynb?reset&token={lab['token']}")
        cells = page.locator(PANEL + " .jp-Cell")
        page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n",
                               arg=[PANEL + " .jp-Cell", len(nb["cells"])], timeout=60_000)
        page.wait_for_timeout(500)
        stored = _undrawn(cells, figures)   # as opened, before any run: the stored outputs
        assert not stored, f"{name}: stored figure outputs not showing their chart once (cell: charts): {stored}"
        prose = page.eval_on_selector_all(PANEL + " .jp-MarkdownCell .jp-RenderedMarkdown",
                                          "els => els.map(e => e.innerText).join('\\n')")

        _run_all(page)
        page.wait_for_function(
            """([sel, err]) => document.querySelector(err) ||
                 [...document.querySelectorAll(sel)].every(p => /\\[\\d+\\]/.test(p.textContent))""",
            arg=[PROMPTS, ERRORS], timeout=RUN_TIMEOUT)
        page.wait_for_timeout(500)   # last outputs (and the scripts of figure outputs) settle

        errors = page.eval_on_selector_all(ERRORS, "els => els.map(e => e.innerText.slice(0, 1500))")
        assert not errors, f"{name}: a cell failed in JupyterLab:\n" + "\n---\n".join(errors)
        prompts = page.eval_on_selector_all(PROMPTS, "els => els.map(e => e.textContent)")
        assert len(prompts) == len(code) and all(re.search(r"\[\d+\]", p) for p in prompts), prompts

        assert len(figures) >= _figure_directives(nb), \
            f"{name}: {_figure_directives(nb)} figure directives but {len(figures)} cells making figures"
        undrawn = _undrawn(cells, figures)
        assert not undrawn, f"{name}: figure cells not showing their chart once in JupyterLab " \
                            f"(cell: charts drawn): {undrawn}"

        # run in `make lab`, each figure is a live chart (helpers.pages.interactive) with the book's tooltips
        static = _without_tooltip(page, cells, figures)
        assert not static, f"{name}: figure cells without a live chart and its tooltip: {static}"

        raw = sorted({m.group(0) for m in RAW_MYST.finditer(prose)})
        assert not raw, f"{name}: raw MyST shows in JupyterLab's prose: {raw}"

        # saving (as a reader might, out of habit) cannot write over the book's notebook
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        page.wait_for_timeout(500)

        host = urlparse(lab["base"]).netloc
        off_host = sorted({r for r in requests if urlparse(r).scheme not in ("data", "blob")
                           and urlparse(r).netloc != host})
        assert not off_host, f"{name}: requests to other hosts: {off_host}"
    finally:
        context.close()


@pytest.mark.slow
def test_running_and_saving_leave_the_checkout_unchanged(lab):
    """After the pages above ran (and were saved) in JupyterLab: same git status, same bytes."""
    after = _checkout_state()
    changed = {k: (lab["before"].get(k), v) for k, v in after.items() if lab["before"].get(k) != v}
    changed |= {k: (v, None) for k, v in lab["before"].items() if k not in after}
    assert not changed, f"running in JupyterLab changed the checkout: {sorted(changed)}"


def _nbconvert(name: str, out: Path, env: dict, *options: str) -> Path:
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", *options,
                          str(BOOK / f"{name}.ipynb"), "--output-dir", str(out)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return out / f"{name}.html"


def _offline_figures(chromium, html: Path, nb: dict) -> tuple[list[str], int, dict[int, int]]:
    """Open ``html`` with every other host unreachable: (off-host requests, figure cells, not drawn once)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    asked: list[str] = []

    def route(r):
        if urlparse(r.request.url).scheme in ("file", "data", "blob"):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(html.as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        cells = page.locator("main > .jp-Cell")
        assert cells.count() == len(nb["cells"]), (cells.count(), len(nb["cells"]))
        figures = _figure_cells(nb)
        return asked, len(figures), _undrawn(cells, figures)
    finally:
        context.close()


@pytest.mark.slow
def test_nbconvert_html_draws_its_charts_offline(chromium, tmp_path):
    """`jupyter nbconvert --to html --execute` on a chapter, as the issue types it: the
    charts draw with every other host unreachable (nbconvert's own template still asks
    CDNs for RequireJS and MathJax, which the book does not need). With the project's
    settings (JUPYTER_CONFIG_PATH=book/_lab), the stored outputs of the same chapter give a
    page that asks no other host at all and whose prose shows values, not MyST."""
    name = chapters(ROOT)[0]
    nb = _notebook(name)
    before = _checkout_state()
    env = _lab_env(tmp_path / "home")
    plain = {k: v for k, v in env.items() if k != "JUPYTER_CONFIG_PATH"}

    html = _nbconvert(name, tmp_path / "plain", plain, "--execute")
    _, figures, undrawn = _offline_figures(chromium, html, nb)
    assert figures >= 3 and not undrawn, f"{name}: figure cells not drawn once offline (nbconvert): {undrawn}"
    for url in re.findall(r'<(?:script|img|link|iframe)[^>]+(?:src|href)="(https?:[^"]+)"', html.read_text()):
        assert urlparse(url).netloc == "cdnjs.cloudflare.com", f"{name}: the page loads {url}"

    html = _nbconvert(name, tmp_path / "project", env)
    asked, figures, undrawn = _offline_figures(chromium, html, nb)
    assert figures >= 3 and not undrawn, f"{name}: stored figures not drawn once offline: {undrawn}"
    assert not asked, f"{name}: the page asks other hosts for {asked}"
    text = html.read_text("utf-8")
    assert not re.findall(r'<(?:script|img|link|iframe)[^>]+(?:src|href)="https?:', text)
    assert "{glue" not in text, f"{name}: raw glue roles in the HTML"
    assert _checkout_state() == before, "nbconvert changed the checkout"


# ---------------------------------------------------------------- without a browser

def _load(path: Path, name: str):
    """A module loaded from its path, as Jupyter and Sphinx load these files (their folders are no packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xev_lab():
    """The server's MyST rendering (book/booktools/lab.py, the module booktools.lab)."""
    from booktools import lab

    return lab


@pytest.mark.parametrize("name", pages(ROOT))
def test_every_page_reads_without_myst_in_jupyterlab(name):
    """The server's rendering leaves no MyST in any page's prose, and undoes itself exactly."""
    xev_lab = _xev_lab()
    nb = _notebook(name)
    original = [("".join(c["source"]), dict(c.get("metadata", {}))) for c in nb["cells"]]
    for c in nb["cells"]:
        c["source"] = "".join(c["source"])
    xev_lab.render_notebook(nb, xev_lab.Book(BOOK), name)
    prose = "\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")
    raw = sorted({m.group(0) for m in RAW_MYST.finditer(prose)})
    assert not raw, f"{name}: MyST left in the prose JupyterLab shows: {raw}"
    assert "not computed yet" not in prose, f"{name}: a glued name has no stored value"
    xev_lab.restore_notebook(nb)
    assert [(c["source"], c.get("metadata", {})) for c in nb["cells"]] == original


def test_book_notebooks_are_served_read_only_and_copies_get_their_myst_back(tmp_path):
    """What JupyterLab gets: the book's notebooks not writable, a save over one refused
    (403), and "Save Notebook As" writing the MyST source, not the rendered prose."""
    import asyncio
    import concurrent.futures
    import shutil

    import jupyter_server  # noqa: F401  (the lab extra is locked: a broken environment fails here)
    from tornado.web import HTTPError

    name = chapters(ROOT)[0]
    shutil.copy(BOOK / "_toc.yml", tmp_path)
    for p in BOOK.glob("*.ipynb"):
        shutil.copy(p, tmp_path)
    manager = _xev_lab().contents_manager_class()(root_dir=str(tmp_path))

    async def scenario():
        model = await manager.get(f"{name}.ipynb")
        assert model["writable"] is False
        assert "{glue" not in "".join(c["source"] for c in model["content"]["cells"])
        with pytest.raises(HTTPError) as refused:
            await manager.save({"type": "notebook", "format": "json", "content": model["content"]},
                               f"{name}.ipynb")
        assert refused.value.status_code == 403
        await manager.save({"type": "notebook", "format": "json", "content": model["content"]}, "mine.ipynb")

    # in a thread of its own: Playwright's sync API may hold this thread's event loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
    assert (tmp_path / f"{name}.ipynb").read_bytes() == (BOOK / f"{name}.ipynb").read_bytes()
    mine = json.loads((tmp_path / "mine.ipynb").read_text("utf-8"))
    assert ["".join(c["source"]) for c in mine["cells"]] == ["".join(c["source"]) for c in _notebook(name)["cells"]]
    assert not any("xev_lab" in c.get("metadata", {}) for c in mine["cells"])


@pytest.mark.parametrize("name", pages(ROOT))
def test_a_notebook_alone_says_what_it_needs(name, tmp_path):
    """Downloaded from its page without its bundle or the project, a reader's copy's first code cell stops
    with a message naming the `helpers` package, the chapter bundle (for a page that offers one) and
    `make lab`, not with an obscure ImportError. (Python with no site-packages at all stands in for a
    machine without them.)"""
    from booktools import myst, reader

    bundled = name in [pages(ROOT)[0], *chapters(ROOT)]
    cells = reader.readers_copy(_notebook(name), myst.Book(BOOK), name, ROOT, bundled)["cells"]
    first = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    run = subprocess.run([sys.executable, "-S", "-c", first], capture_output=True, text=True, cwd=tmp_path,
                         timeout=60, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert run.returncode != 0, f"{name}: the first cell ran without the project"
    assert "helpers" in run.stderr and "make lab" in run.stderr, f"{name}: {run.stderr[-800:]}"
    assert (f"{name}.zip" in run.stderr) == bundled, f"{name}: {run.stderr[-800:]}"
    assert "ModuleNotFoundError" not in run.stderr and "Traceback" not in run.stderr, run.stderr[-800:]
