"""Shared fixtures. The page list comes from book/_toc.yml (booktools.project),
never from a list written here.

Tiers: a test that builds the book, re-runs notebooks or drives the browser
is `slow` (marked in its file; any test using the `built`, `browser`,
`server` or `pdfs` fixtures is marked here as well). `make test-fast` runs the
rest; `make test` runs everything, the slow tier on two processes
(pytest-xdist, one test file at a time each, longest files first).

Shared, whatever the number of processes: the book is built once (`built`) and
printed once (`pdfs`) per run, in the checkout; tests that only read it share it.
Tests that change the project build a copy of it instead. XEV_BUILT (a root
just built with the same strict build) lets test_add_chapter run these tests
in its copy without building it again.
"""
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from booktools.browser import ARGS, CHROMIUM, served, wait_for_figures
from booktools.project import chapters, copy_project, pages

ROOT = Path(__file__).resolve().parent.parent   # this checkout, or a copy of it holding these tests
BUILD = ROOT / "book" / "booktools" / "build.py"
BROWSER = ROOT / "book" / "booktools" / "browser.py"
PAGES = pages(ROOT)
CHAPTERS = chapters(ROOT)
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
REPORT: list[str] = []   # per-page lines the browser tests print at the end of the run
SLOW_FIXTURES = {"built", "browser", "server", "pdfs", "chromium_path"}
# The slow tier's longest files, longest first (measured: `pytest -m slow --durations`); the
# order of the rest is kept. Only the order in which they start depends on this list.
LONGEST_FIRST = ("test_lab.py", "test_reader.py", "test_site.py", "test_add_chapter.py", "test_build.py",
                 "test_injection.py", "test_browser_figures.py", "test_pdf.py", "test_bad_input.py")


def run(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})})


def run_forked(*args, timeout: float = 30.0) -> subprocess.CompletedProcess:
    """`python -m MODULE ...` or `python -c CODE ...` as run() does, but in a
    forked child of this process: it inherits the imports already made here
    (pandas, helpers), so a call costs milliseconds instead of an interpreter
    start, and a hang still raises subprocess.TimeoutExpired instead of stalling the run.
    The child starts in ROOT and sees the same environment; its stdout and
    stderr are captured."""
    import runpy
    import signal
    import tempfile
    import time

    flag, target, *rest = map(str, args)
    if flag not in ("-m", "-c"):
        raise ValueError("run_forked takes -m MODULE or -c CODE")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
                os.chdir(ROOT)
                if flag == "-m":
                    sys.argv = [target, *rest]
                    runpy.run_module(target, run_name="__main__", alter_sys=True)
                else:
                    sys.argv = ["-c", *rest]
                    exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                if not isinstance(e.code, int | None):
                    print(e.code, file=sys.stderr)
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise subprocess.TimeoutExpired([sys.executable, *map(str, args)], timeout)
            time.sleep(0.002)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess([sys.executable, *map(str, args)], os.waitstatus_to_exitcode(status),
                                           out.read().decode("utf-8", "replace"),
                                           err.read().decode("utf-8", "replace"))


@pytest.hookimpl(tryfirst=True)   # before -m deselects
def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # `make test` runs the slow tier on two processes, one test file at a time each
    # (pytest-xdist --dist loadfile, in collection order): the longest files go
    # first, so that neither process is left with a long file at the end.
    items.sort(key=lambda item: LONGEST_FIRST.index(item.path.name) if item.path.name in LONGEST_FIRST
               else len(LONGEST_FIRST))


@contextlib.contextmanager
def jupyterlab(home: Path, env: dict, cwd: Path, *options: str):
    """A JupyterLab server on 127.0.0.1:<free port>, started with ``env`` in ``cwd``, its
    log in ``home``/server.log; yields (base URL, token) once it answers, stops it after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", *options, *(["--allow-root"] if os.geteuid() == 0 else [])]
    log = (home / "server.log").open("w")
    server = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n" + (home / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def missing_or_skip(what: str, reason: str):
    """A missing system tool (Chromium, poppler, axe-core from npm) skips the
    tests that need it, with one line; under CI=true it fails them."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} cannot run under CI: {reason}")
    pytest.skip(f"{what} skipped: {reason}")


@pytest.fixture
def project_copy(tmp_path):
    """A throw-away copy of data/ and seeds/ that a test may corrupt."""
    return copy_project(tmp_path, ("data", "seeds"), root=ROOT)


def once_per_run(request, tmp_path_factory, name: str, make) -> None:
    """Call ``make()`` once in this test run, even when pytest-xdist runs the
    tests in several processes: the first to get here calls it while the
    others wait on a lock, then find it done. (What ``make`` writes is in the
    checkout, which every worker shares.) A failure is not recorded: the next
    worker tries again and fails the same way."""
    import fcntl

    shared = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):   # an xdist worker (not just a pytest it started)
        shared = shared.parent   # the workers' basetemps are folders of one run folder
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"{name}.done"
        if not done.exists():
            make()
            done.touch()


@pytest.fixture(scope="session")
def built(request, tmp_path_factory):
    """Build the HTML once from the stored outputs, warnings as errors."""
    def build():
        if os.environ.get("XEV_BUILT") == str(ROOT):
            return   # the caller built this root with the same strict build (test_add_chapter)
        out = run(BUILD, "--check")
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        assert "WARNING" not in out.stdout + out.stderr, out.stdout + out.stderr  # Sphinx warnings

    once_per_run(request, tmp_path_factory, "built", build)
    return ROOT / "book" / "_build" / "html"


@pytest.fixture(scope="session")
def chromium_path():
    if not os.path.exists(CHROMIUM):
        missing_or_skip("browser and PDF tests", f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe():
    if not AXE.exists():
        missing_or_skip("accessibility checks", f"axe-core is not installed ({AXE.relative_to(ROOT)}: "
                        "needs npm; `make test` installs it)")
    return AXE


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Debian's Chromium driven by Playwright (a locked dependency: imported
    unconditionally, so a broken environment fails)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(built):
    with served(built) as base:
        yield base


def visit(browser, url, width=1280):
    """Open a page, wait for its figures; return context, page, requests, console errors."""
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


@pytest.fixture(scope="session")
def pdfs(chromium_path, built, request, tmp_path_factory):
    """`make pdf` once: every page of the toc and the whole book, printed."""
    missing = [tool for tool in ("pdftoppm", "pdfimages", "pdftotext") if not shutil.which(tool)]
    if missing:
        missing_or_skip("PDF tests", f"poppler-utils missing ({', '.join(missing)}): apt-get install poppler-utils")

    def print_pdfs():
        out = run(BROWSER, "pdf")
        assert out.returncode == 0, out.stdout + out.stderr

    once_per_run(request, tmp_path_factory, "pdfs", print_pdfs)
    return ROOT / "book" / "_build" / "pdf"


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("pages in a real browser")
        for line in REPORT:
            terminalreporter.write_line(line)
