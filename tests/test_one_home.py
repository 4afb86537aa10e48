"""Each fact of the codebase has one home: book/_toc.yml is the only list of
chapters (a test may still name one or two pages it exercises), and nothing
edits sys.path (the tooling is the installed package booktools, mapped in
pyproject.toml)."""
import ast
import json
import re
from pathlib import Path

from conftest import CHAPTERS, ROOT

SOURCES = sorted(p for p in [*ROOT.glob("*.py"), *ROOT.glob("[!.]*/**/*.py"), *ROOT.glob("book/*.ipynb")]
                 if not {".venv", "node_modules", "_build", "seeds"} & set(p.relative_to(ROOT).parts))
# some pages share their name with a table (data/recalls.csv): those names alone prove nothing
TABLES = {p.stem for p in (ROOT / "data").glob("*.csv")}
SYS_PATH_EDIT = re.compile(r"\bsys\.path\s*(\.\s*(insert|append|extend)\b|\+?=|\[)")


def python_of(path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text("utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return path.read_text("utf-8")


def chapter_name(value) -> str | None:
    if isinstance(value, str):
        stem = re.sub(r"\.(ipynb|html|pdf|md)$", "", value)
        return stem if stem in CHAPTERS else None
    return None


def test_sources_were_found():
    names = {p.name for p in SOURCES}
    assert {"conftest.py", "build.py", "run.py", "__init__.py"} <= names and len(SOURCES) > 20


def test_no_sys_path_edits():
    found = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES if p.name != Path(__file__).name
             for n, line in enumerate(python_of(p).splitlines(), 1)
             if SYS_PATH_EDIT.search(line.split("#")[0])]
    assert not found, f"sys.path edited (import the installed package instead): {found}"


def test_no_list_of_chapters_outside_the_toc():
    found = []
    for path in SOURCES:
        try:
            tree = ast.parse(python_of(path))
        except SyntaxError:  # notebook cells with magics: ruff reports real syntax errors
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
                items = node.keys if isinstance(node, ast.Dict) else node.elts
                names = {chapter_name(getattr(i, "value", None)) for i in items} - {None}
                if not names - TABLES:
                    continue
                if len(names) >= 2:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {sorted(names)}")
    for n, line in enumerate((ROOT / "Makefile").read_text("utf-8").splitlines(), 1):
        names = {name for name in CHAPTERS if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", line)}
        if len(names) >= 2:
            found.append(f"Makefile:{n}: {sorted(names)}")
    assert not found, f"chapters listed outside book/_toc.yml (read booktools.project.chapters): {found}"


def test_the_checks_can_fail():
    assert SYS_PATH_EDIT.search("sys.path.insert(0, str(ROOT))") and SYS_PATH_EDIT.search("sys.path += [x]")
    assert not SYS_PATH_EDIT.search("print(sys.path)")
    listed = ast.parse(repr(CHAPTERS[:2])).body[0].value
    assert len({chapter_name(e.value) for e in listed.elts} - {None}) == 2
