"""Re-run notebooks and compare every output with the stored one (nbval).

    python -m booktools.rerun                 # every notebook of book/
    python -m booktools.rerun book/x.ipynb    # only these
"""
from __future__ import annotations

import sys

import pytest

from booktools.project import ROOT, nbval_args


def main(argv: list[str]) -> int:
    notebooks = argv or [str(p) for p in sorted((ROOT / "book").glob("*.ipynb"))]
    return int(pytest.main([*nbval_args(), *notebooks]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
