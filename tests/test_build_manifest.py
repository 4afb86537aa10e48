"""A `make book` with nothing changed rebuilds nothing (booktools.build's HTML
manifest), and any change to an input or to the written output rebuilds."""
import os

import pytest

from booktools import build


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A small project tree with a written site, the build pointed at it."""
    root = tmp_path / "project"
    book = root / "book"
    for rel, text in {"CITATION.cff": "title: t\n", "requirements.lock": "x==1\n", "pyproject.toml": "",
                      "helpers/pages/cite.py": "A = 1\n",
                      "data/tariffs.csv": "fact_id,applies_to\nt1,Chinese-made EVs\n",
                      "book/index.ipynb": "{}", "book/_config.yml": "title: t\n", "book/_toc.yml": "root: index\n",
                      "book/booktools/ext/xev_fast.py": "", "book/_static/xev.css": "p{}",
                      "seeds/research/notes.md": "75,869\n",
                      "book/_static/figures/f.svg": "<svg/>", "book/_build/html/index.html": "<p>",
                      "book/_build/html/_static/xev.css": "p{}"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    monkeypatch.setattr(build, "ROOT", root)
    monkeypatch.setattr(build, "BOOK", book)
    monkeypatch.setattr(build, "BUILD", book / "_build")
    monkeypatch.setattr(build, "MANIFEST", book / "_build" / "html-manifest.json")
    build.record_html()
    assert build.html_current()
    return root


@pytest.mark.parametrize("rel", ["data/tariffs.csv", "book/index.ipynb", "book/_config.yml", "book/_toc.yml",
                                 "book/booktools/ext/xev_fast.py", "book/_static/xev.css", "helpers/pages/cite.py",
                                 "seeds/research/notes.md", "CITATION.cff", "requirements.lock"])
def test_one_changed_byte_in_an_input_rebuilds(project, rel):
    path = project / rel
    before = path.read_bytes()
    path.write_bytes(before + b" ")
    assert not build.html_current(), rel
    path.write_bytes(before)            # the digests are of contents: the same bytes are current again
    assert build.html_current(), rel


def test_a_new_input_file_rebuilds(project):
    (project / "data" / "recalls.csv").write_text("fact_id\n", "utf-8")
    assert not build.html_current()


def test_an_edited_added_or_removed_output_file_rebuilds(project):
    page = project / "book" / "_build" / "html" / "index.html"
    page.write_text("<p>edited by hand", "utf-8")
    assert not build.html_current()
    build.record_html()
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))    # same size, touched
    assert not build.html_current()
    build.record_html()
    (page.parent / "stray.html").write_text("", "utf-8")
    assert not build.html_current()
    build.record_html()
    (page.parent / "stray.html").unlink()
    assert not build.html_current()


def test_no_manifest_or_no_site_is_never_current(project):
    (project / "book" / "_build" / "html-manifest.json").unlink()
    assert not build.html_current()
    build.record_html()
    (project / "book" / "_build" / "html" / "index.html").unlink()
    assert not build.html_current()


def test_generated_files_are_outputs_not_inputs(project):
    """Figures and data downloads under _static are written by the build from
    the notebooks and data/ (inputs already), so their rewrite is no change."""
    (project / "book" / "_static" / "figures" / "f.svg").write_text("<svg></svg>", "utf-8")
    assert build.html_current()


def test_a_changed_extension_rewrites_every_page_a_changed_notebook_only_its_own(project):
    """Sphinx tracks documents, not extension code: a change to booktools (its Sphinx
    extensions) must make it write every page; a changed notebook alone need not."""
    assert not build.rewrite_every_page()
    (project / "book/index.ipynb").write_text('{"cells": []}', "utf-8")
    assert not build.rewrite_every_page()
    (project / "book/booktools/ext/xev_fast.py").write_text("# changed\n", "utf-8")
    assert build.rewrite_every_page()
    build.MANIFEST.unlink()
    assert build.rewrite_every_page()      # nothing recorded: write everything
