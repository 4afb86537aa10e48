"""Re-run notebooks and compare every output with the stored one (nbval).

    python -m booktools.rerun                 # every notebook of book/
    python -m booktools.rerun book/x.ipynb    # only these
    python -m booktools.rerun --jobs 2        # two notebooks at a time (pytest-xdist)
"""
from __future__ import annotations

import argparse
import sys

import pytest

from booktools.project import ROOT, nbval_args


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1, help="notebooks re-run at once (default 1)")
    ap.add_argument("notebooks", nargs="*", help="default: every notebook of book/")
    args = ap.parse_args(argv)
    notebooks = args.notebooks or [str(p) for p in sorted((ROOT / "book").glob("*.ipynb"))]
    # each notebook whole in one process: its cells share one kernel, in order
    parallel = ["-n", str(args.jobs), "--dist", "loadfile"] if args.jobs > 1 else []
    return int(pytest.main([*nbval_args(), *parallel, *notebooks]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
