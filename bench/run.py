"""Measure the book's build, tests and loading side by side, in one run.

    python bench/run.py [--runs 3]

Every build runs in a temporary copy of the project, so the checkout is
never touched. Each figure is the median of --runs runs (at least 3), with
min and max. Ratios compare measurements taken in this same run.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from booktools.project import ROOT, chapters, copy_project, nbval_args

PY = sys.executable
CHAPTERS = chapters()


# CPU seconds (user + system, of this process's children) of each timed call,
# by call: on a shared machine the wall clock moves with other people's load,
# the CPU a build spends much less.
CPU: dict[int, list[float]] = {}


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn, runs):
    out, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _children_cpu()
        fn()
        out.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - start_cpu)
    CPU[id(out)] = cpu
    return out


def cpu_note(values, reference=None) -> str:
    """'CPU <median> s' of a timed measure, and its ratio to a reference measure's."""
    mine = statistics.median(CPU[id(values)])
    note = f"CPU {mine:.1f} s"
    if reference is not None:
        note += f" ({mine / statistics.median(CPU[id(reference)]):.2f}x)"
    return note


def sh(*args, env=None, cwd=None, check=True):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                       env={**os.environ, **(env or {})})
    if check and r.returncode:
        sys.exit(f"failed: {' '.join(map(str, args))}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r


class Copy:
    """A throw-away copy of the project to build in."""

    def __init__(self):
        self.dir = copy_project(Path(tempfile.mkdtemp(prefix="xev-bench-")))
        self.env = {"XIAOMI_EV_ROOT": str(self.dir)}
        self.build_py = self.dir / "book" / "booktools" / "build.py"

    def notebooks(self):
        return sorted((self.dir / "book").glob("*.ipynb"))

    def make_cold(self):
        """No build output and no record of past execution: everything is stale."""
        for p in ("book/_build", "book/_static/figures", "book/_static/data", "book/_static/vega"):
            shutil.rmtree(self.dir / p, ignore_errors=True)
        for nb in self.notebooks():
            d = json.loads(nb.read_text())
            d["metadata"].pop("xev", None)
            nb.write_text(json.dumps(d, indent=1, ensure_ascii=False) + "\n")

    def build(self):
        return sh(PY, self.build_py, env=self.env, cwd=self.dir).stdout

    def change_one_value(self, old, new, table="tariffs"):
        """Change one cell of one table (a text cell: any checked number would
        also need its quote, and so the seeds, changed, which every notebook reads)."""
        p = self.dir / "data" / f"{table}.csv"
        text = p.read_text("utf-8")
        assert text.count(old) == 1, old
        p.write_text(text.replace(old, new), "utf-8")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def execute_sequentially(copy: Copy):
    """The floor: every notebook executed one after another with nbclient."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["XIAOMI_EV_ROOT"] = str(copy.dir)
    for path in copy.notebooks():
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()


def chapter_draw_times(html_dir: Path, runs: int) -> dict[str, list[float]]:
    """Seconds from navigation start until every figure of a chapter has drawn."""
    from booktools.browser import chromium, served, wait_for_figures

    out = {}
    with served(html_dir) as base, chromium() as b:
        for name in CHAPTERS:
            out[name] = []
            for _ in range(runs):
                page = b.new_page()
                page.goto(base + f"{name}.html", wait_until="domcontentloaded")
                wait_for_figures(page)
                out[name].append(page.evaluate("performance.now()") / 1000)
                page.close()
    return out


FIRST_CHART = """() => [...document.querySelectorAll('.xev-chart svg')]
    .some(s => { const r = s.getBoundingClientRect(); return r.width > 0 && r.height > 0; })"""


def _collect(store: list):
    return lambda item: store.append(item)


def figure_loads(html_dir: Path, runs: int) -> dict[str, dict]:
    """Per chapter, in Chromium at a phone's 390 px: seconds from navigation
    start until the first chart is on the page (median of ``runs``), and the
    bytes fetched to show the page (until the network is idle, no scrolling)
    and after scrolling through every figure (every interactive view drawn)."""
    from booktools.browser import chromium, served

    out = {}
    with served(html_dir) as base, chromium() as b:
        for name in [c for c in CHAPTERS if (html_dir / f"{c}.html").exists()]:
            first, weight, scrolled = [], [], []
            for _ in range(runs):
                page = b.new_page(viewport={"width": 390, "height": 844})
                fetched = []
                page.on("requestfinished", _collect(fetched))
                page.goto(base + f"{name}.html", wait_until="commit")
                page.wait_for_function(FIRST_CHART, polling="raf", timeout=20000)
                first.append(page.evaluate("performance.now()") / 1000)
                page.wait_for_load_state("networkidle")
                weight.append(sum(r.sizes()["responseBodySize"] for r in list(fetched)))
                for i in range(page.locator(".xev-figure").count()):
                    page.locator(".xev-figure").nth(i).scroll_into_view_if_needed()
                    page.wait_for_timeout(50)
                page.wait_for_load_state("networkidle")
                scrolled.append(sum(r.sizes()["responseBodySize"] for r in list(fetched)))
                page.close()
            out[name] = {"first": first, "weight": statistics.median(weight), "scrolled": statistics.median(scrolled)}
    return out


def print_figure_loads(loads: dict[str, dict]) -> None:
    print("\nfirst chart on screen and page weight, Chromium at 390 px (median of runs):")
    print(f"  {'chapter':<20} {'first chart':>11} {'loaded':>10} {'all figures seen':>17}")
    for name, m in loads.items():
        print(f"  {name:<20} {statistics.median(m['first']):9.2f} s {m['weight'] / 1024:7.0f} KB "
              f"{m['scrolled'] / 1024:14.0f} KB")


# ---------------------------------------------------------------- the web: real clients (issue 19)

WEB_PAGES = ("index", "trust-crisis", "evidence")   # the summary, a chapter, the evidence appendix
WEB_TARGETS = {"performance": {"index": 90, "trust-crisis": 90, "evidence": 80},
               "accessibility": 100, "best-practices": 100, "seo": 100}
PHONE_BUDGET = 400 * 1024


def lighthouse(url: str) -> dict:
    """Lighthouse (npm, pinned in tests/browser) on Debian's Chromium, its default
    mobile preset (simulated slow 4G, 4x CPU slowdown): the four category scores."""
    from booktools.browser import CHROMIUM, LIGHTHOUSE

    r = sh("node", LIGHTHOUSE, url, "--output=json", "--output-path=stdout", "--quiet", "--max-wait-for-load=90000",
           "--only-categories=performance,accessibility,best-practices,seo",
           "--chrome-flags=--headless=new --no-sandbox --disable-gpu", env={"CHROME_PATH": CHROMIUM}, check=False)
    if r.returncode or not r.stdout.startswith("{"):
        return {"error": (r.stderr.strip().splitlines() or ["no report"])[-1][:160]}
    report = json.loads(r.stdout)
    scores = {k: round(100 * c["score"]) for k, c in report["categories"].items()}
    audits = report["audits"]
    scores["failed"] = sorted(k for cat in ("accessibility", "best-practices", "seo")
                              for ref in report["categories"][cat]["auditRefs"]
                              if ref["weight"] and (audits[ref["id"]].get("score") or 0) < 1
                              for k in [ref["id"]])
    scores["lcp"] = audits["largest-contentful-paint"]["numericValue"] / 1000
    scores["tbt"] = audits["total-blocking-time"]["numericValue"]
    return scores


def phone_bytes(browser, base: str, name: str) -> tuple[int, int]:
    """Bytes transferred (compressed, headers included) by a phone (390 x 844)
    that opens the page and does not scroll: everything it fetches before a
    figure below the screen comes into view. Also how many requests."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    done = []
    page.on("requestfinished", _collect(done))
    page.goto(base + f"{name}.html", wait_until="networkidle")
    page.wait_for_timeout(300)
    total = 0
    for r in list(done):
        sizes = r.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    page.close()
    return total, len(done)


def web(html_dir: Path) -> dict:
    """Lighthouse on WEB_PAGES, phone bytes on every page, Nu errors over every page;
    the site served with gzip, as a static host serves it."""
    from booktools.browser import chromium, nu_errors, served

    names = [p.stem for p in sorted(html_dir.glob("*.html"))]
    out = {"lighthouse": {}, "bytes": {}}
    with served(html_dir, gzip=True) as base:
        for name in WEB_PAGES:
            out["lighthouse"][name] = lighthouse(base + f"{name}.html")
        with chromium() as b:
            for name in names:
                out["bytes"][name] = phone_bytes(b, base, name)
    out["nu"] = nu_errors(sorted(html_dir.glob("*.html")))
    return out


def print_web(m: dict) -> None:
    print("\nLighthouse, mobile preset, served with gzip (targets: performance >= 90, evidence >= 80; others 100):")
    print(f"  {'page':<16} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5} {'LCP':>7} {'TBT':>7}  below 100")
    for name, s in m["lighthouse"].items():
        if "error" in s:
            print(f"  {name:<16} Lighthouse failed: {s['error']}")
            continue
        print(f"  {name:<16} {s['performance']:>5} {s['accessibility']:>5} {s['best-practices']:>5} {s['seo']:>5} "
              f"{s['lcp']:6.2f}s {s['tbt']:5.0f}ms  {', '.join(s['failed']) or '-'}")
    print(f"\nphone (390 x 844), bytes transferred before scrolling (target <= {PHONE_BUDGET // 1024} KB):")
    for name, (size, n) in m["bytes"].items():
        verdict_ = "met" if size <= PHONE_BUDGET else f"MISSED by {size / PHONE_BUDGET:.2f}x"
        print(f"  {name + '.html':<24} {size / 1024:7.0f} KB in {n:>3} requests  {verdict_}")
    print(f"\nW3C Nu HTML checker over every page: {len(m['nu'])} errors")
    for line in m["nu"][:20]:
        print("  " + line)


ROWS = []


def row(what, values=None, ratio=None, target=None, note=""):
    ROWS.append((what, values, ratio, target, note))


def fmt_s(values):
    if values is None:
        return ("", "", "")
    return tuple(f"{v:.2f} s" for v in (statistics.median(values), min(values), max(values)))


def verdict(ratio, target):
    if ratio is None or target is None:
        return ""
    return "met" if ratio <= target else f"MISSED by {ratio / target:.2f}x"


def measure_the_rest(copy: Copy, runs: int, floor: list[float]):
    """nbval, helpers' load times, and the built book in Chromium and real web clients."""
    nbval = timed(lambda: sh(PY, "-m", "pytest", "-q", *nbval_args(copy.dir), *copy.notebooks(),
                             env=copy.env, cwd=copy.dir),
                  runs)
    row("nbval over every notebook", nbval, statistics.median(nbval) / statistics.median(floor), None,
        "ratio to the floor")

    load = "import helpers\nfor t in helpers.list_tables(): helpers.load_table(t)\nassert helpers.verify() == []"
    helpers_t = timed(lambda: sh(PY, "-c", load, cwd=ROOT), max(runs, 5))
    pandas_t = timed(lambda: sh(PY, "-c", "import pandas", cwd=ROOT), max(runs, 5))
    row("bare `import pandas` (new process)", pandas_t)
    row("import helpers + load every table + verify() (new process)", helpers_t,
        statistics.median(helpers_t) / statistics.median(pandas_t), 1.5, "ratio to bare pandas")

    # the wall-clock target that used to be an assertion in the tests: seconds, after the imports
    inproc = ("import time, helpers\nstart = time.perf_counter()\n"
              "for t in helpers.list_tables(): helpers.load_table(t)\n"
              "helpers.verify()\nprint(time.perf_counter() - start)")
    load_t = [float(sh(PY, "-c", inproc, cwd=ROOT).stdout) for _ in range(max(runs, 5))]
    row("load every table + verify(), in process after import", load_t, statistics.median(load_t), 1.0,
        "seconds")

    html = copy.dir / "book" / "_build" / "html"
    draws = chapter_draw_times(html, runs)
    for name in CHAPTERS:
        row(f"figures drawn in Chromium: {name}", draws[name])
    loads = figure_loads(html, runs)
    for name in CHAPTERS:
        row(f"first chart on screen, 390 px: {name}", loads[name]["first"])
    webm = web(html)
    return loads, webm


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--figures-only", metavar="HTML_DIR", type=Path,
                    help="only measure first-chart time and page weight of an already built book")
    ap.add_argument("--web-only", metavar="HTML_DIR", type=Path,
                    help="only run Lighthouse, the phone's bytes and the Nu checker on an already built book")
    ap.add_argument("--build-only", action="store_true",
                    help="only the maintainer's loop: cold build, no-change rebuild, one-value edit")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    runs = max(3, args.runs)
    if args.figures_only:
        print_figure_loads(figure_loads(args.figures_only, runs))
        return
    if args.web_only:
        print_web(web(args.web_only))
        return
    loads, webm = {}, {}
    copy = Copy()
    try:
        print(f"bench: {runs} runs each, in {copy.dir}", file=sys.stderr)
        floor = None if args.build_only else timed(lambda: execute_sequentially(copy), runs)
        if floor:
            row("floor: execute every notebook one after another (nbclient)", floor)

        def cold():
            copy.make_cold()
            copy.build()
        cold_t = timed(cold, runs)
        cold_ratio = statistics.median(cold_t) / statistics.median(floor) if floor else None
        row("cold full build (clean tree, venv present)", cold_t, cold_ratio, 1.0 if floor else None,
            ("ratio to the floor; " if floor else "") + cpu_note(cold_t))

        nochange = timed(copy.build, runs)
        row("no-change rebuild", nochange, statistics.median(nochange) / statistics.median(cold_t), 0.15,
            "ratio to the cold build; " + cpu_note(nochange, cold_t))

        # who Canada's surtax applies to (tariffs.csv): a table only some notebooks load
        loaders = {nb.name for nb in copy.notebooks()
                   if "tariffs" in json.loads(nb.read_text())["metadata"]["xev"]["tables"]}
        pairs = [("Chinese-made EVs", "Chinese-made electric cars"), ("Chinese-made electric cars", "Chinese-made EVs")]
        logs = []

        def edit_and_build():
            copy.change_one_value(*pairs[len(logs) % 2])
            logs.append(copy.build())
        one = timed(edit_and_build, runs)
        reran = [set(re.findall(r"^\s+(\S+\.ipynb): [\d.]+ s", log, re.M)) for log in logs]
        only = all(r == loaders for r in reran)
        row("rebuild after changing one value in tariffs.csv", one, statistics.median(one) / statistics.median(cold_t),
            0.5, f"ratio to the cold build; {cpu_note(one, cold_t)}; re-ran {len(reran[0])} of "
            f"{len(copy.notebooks())}: {', '.join(sorted(reran[0]))}; exactly the notebooks that load it: {only}")
        if not args.build_only:
            loads, webm = measure_the_rest(copy, runs, floor)
    finally:
        sizes = {}
        html = copy.dir / "book" / "_build" / "html"
        if html.exists():
            sizes = {p.name: p.stat().st_size for p in sorted(html.glob("*.html"))}
            js = sum(p.stat().st_size for p in (html / "_static").rglob("*.js"))
            vega = (html / "_static" / "vega" / "vega-bundle.js").stat().st_size
        copy.cleanup()

    width = max(len(r[0]) for r in ROWS) + 2
    print(f"{'measure':<{width}} {'median':>9} {'min':>9} {'max':>9}  {'ratio':>6}  {'target':>7}  result / note")
    for what, values, ratio, target, note in ROWS:
        med, lo, hi = fmt_s(values)
        r = f"{ratio:.2f}" if ratio is not None else ""
        t = f"<= {target:g}" if target is not None else ""
        print(f"{what:<{width}} {med:>9} {lo:>9} {hi:>9}  {r:>6}  {t:>7}  {verdict(ratio, target)} {note}".rstrip())
    if sizes:
        print(f"\nshared JavaScript: {js / 1024:.0f} KB in _static (Vega bundle {vega / 1024:.0f} KB)")
        for name, size in sizes.items():
            chapter = name[:-5] in CHAPTERS
            mark = ("met" if size <= 150 * 1024 else f"MISSED by {size / (150 * 1024):.2f}x") if chapter else ""
            print(f"  {name:<24} {size / 1024:7.1f} KB  {'(chapter, target <= 150 KB) ' + mark if chapter else ''}")
    if loads:
        print_figure_loads(loads)
    if webm:
        print_web(webm)


if __name__ == "__main__":
    main()
