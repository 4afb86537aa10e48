"""`make site` in a copy of the project whose CITATION.cff names a public
address: every edition at its own path, every citation absolute and
versioned, every citation_pdf_url served, and each page's CSL-JSON and
BibTeX read as a reader expects by a real citation processor (pandoc's
citeproc). The site is built once, with one earlier edition: the newest
before the current one, from its recorded commit, without its PDFs (`make
site` builds every earlier edition the same way, and prints their PDFs too).
Each earlier edition costs a full build of its commit; one shows that the
machinery works."""
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_charts import reference_manager_fields
from test_pdf import pdf_links

from booktools.project import BUILD_INPUTS, copy_project, pages
from conftest import ROOT, missing_or_skip, run
from helpers.data import editions

URL = "https://xiaomi-ev-briefing.example.org/"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium_path):
    if not (ROOT / ".git").exists():
        missing_or_skip("site tests", "not a git checkout: earlier editions are built from their commits")
    root = copy_project(tmp_path_factory.mktemp("site"), (*BUILD_INPUTS, "pyproject.toml"))
    cff = root / "CITATION.cff"
    cff.write_text(cff.read_text("utf-8").replace("\nversion:", f'\nurl: "{URL}"\nversion:', 1), "utf-8")
    out = run(root / "book" / "booktools" / "site.py", "--check", "--no-earlier-pdfs", "--git", ROOT,
              "--editions", _earlier(root), env={"XIAOMI_EV_ROOT": str(root)}, cwd=root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return root


def _version(root) -> str:
    return re.search(r'^version:\s*"?([^"\n]+)"?', (root / "CITATION.cff").read_text("utf-8"), re.M).group(1)


def _earlier(root) -> str:
    """The newest recorded edition before the current one: the one the site test builds."""
    current = editions.version_key(_version(root))
    return max((v for v in editions.recorded(root) if editions.version_key(v) < current), key=editions.version_key)


def test_every_edition_at_its_own_path(site):
    out = site / "book" / "_build" / "site"
    current = _version(site)
    recorded = editions.recorded(site)
    assert recorded and all(m.get("commit") for m in recorded.values()), "every edition records its commit"
    built = {_earlier(site), current}
    for version in built:
        assert (out / version / "index.html").exists(), version
    assert {p.name for p in out.iterdir() if p.is_dir()} == built | {"latest"}
    assert (out / "latest" / "index.html").read_bytes() == (out / current / "index.html").read_bytes()
    assert 'url=latest/index.html' in (out / "index.html").read_text("utf-8")
    for version in built - {current}:
        page = (out / version / "index.html").read_text("utf-8")
        banner = re.search(r'<div class="xev-edition-banner".*?</div>', page, re.S).group(0)
        assert f"edition {current}" in banner
        assert f'href="../{current}/index.html"' in banner and f'href="../{current}/whats-new.html"' in banner
    page = (out / current / "index.html").read_text("utf-8")
    assert "xev-edition-banner" not in page


ADDRESS = re.compile(r"https?://[^\s\"'<>}]+")


def test_no_relative_or_unversioned_address_in_any_citation(site):
    out = site / "book" / "_build" / "site"
    current = _version(site)
    base = f"{URL}{current}/"
    for name in pages(site):
        meta, ris, item, page = reference_manager_fields(out / current, name)
        found = [meta["citation_public_url"], meta["citation_pdf_url"], ris["UR"], ris["L1"], item["URL"]]
        assert found == [base + f"{name}.html", base + f"pdf/{name}.pdf"] * 2 + [base + f"{name}.html"], found
        blocks = re.findall(r'<div class="xev-cite".*?</div>|<details class="xev-cite-figure".*?</details>', page,
                            re.S)
        assert blocks, f"{name}: no cite block"
        for block in blocks:
            text = html.unescape(re.sub(r"<[^>]+>", " ", block.split('<p class="xev-refman"')[0]))
            addresses = ADDRESS.findall(text)
            assert addresses and all(a.startswith(base) for a in addresses), (name, addresses)
            assert re.search(r"\burl = \{" + re.escape(base), text), (name, text[:300])
            assert "not set" not in text
        # a relative address is one that names a page of the book without the public address before it
        for block in blocks:
            bare = re.findall(r"(?<![/\w.:-])[a-z0-9-]+\.html\b", html.unescape(block))
            assert not bare, (name, bare)


def test_every_citation_pdf_url_is_served(site):
    out = site / "book" / "_build" / "site"
    for page in (out / _version(site)).glob("*.html"):
        for url in re.findall(r'<meta name="citation_pdf_url" content="([^"]*)"', page.read_text("utf-8")):
            assert url.startswith(URL)
            pdf = out / url[len(URL):]
            assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", url


def test_site_pdfs_link_to_the_public_address_never_a_local_server(site):
    book = site / "book" / "_build" / "site" / _version(site) / "pdf" / "book.pdf"
    links = pdf_links(book)
    assert not [u for u in links["uri"] if "127.0.0.1" in u or "localhost" in u]
    assert links["internal"] >= 1000
    chapter = site / "book" / "_build" / "site" / _version(site) / "pdf" / "trust-crisis.pdf"
    evidence = [u for u in pdf_links(chapter)["uri"] if "/evidence.html#" in u]
    assert evidence and all(u.startswith(f"{URL}{_version(site)}/evidence.html#") for u in evidence)


def _citeproc(bibliography: Path, key: str) -> str:
    doc = bibliography.parent / "doc.md"
    doc.write_text(f"As shown [@{key}].\n\n# References\n", "utf-8")
    out = subprocess.run(["pandoc", str(doc), "--citeproc", "--bibliography", str(bibliography), "--to", "plain",
                          "--wrap", "none"], capture_output=True, text=True, check=True)
    return out.stdout


def test_citeproc_reads_each_page_as_a_reader_expects(site, tmp_path):
    """Every page's CSL-JSON and BibTeX through pandoc's citeproc (Chicago author-date)."""
    if not shutil.which("pandoc"):
        missing_or_skip("citeproc test", "pandoc is missing (apt-get install pandoc)")
    out = site / "book" / "_build" / "site"
    version = _version(site)
    cff = (site / "CITATION.cff").read_text("utf-8")
    title = re.search(r'^title:\s*"([^"]+)"', cff, re.M).group(1)
    year = re.search(r'^date-released:\s*"(\d{4})', cff, re.M).group(1)
    for name in pages(site):
        _, _, item, page = reference_manager_fields(out / version, name)
        key = item["id"]
        bib = html.unescape(re.search(r'<pre class="xev-bibtex"><code>(.*?)</code></pre>', page, re.S).group(1))
        (tmp_path / "page.json").write_text(json.dumps([item]), "utf-8")
        (tmp_path / "page.bib").write_text(bib, "utf-8")
        for source in ("page.json", "page.bib"):
            text = _citeproc(tmp_path / source, key)
            cited, _, reference = text.partition("References")
            assert f"(The Xiaomi EV briefing team {year})" in cited, (name, source, text)   # the group, whole
            assert "team, The" not in text and "(team" not in text, (name, source, text)
            reference = " ".join(reference.split())
            assert reference.startswith(f"The Xiaomi EV briefing team. {year}."), (name, source, reference)
            assert f"Version {version}" in reference and reference.count(version) == 1 + reference.count("/" + version)
            assert f"{URL}{version}/{name}.html" in reference, (name, source, reference)
            own = item["title"]
            titles = reference.lower().replace("the xiaomi ev briefing team", "").count(title.lower())
            assert titles == 1, (name, source, reference)   # the book's title once, never "X. In X"
            if own == title:     # the summary is the book itself
                assert " In " not in reference
            else:                # a chapter in the book
                assert f"“{own}.”".lower() in reference.lower() and f"In {title}".lower() in reference.lower(), \
                    (name, source, reference)
