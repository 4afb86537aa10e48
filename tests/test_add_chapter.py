"""Adding a chapter touches its notebook and book/_toc.yml, nothing else.

In a copy of the project, a throw-away chapter is written and listed in the
toc; then the copy's own build, browser tests and PDF tests must pick it up
with no other file changed."""
import shutil

import nbformat
import pytest
import yaml

from booktools.project import BUILD_INPUTS, CHAPTERS_CAPTION, chapters, copy_project, pages
from conftest import ROOT, run

NAME = "throwaway-chapter"
TITLE = "A throw-away chapter"
PARAGRAPH = ("This page exists only inside a temporary copy of the project. It proves that a new "
             "chapter needs its notebook and one line in the table of contents, and nothing else: "
             "the build executes it, the browser tests open it and the printed book includes it. ")


def add_chapter(root):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {TITLE}\n\n" + "\n\n".join([PARAGRAPH * 2] * 6)),
                nbformat.v4.new_code_cell('print("executed by the build of the copy")')]
    nbformat.write(nb, root / "book" / f"{NAME}.ipynb")
    toc_file = root / "book" / "_toc.yml"
    toc = yaml.safe_load(toc_file.read_text("utf-8"))
    part = next(p for p in toc["parts"] if p.get("caption") == CHAPTERS_CAPTION)
    part["chapters"].append({"file": NAME})
    toc_file.write_text(yaml.safe_dump(toc, sort_keys=False), "utf-8")


@pytest.mark.slow
def test_new_chapter_is_built_browser_tested_and_printed(tmp_path, chromium_path):
    root = copy_project(tmp_path, (*BUILD_INPUTS, "pyproject.toml"))
    # the copy's own tests, reading the checkout's npm packages (axe-core) where they are
    shutil.copytree(ROOT / "tests", root / "tests", ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    (root / "tests" / "browser" / "node_modules").symlink_to(ROOT / "tests" / "browser" / "node_modules")
    add_chapter(root)
    assert NAME in chapters(root) and NAME in pages(root)
    env = {"XIAOMI_EV_ROOT": str(root)}

    # built: the copy's build executes the new notebook (and whatever else is stale) and renders it
    out = run(root / "book" / "booktools" / "build.py", env=env, cwd=root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    # no Sphinx warning, as the `built` fixture asks (a kernel that executed a notebook warns of its own)
    warnings = [line for line in (out.stdout + out.stderr).splitlines()
                if "WARNING" in line and not line.startswith("[IPKernelApp] WARNING | Kernel is running over TCP")]
    assert not warnings, out.stdout + out.stderr
    assert f"{NAME}.ipynb: " in out.stdout, out.stdout
    html = (root / "book" / "_build" / "html" / f"{NAME}.html").read_text("utf-8")
    assert TITLE in html and "executed by the build of the copy" in html

    # browser-tested and printed: the copy's own tests, selected for the new page. Their `built`
    # fixture takes the build above as its own (XEV_BUILT: the same strict build, just done).
    env["XEV_BUILT"] = str(root)
    select = (f"test_page_in_browser and {NAME} or test_pdf_first_page_is_not_blank and {NAME} "
              "or test_whole_book_holds_every_page")
    out = run("-m", "pytest", "-v", "-p", "no:cacheprovider", "tests/test_browser.py", "tests/test_pdf.py",
              "-k", select, env=env, cwd=root)
    report = out.stdout + out.stderr
    assert out.returncode == 0, report[-4000:]
    for test in (f"test_page_in_browser[{NAME}] PASSED", f"test_pdf_first_page_is_not_blank[{NAME}] PASSED",
                 "test_whole_book_holds_every_page_in_toc_order PASSED"):
        assert test in report, report[-4000:]
    assert (root / "book" / "_build" / "pdf" / f"{NAME}.pdf").stat().st_size > 1000
