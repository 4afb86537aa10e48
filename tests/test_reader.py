"""The reader's copy of each page and the chapter bundles (issue 20).

- Every reader's copy has no MyST left in its markdown (no ``{glue``, no
  directive fence, no ``(label)=`` line, option or span), keeps the page's
  code cells and outputs as they are, and says which edition's text it is.
  Its values link to the public evidence entries when CITATION.cff names the
  book's address, and to nothing (never a local path) when it does not.
- The built book offers them (book/_build/html/<page>.ipynb and .zip), as the
  build made them from the current notebooks.
- A bundle's data verifies on its own, and holds exactly the tables the
  notebook reads (with those they reach) and the sources they cite.
- Slow: each reader's copy, alone in an empty folder, in a JupyterLab started
  without the project's settings, in Chromium: no raw MyST, every chart drawn,
  no request to another host. And a bundle, unpacked outside the project into
  a fresh venv, runs end to end with nbclient and gives the book's values; an
  edited table then stops the run with the file, line and column.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from booktools import bundle, myst, reader
from booktools.project import chapters, pages
from conftest import ROOT, jupyterlab, missing_or_skip

BOOK = ROOT / "book"
BUNDLED = [pages(ROOT)[0], *chapters(ROOT)]
# What plain Markdown cannot show: glue, roles, directive fences, targets, options, spans.
MYST_LEFT = re.compile(r"\{glue|^ {0,3}(?:`{3,}|:{3,})\{|^\([\w-]+\)=\s*$|^:[\w-]+:|\]\{\.[\w-]+\}"
                       r"|\{(?:numref|ref|doc|download)\}`", re.M)
FIGURE_MIME = "application/vnd.xev.figure+json"


def _notebook(name: str) -> dict:
    return json.loads((BOOK / f"{name}.ipynb").read_text("utf-8"))


@pytest.fixture(scope="module")
def book():
    return myst.Book(BOOK)


def _copy(book, name: str, root: Path = ROOT) -> dict:
    return reader.readers_copy(_notebook(name), book, name, root, name in BUNDLED)


def _markdown(nb: dict) -> str:
    return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _figures(nb: dict) -> list[str]:
    return [o["data"][FIGURE_MIME]["name"] for c in nb["cells"] for o in c.get("outputs", [])
            if FIGURE_MIME in o.get("data", {})]


@pytest.mark.parametrize("name", pages(ROOT))
def test_readers_copy_shows_no_myst_and_keeps_the_code(book, name):
    from helpers.pages import cite

    nb, copy = _notebook(name), _copy(book, name)
    prose = _markdown(copy)
    left = sorted({m.group(0) for m in MYST_LEFT.finditer(prose)})
    assert not left, f"{name}: MyST left in the reader's copy: {left}"
    assert "not computed yet" not in prose, f"{name}: a glued name has no stored value"
    assert str(ROOT) not in json.dumps(copy), f"{name}: the copy names a path of this machine"
    def outputs(cell):    # every output as stored, except the book's HTML, which reads as the prose does,
        # and figures, kept as glue records (shown in the prose at their captions)
        return [{**o, "data": {k.removeprefix(myst.GLUE_PREFIX): v for k, v in o.get("data", {}).items()
                               if k.removeprefix(myst.GLUE_PREFIX) != "text/html"}}
                for o in cell.get("outputs", [])]

    code = [c for c in copy["cells"][2:] if c["cell_type"] == "code"]
    book_code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [(c["source"], outputs(c)) for c in code] == [("".join(c["source"]), outputs(c)) for c in book_code]
    html_out = json.dumps([o["data"]["text/html"] for c in code for o in c.get("outputs", [])
                           if "text/html" in o.get("data", {})])
    assert 'role=\\"tooltip\\"' not in html_out and ".html#" not in html_out, \
        f"{name}: a preview or a link into the book left in the copy's HTML outputs"
    assert prose.count('<img class="xev-static"') == len(_figures(nb)), f"{name}: a figure is not in the prose"
    local = sorted({h for a, b in re.findall(r'\]\(([^)\s]+)\)|href="([^"]+)"', prose) for h in [a or b]
                    if not h.startswith(("#", "https://"))})
    assert not local, f"{name}: links to files that do not travel with the notebook: {local}"
    first = copy["cells"][0]
    assert first["cell_type"] == "markdown" and f"edition {cite.book(ROOT).version}" in first["source"]
    assert "refreshes the outputs of the code cells only" in first["source"]
    assert (f"{name}.zip" in first["source"]) == (name in BUNDLED)


@pytest.mark.parametrize("name", pages(ROOT))
def test_cells_the_book_removes_show_only_their_figures(name):
    """A cell the book removes shows, in a reader's copy (which keeps every output), only
    the figure it draws: any other output a front end displays (a stray return value,
    a print) would be text the published page does not have."""
    shown = [(i, kind) for i, c in enumerate(_notebook(name)["cells"])
             if c["cell_type"] == "code" and "remove-cell" in c.get("metadata", {}).get("tags", [])
             and not any(FIGURE_MIME in o.get("data", {}) for o in c.get("outputs", []))
             for o in c.get("outputs", [])
             for kind in ([o["output_type"]] if o["output_type"] == "stream" else
                          [k for k in o.get("data", {}) if not k.startswith("application/papermill")])]
    assert not shown, f"{name}: cells the book removes display {shown}"


def test_values_link_to_the_public_evidence_only_when_the_address_is_set(book, tmp_path):
    """With CITATION.cff's url, a value links to its versioned evidence entry; without, to nothing."""
    from helpers.pages import cite

    name = chapters(ROOT)[0]
    assert cite.address("", ROOT) is None, "this test expects the repository's CITATION.cff to have no url"
    unset = _markdown(_copy(book, name))
    assert "evidence.html" not in unset and "<a " not in unset.replace('<a class="xev-ev xev-src" href="#', "")
    (tmp_path / "data").mkdir()
    (tmp_path / "CITATION.cff").write_text((ROOT / "CITATION.cff").read_text("utf-8")
                                           + 'url: "https://example.org/xev/"\n', "utf-8")
    public = _markdown(_copy(book, name, tmp_path))
    version = cite.book(ROOT).version
    links = re.findall(r'href="(https://example\.org/[^"]+)"', public)
    assert links and all(u.startswith(f"https://example.org/xev/{version}/") for u in links), links[:5]
    assert f"https://example.org/xev/{version}/evidence.html#ev-" in public


@pytest.mark.parametrize("name", BUNDLED)
def test_bundle_data_is_what_the_notebook_reads_and_verifies(name, tmp_path):
    """The bundle's data/ and seeds/ alone verify (helpers.verify), with the notebook's tables
    and only the sources they cite."""
    import helpers
    from booktools.build import tables_loaded

    files = bundle.data_files(_notebook(name), ROOT)
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    listed = {r["name"] for r in json.loads(files["data/datapackage.json"])["resources"]}
    assert set(tables_loaded(_notebook(name))) <= listed
    assert {f"data/{t}.csv" for t in listed} == {p for p in files if p.endswith(".csv")}
    problems = helpers.verify(root=tmp_path)
    assert problems == [], f"{name}: the bundle's data does not verify: {problems[:3]}"
    cited = set()
    for t in listed - {"sources"}:
        cited |= set(helpers.load_table(t, root=tmp_path)["source_id"])
    assert set(helpers.load_table("sources", root=tmp_path)["source_id"]) == cited


def test_requirements_are_pinned_to_the_lock():
    lock = (ROOT / "requirements.lock").read_text("utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9][\w.-]*)==(\S+?) ", lock, re.M))
    wanted = bundle.requirements(lock).splitlines()
    assert {"jupyterlab", "pandas", "altair", "vl-convert-python", "myst-nb", "ipykernel"} <= \
        {line.split("==")[0] for line in wanted}
    assert all(pins.get(n) == v for n, v in (line.split("==") for line in wanted)), wanted
    assert not any(line.split("==")[0] in ("pytest", "ruff", "playwright", "jupyter-book") for line in wanted)


# ---------------------------------------------------------------- the built book

@pytest.mark.slow
def test_the_built_book_offers_each_copy_and_bundle(built, book):
    for name in pages(ROOT):
        assert (built / f"{name}.ipynb").read_text("utf-8") == reader.dumps(_copy(book, name)), \
            f"{name}: the download is not the reader's copy of the current notebook"
        page = (built / f"{name}.html").read_text("utf-8")
        assert f'href="{name}.ipynb"' in page
        assert (f'href="{name}.zip"' in page) == (name in BUNDLED) == (built / f"{name}.zip").exists()
        if name in BUNDLED:
            with zipfile.ZipFile(built / f"{name}.zip") as z:
                assert z.read(f"{name}/{name}.ipynb") == (built / f"{name}.ipynb").read_bytes()
                readme = z.read(f"{name}/README.txt").decode()
                assert len(readme.splitlines()) == 3 and "requirements.txt" in readme
                assert {f"{name}/requirements.txt", f"{name}/helpers/__init__.py",
                        f"{name}/data/datapackage.json", f"{name}/CITATION.cff"} <= set(z.namelist())


# ---------------------------------------------------------------- JupyterLab without the project's settings

@pytest.fixture(scope="module")
def plain_lab(built, browser, tmp_path_factory):
    """One JupyterLab on an empty folder holding the five reader's copies, with fresh
    config, data and runtime folders and no JUPYTER_CONFIG_PATH: nothing of the project's."""
    home = tmp_path_factory.mktemp("plain-lab")
    folder = home / "notebooks"
    folder.mkdir()
    for name in BUNDLED:
        shutil.copy(built / f"{name}.ipynb", folder)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("JUPYTER") and k not in ("XIAOMI_EV_ROOT", "IPYTHONDIR", "PYTHONPATH")}
    env |= {"JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
            "HOME": str(home)}
    with jupyterlab(home, env, folder, f"--ServerApp.root_dir={folder}") as (base, token):
        yield {"base": base, "token": token, "folder": folder}


# How many charts show: each <img> or <svg> over 50x50 px that has loaded or has marks.
# Each is scrolled into view first: JupyterLab may skip drawing cells out of view.
DRAWN = """async (sel) => { let n = 0;
  for (const e of document.querySelectorAll(sel)) {
    e.scrollIntoView();
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const r = e.getBoundingClientRect();
    const marks = e.tagName.toLowerCase() === 'svg' ? e.querySelectorAll('path, rect, line, text').length
      : (e.complete && e.naturalWidth > 0 ? 1 : 0);
    n += r.width > 50 && r.height > 50 && marks > 0 ? 1 : 0; }
  return n; }"""
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


def open_in_lab(browser, lab, name: str, width: int = 1280):
    """A new Chromium page on ``name``.ipynb in ``lab``, once every cell is in the page;
    returns (context, page, requests to any host)."""
    if not (lab["folder"] / f"{name}.ipynb").exists():
        raise FileNotFoundError(name)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda w: requests.append(w.url))
    page.goto(f"{lab['base']}lab/workspaces/{name}/tree/{name}.ipynb?reset&token={lab['token']}")
    cells = len(json.loads((lab["folder"] / f"{name}.ipynb").read_text("utf-8"))["cells"])
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n",
                           arg=[PANEL + " .jp-Cell", cells], timeout=60_000)
    # and every markdown cell rendered: JupyterLab renders them after adding the cells, later
    # on a loaded machine (an unrendered one would pass for a cell with no raw MyST)
    prose = sum(1 for c in json.loads((lab["folder"] / f"{name}.ipynb").read_text("utf-8"))["cells"]
                if c["cell_type"] == "markdown" and "".join(c["source"]).strip())
    page.wait_for_function("([sel, n]) => [...document.querySelectorAll(sel)]"
                           ".filter(e => e.textContent.trim()).length >= n",
                           arg=[PANEL + " .jp-MarkdownCell .jp-RenderedMarkdown", prose], timeout=60_000)
    page.wait_for_timeout(300)
    return context, page, requests


@pytest.mark.slow
@pytest.mark.parametrize("name", BUNDLED)
def test_readers_copy_reads_in_a_plain_jupyterlab(plain_lab, browser, name):
    context, page, requests = open_in_lab(browser, plain_lab, name)
    try:
        prose = page.eval_on_selector_all(PANEL + " .jp-MarkdownCell .jp-RenderedMarkdown",
                                          "els => els.map(e => e.textContent).join('\\n')")
        raw = sorted({m.group(0) for m in MYST_LEFT.finditer(prose)} | set(re.findall(r"\{[a-z:]+\}`", prose)))
        assert prose.strip() and not raw, f"{name}: raw MyST shows in a plain JupyterLab: {raw}"
        figures = len(_figures(_notebook(name)))
        # in the prose, where its caption is (booktools.reader.figures_in_the_prose), not in a code cell
        drawn = page.evaluate(DRAWN, PANEL + " .jp-MarkdownCell .jp-RenderedMarkdown :is(img, svg)")
        in_code = page.evaluate(DRAWN, PANEL + " .jp-CodeCell .jp-OutputArea-output :is(img, svg)")
        assert figures >= 1 and drawn == figures and in_code == 0, \
            f"{name}: {drawn} charts drawn in the prose (and {in_code} in code cells) for {figures} figures"
        host = urlparse(plain_lab["base"]).netloc
        off_host = sorted({r for r in requests if urlparse(r).scheme not in ("data", "blob")
                           and urlparse(r).netloc != host})
        assert not off_host, f"{name}: requests to other hosts: {off_host}"
    finally:
        context.close()


# ---------------------------------------------------------------- a bundle in a fresh environment

# The wheels of the bundle's requirements, downloaded once from the package index and kept
# outside the project (pip's own cache stores nothing on a machine whose index responses
# forbid caching): later runs install the same pinned files without asking the index again.
WHEELHOUSE = Path(os.environ.get("XEV_WHEELHOUSE", Path.home() / ".cache" / "xiaomi-ev-briefing" / "wheels"))
# Run the bundle's notebook in its venv (argv: notebook, its folder, where to write the run); then,
# in the same kernel (sparing a second start), edit a table as argv[4:] says (file, old, new) and run
# the notebook again from the top: it must stop, and what it said is written next to the run.
RUN = """import sys, nbformat
from pathlib import Path
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
notebook, folder, out, table, old, new = sys.argv[1:7]
nb = nbformat.read(notebook, as_version=4)
client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}})
with client.setup_kernel():
    try:
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
    finally:
        nbformat.write(nb, out)
    path = Path(folder) / table
    original = path.read_bytes()
    path.write_bytes(original.replace(old.encode(), new.encode(), 1))
    again = nbformat.read(notebook, as_version=4)
    try:
        for i, cell in enumerate(again.cells):
            client.execute_cell(again.cells[i], i)
        said = "no error"
    except CellExecutionError as e:
        said = str(e)
    finally:
        path.write_bytes(original)
    Path(out + ".edited.txt").write_text(said)
"""


def _have_every_wheel(requirements: str) -> bool:
    def canon(s):
        return re.sub(r"[-_.]+", "_", s).lower()

    files = {canon(p.name.split("-")[0]) + "==" + p.name.split("-")[1] for p in WHEELHOUSE.glob("*.whl")}
    return all(canon(n) + "==" + v in files for n, v in (line.split("==") for line in requirements.splitlines()))


def _glued(nb: dict) -> tuple[dict[str, str], dict[str, bool]]:
    """Glued name -> text/plain, and figure name -> whether its output holds an SVG."""
    values, figures = {}, {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            name = (out.get("metadata") or {}).get("scrapbook", {}).get("name")
            if name:
                text = next(v for k, v in data.items() if k.endswith("text/plain"))
                values[name] = "".join(text) if isinstance(text, list) else text
            if FIGURE_MIME in data:
                svg = data.get("image/svg+xml", "")
                figures[data[FIGURE_MIME]["name"]] = "".join(svg).lstrip().startswith("<svg")
    return values, figures


@pytest.fixture(scope="module")
def fresh_bundle(built, tmp_path_factory):
    """recalls.zip (or the first chapter's) unpacked in an empty folder outside the project, its
    requirements installed in a fresh venv. Yields (folder, venv python, clean environment)."""
    name = "recalls" if "recalls" in BUNDLED else chapters(ROOT)[0]
    where = tmp_path_factory.mktemp("bundle")
    assert ROOT not in where.parents
    with zipfile.ZipFile(built / f"{name}.zip") as z:
        z.extractall(where)
    folder = where / name
    requirements = (folder / "requirements.txt").read_text()
    if not _have_every_wheel(requirements):
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        got = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(WHEELHOUSE),
                              "-r", str(folder / "requirements.txt")], capture_output=True, text=True, timeout=1500)
        if got.returncode != 0:
            missing_or_skip("the bundle test", f"cannot download its requirements: {got.stderr[-500:]}")
    venv = where / "venv"   # a fresh venv; this pip installs into it (pip --python), which spares ensurepip
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(where), "LANG": "C.UTF-8"}
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                          "--no-compile", "--disable-pip-version-check", "--no-index", "--find-links", str(WHEELHOUSE),
                          "-r", "requirements.txt"], cwd=folder, capture_output=True, text=True, timeout=1200,
                         env={**env, "PATH": os.environ["PATH"]})
    assert pip.returncode == 0, pip.stderr[-3000:]
    (where / "run.py").write_text(RUN)
    yield name, folder, venv / "bin" / "python", env


@pytest.fixture(scope="module")
def bundle_run(fresh_bundle, tmp_path_factory):
    """The bundle's notebook run once, then (same kernel) again with a units value of
    data/recalls.csv edited: (name, executed notebook, what the edited run said, edited line)."""
    name, folder, python, env = fresh_bundle
    lines = (folder / "data" / "recalls.csv").read_text("utf-8").splitlines()
    row = next(i for i, line in enumerate(lines, start=1) if ",116887," in line)
    out = tmp_path_factory.mktemp("run") / "out.ipynb"
    run = subprocess.run([str(python), str(folder.parent / "run.py"), f"{name}.ipynb", str(folder), str(out),
                          "data/recalls.csv", lines[row - 1], lines[row - 1].replace(",116887,", ",116888,", 1)],
                         cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"{name}: the bundle's notebook failed:\n{run.stderr[-3000:]}"
    return name, json.loads(out.read_text("utf-8")), Path(str(out) + ".edited.txt").read_text(), row


@pytest.mark.slow
def test_bundle_runs_alone_in_a_fresh_environment(bundle_run):
    name, executed, _, _ = bundle_run
    values, figures = _glued(executed)
    book_values, book_figures = _glued(_notebook(name))
    assert values == book_values, {k: (v, values.get(k)) for k, v in book_values.items() if values.get(k) != v}
    assert figures == book_figures and all(figures.values()), (figures, book_figures)


@pytest.mark.slow
def test_an_edited_table_in_the_bundle_stops_the_run_with_its_location(bundle_run):
    name, _, said, row = bundle_run
    assert said != "no error", f"{name}: the run went on with an edited table"
    assert re.search(rf"data/recalls\.csv:{row}:\d+", said), \
        f"{name}: no file:line:column for the edit:\n{said[-3000:]}"
