"""Where the project's data and seeds live."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError

#: Set this to point the package at another copy of the project (tests do).
ROOT_ENV = "XIAOMI_EV_ROOT"

DESCRIPTOR = "data/datapackage.json"
# The research notes on external reporting, oldest first: an external
# source's quote must be found in one of them.
NOTES = ("seeds/research/external-facts.md",
         "seeds/research/2026-business.md",
         "seeds/research/2026-trust-global.md")


def project_root(root: str | os.PathLike | None = None) -> Path:
    """The folder holding data/ and seeds/: ``root``, else $XIAOMI_EV_ROOT,
    else the checkout this package sits in."""
    if root is None:
        root = os.environ.get(ROOT_ENV) or Path(__file__).resolve().parent.parent
    root = Path(root)
    if not (root / "data").is_dir():
        raise DataError(str(root), "no data/ folder here: is this the project root?")
    return root
