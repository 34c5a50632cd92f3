"""Issue 12's French cases: every tuning case right.

The cases and their expectations are in tests/data/understanding/; the
scoring is benchmarks/understanding_eval.py's, so the figures in
docs/understanding.md are the ones asserted here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _bench():
    path = REPO / "benchmarks" / "understanding_eval.py"
    spec = importlib.util.spec_from_file_location("_bench_understanding_eval", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BENCH = _bench()


@pytest.mark.parametrize("case, raw, expect", BENCH.load("tuning"), ids=lambda v: v if isinstance(v, str) else "")
def test_tuning_case(case: str, raw: bytes, expect: dict) -> None:
    checks = BENCH.check(raw, expect)
    assert checks and all(checks.values()), {k: v for k, v in checks.items() if not v}


#: Issue 12's goals, asserted on both held-out sets (never tuned on while
#: their figures were taken; see docs/understanding.md for the history).
GOALS = {"kept": 0.97, "exact": 0.90, "automatic recall": 1.0}


@pytest.mark.parametrize("name", ["heldout", "heldout_b"])
def test_heldout_sets_meet_the_goals(name: str) -> None:
    _, goals, _ = BENCH.evaluate(name)
    for key, floor in GOALS.items():
        ok, total = goals[key]
        assert total and ok / total >= floor, (key, ok, total)
    wrong, _ = goals.get("automatic false positives", [0, 0])
    assert wrong == 0
