"""Ruff finds nothing in the code or the notebooks (rules in pyproject.toml;
`make lint` runs the same check and prints the same findings)."""
import subprocess
import sys

from conftest import ROOT


def test_ruff_finds_nothing():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
