"""No function in the helpers package or the book's tooling (build scripts and
Sphinx extensions) has a cyclomatic complexity above 15 (radon), so each stays
small enough to read and test on its own."""
from pathlib import Path

import pytest
from radon.complexity import add_inner_blocks, cc_visit
from radon.visitors import Function

from conftest import ROOT

LIMIT = 15
FILES = sorted(p for folder in ("helpers", "book/booktools") for p in (ROOT / folder).rglob("*.py"))


def too_complex(source: str) -> list[tuple[str, int]]:
    return [(b.fullname, b.complexity) for b in add_inner_blocks(cc_visit(source))
            if isinstance(b, Function) and b.complexity > LIMIT]


def test_the_rule_can_fail():
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(LIMIT + 1))
    assert too_complex(f"def f(x):\n{branches}\n    return -1\n") == [("f", LIMIT + 2)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_above_the_limit(path: Path):
    assert too_complex(path.read_text("utf-8")) == [], f"{path.relative_to(ROOT)}: split these functions"
