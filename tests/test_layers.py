"""The layout shows the layers: helpers.data (read and verify) never imports
helpers.pages (pages, evidence, charts, citation) or the tooling, and
`import helpers` loads the data layer only: pandas, no Altair, no HTML."""
import ast
import subprocess
import sys

import pytest

from conftest import ROOT

DATA = sorted((ROOT / "helpers" / "data").glob("*.py"))


def imports(path) -> set[str]:
    """Every module a file imports, relative imports resolved against its package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            mod = ".".join(p for p in (base, node.module or "") if p)
            out |= {mod} | {f"{mod}.{a.name}" for a in node.names}
    return out


def test_the_rule_can_fail(tmp_path):
    assert "helpers.pages.evidence" in imports(ROOT / "helpers" / "pages" / "factcheck.py")


@pytest.mark.parametrize("path", DATA, ids=lambda p: p.name)
def test_the_data_layer_imports_no_page_or_tooling_module(path):
    bad = {m for m in imports(path) if m.startswith(("helpers.pages", "booktools", "altair", "IPython"))}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_import_helpers_loads_the_data_layer_only():
    watched = ("helpers", "altair", "IPython", "booktools")
    code = ("import sys, helpers; helpers.load_table('recalls'); "
            f"print(' '.join(sorted(m for m in sys.modules if m.startswith({watched!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = out.stdout.split()
    assert "helpers.data.loading" in loaded
    assert not [m for m in loaded if not m.startswith("helpers") or m.startswith("helpers.pages")], loaded
