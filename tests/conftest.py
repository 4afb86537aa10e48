import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "book" / "_scripts" / "build.py"
PAGES = ["index", "trust-crisis", "ecosystem", "recalls", "global-expansion", "fact-check", "sources-and-data"]
CHAPTERS = ["trust-crisis", "ecosystem", "recalls", "global-expansion"]
REPORT: list[str] = []   # per-page lines the browser tests print at the end of the run


def run(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})})


@pytest.fixture
def project_copy(tmp_path):
    """A throw-away copy of data/ and seeds/ that a test may corrupt."""
    for folder in ("data", "seeds"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture(scope="session")
def built():
    """Build the HTML once from the stored outputs, warnings as errors."""
    out = run(BUILD, "--check")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "WARNING" not in out.stdout + out.stderr, out.stdout + out.stderr  # Sphinx warnings
    return ROOT / "book" / "_build" / "html"


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("pages in a real browser")
        for line in REPORT:
            terminalreporter.write_line(line)
