"""The seed documents are kept byte for byte."""
import hashlib

from conftest import ROOT


def _sums():
    lines = (ROOT / "seeds" / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split(None, 1) for line in lines)}


def test_five_seed_documents():
    assert len(list((ROOT / "seeds").glob("*.txt"))) == 5


def test_seeds_unchanged():
    sums = _sums()
    assert set(sums) >= {p.name for p in (ROOT / "seeds").glob("*.txt")}
    for name, digest in sums.items():
        data = (ROOT / "seeds" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f"seeds/{name} was changed"
