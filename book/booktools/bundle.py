"""A chapter bundle: one zip that runs a page's notebook anywhere.

``<page>.zip`` unpacks to a folder ``<page>/`` holding

- ``<page>.ipynb``, the reader's copy (booktools.reader);
- ``data/``: exactly the tables the notebook reads (those its last run
  reported, build.tables_loaded, and the tables their row references and
  foreign keys reach), a ``datapackage.json`` listing only them, and
  ``sources.csv`` with only the sources they cite;
- ``seeds/``: the seed documents those sources are, and the research notes
  that external quotes are checked against, so that every load is verified
  as in the book and an edited table fails with its file, line and column;
- ``helpers/``, the package, as source: next to the notebook, it is imported
  from the notebook's folder and finds ``data/`` beside itself
  (helpers.data.paths.project_root), with no setting to make;
- ``requirements.txt``: what the notebook needs to run in JupyterLab, with
  everything those packages need in turn, pinned to requirements.lock;
- ``CITATION.cff`` (the edition, which the notebook cites), the licences and
  a three-line ``README.txt``.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

# What the chapter imports, and why: helpers needs pandas, PyYAML (CITATION.cff)
# and, for its figures, Altair and vl-convert; the notebooks glue their values
# with myst-nb's glue; ipykernel and JupyterLab run them.
TOP_LEVEL = ("pandas", "pyyaml", "altair", "vl-convert-python", "myst-nb", "ipykernel", "jupyterlab")
NOTICES = ("CITATION.cff", "LICENSE", "LICENSE-text-and-data")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)
_STAMP = (1980, 1, 1, 0, 0, 0)   # every member's date: the same inputs give the same bytes


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(lock_text: str, top: tuple[str, ...] = TOP_LEVEL) -> str:
    """``top`` and every package they need (by the installed packages' metadata,
    which is the lock's), one ``name==version`` a line, versions from the lock."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement

    pins = {_canonical(n): (n, v) for n, v in _PIN.findall(lock_text)}
    todo, seen = [(_canonical(t), "") for t in top], set()
    while todo:   # (package, one of the extras it is asked for, "" for none)
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        if name not in pins:
            raise ValueError(f"requirements.lock has no pin for {name} (needed by the chapter bundles)")
        seen.add((name, extra))
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            raise ValueError(f"{name} is pinned in requirements.lock but not installed: run `make`") from None
        for spec in map(Requirement, needs):
            if spec.marker is None or spec.marker.evaluate({"extra": extra}):
                todo += [(_canonical(spec.name), e) for e in ("", *sorted(spec.extras))]
    names = {n for n, _ in seen}
    return "".join(f"{pins[n][0]}=={pins[n][1]}\n" for n in sorted(names))


def _tables(nb: dict, root: Path, descriptor: dict) -> list[str]:
    """The notebook's tables, with those their foreign keys and row references reach."""
    from helpers.data.provenance import ROW_REF

    from .build import tables_loaded

    resources = {r["name"]: r for r in descriptor["resources"]}
    todo, found = list(tables_loaded(nb, root)), set()
    while todo:
        name = todo.pop()
        if name in found or name not in resources:
            continue
        found.add(name)
        res = resources[name]
        todo += [fk["reference"]["resource"] for fk in res["schema"].get("foreignKeys", [])]
        todo += [m[0] for m in ROW_REF.findall((root / "data" / res["path"]).read_text("utf-8"))]
    return [n for n in resources if n in found]   # in the descriptor's order


def _rows(text: str):
    """(first line, end line, record) for each record of a CSV text: lines
    ``first`` to ``end - 1`` (0-based, as io.StringIO(text).readlines() splits
    them) hold it, a quoted line break included."""
    reader = csv.reader(io.StringIO(text))
    start = 0
    for record in reader:
        yield start, reader.line_num, record
        start = reader.line_num


def _cited_sources(root: Path, descriptor: dict, tables: list[str], registry: str) -> set[str]:
    cited = set()
    for res in descriptor["resources"]:
        if res["name"] in tables and res["name"] != registry:
            with (root / "data" / res["path"]).open(encoding="utf-8", newline="") as f:
                cited |= {row["source_id"] for row in csv.DictReader(f) if row.get("source_id")}
    return cited


def _registry(root: Path, res: dict, cited: set[str]) -> tuple[bytes, list[str]]:
    """The source registry's CSV with only the cited rows (their lines as they are),
    and the seed files those rows name."""
    text = (root / "data" / res["path"]).read_text("utf-8")
    lines = io.StringIO(text).readlines()
    kept, seeds, header = [], [], None
    for first, last, record in _rows(text):
        if header is None:
            header = record
            kept += lines[first:last]
            continue
        row = dict(zip(header, record))
        if row.get("source_id") in cited:
            kept += lines[first:last]
            if row.get("path", "").startswith("seeds/"):
                seeds.append(row["path"])
    return "".join(kept).encode("utf-8"), seeds


def data_files(nb: dict, root: Path) -> dict[str, bytes]:
    """Path in the bundle -> bytes: the tables, descriptor and seeds the notebook needs."""
    from helpers.data.descriptor import SOURCE_REGISTRY
    from helpers.data.paths import DESCRIPTOR, NOTES

    descriptor = json.loads((root / DESCRIPTOR).read_text("utf-8"))
    tables = _tables(nb, root, descriptor)
    registry = next(r for r in descriptor["resources"] if (r.get("xev") or {}).get("role") == SOURCE_REGISTRY)
    tables = list(dict.fromkeys([registry["name"], *tables]))
    files = {}
    for res in descriptor["resources"]:
        if res["name"] in tables and res is not registry:
            files[f"data/{res['path']}"] = (root / "data" / res["path"]).read_bytes()
    files[f"data/{registry['path']}"], seeds = _registry(
        root, registry, _cited_sources(root, descriptor, tables, registry["name"]))
    for path in [*seeds, *NOTES]:
        files[path] = (root / path).read_bytes()
    restricted = {**descriptor, "resources": [r for r in descriptor["resources"] if r["name"] in tables]}
    files[DESCRIPTOR] = (json.dumps(restricted, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def package_files(root: Path) -> dict[str, bytes]:
    """The helpers package as source, with its data files (fonts), without caches."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "helpers").rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def readme(page: str, version: str) -> str:
    return (f"{page}.ipynb: a chapter of the Xiaomi EV briefing, edition {version}, with the data tables it reads "
            "(data/, verified against seeds/ on every load) and the helpers package.\n"
            "To run it: python3 -m venv .venv, then .venv/bin/pip install -r requirements.txt "
            "(Windows: .venv\\Scripts\\pip), then .venv/bin/jupyter lab and open the notebook.\n"
            "Code MIT (LICENSE), text and data CC-BY-4.0 (LICENSE-text-and-data), seeds/ third-party text; "
            "cite as CITATION.cff says.\n")


def bundle_files(page: str, reader_copy: bytes, nb: dict, root: Path, requirements_txt: str) -> dict[str, bytes]:
    """Every member of ``<page>.zip``, by its path inside the bundle's folder."""
    from helpers.pages import cite, gluetable

    files = {f"{page}.ipynb": reader_copy, **data_files(nb, root), **package_files(root)}
    glue = gluetable.path_of(page)     # the values the page declares (Page.glue_table reads it)
    if (root / glue).is_file():
        files[glue] = (root / glue).read_bytes()
    files |= {name: (root / name).read_bytes() for name in NOTICES}
    files["requirements.txt"] = requirements_txt.encode("utf-8")
    files["README.txt"] = readme(page, cite.book(root).version).encode("utf-8")
    return files


def zipped(page: str, files: dict[str, bytes]) -> bytes:
    """The zip of ``files`` under a folder ``<page>/``, the same bytes for the same files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{page}/{name}", _STAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return out.getvalue()
