"""Measure the routing classifier on the labelled sets in tests/data/routing/.

    .venv/bin/python benchmarks/routing_eval.py            # dev and holdout
    .venv/bin/python benchmarks/routing_eval.py --errors   # also list dev mistakes

Prints, per set: organisation recall and precision (micro, over all labelled /
predicted organisation codes), area accuracy, the same per style, the triage
rate, and the median / p99 time per mail.

Area accuracy: a request counts as right when the set of predicted areas equals
the labelled set. Predicted areas are those with role "person"; when there is
none, the aidant's (signature) areas, since routing then uses them. Labelled
areas follow the same rule (the person's areas, else the aidant's area).

Mistakes are listed for the dev set only: the holdout set is never tuned on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routing.classify import classify  # noqa: E402
from routing.decision import Decision  # noqa: E402

DATA = ROOT / "tests" / "data" / "routing"


def load(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def predicted_areas(decision: Decision) -> set[str]:
    person = {a.code for a in decision.areas if a.role == "person"}
    return person or {a.code for a in decision.areas}


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    area_ok: int = 0
    n: int = 0
    triaged: int = 0
    exact: int = 0
    direct_exact: int = 0  # routed without triage, with exactly the labelled organisations
    triaged_vague: int = 0  # triaged, and labelled with no organisation at all

    def add(self, gold: set[str], got: set[str], area_ok: bool, triage: bool) -> None:
        self.tp += len(gold & got)
        self.fp += len(got - gold)
        self.fn += len(gold - got)
        self.area_ok += area_ok
        self.n += 1
        self.triaged += triage
        self.exact += gold == got
        self.direct_exact += (not triage) and gold == got
        self.triaged_vague += triage and not gold

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def area_accuracy(self) -> float:
        return self.area_ok / self.n if self.n else 1.0


@dataclass
class Report:
    name: str
    total: Tally = field(default_factory=Tally)
    styles: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    times_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else 0.0

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


def evaluate(name: str, rows: list[dict] | None = None, repeat: int = 3) -> Report:
    rows = rows if rows is not None else load(name)
    report = Report(name)
    for row in rows:
        kwargs = dict(subject=row.get("subject", ""), sender=row.get("sender"))
        best = float("inf")
        for _ in range(repeat):
            began = time.perf_counter()
            decision = classify(row["text"], **kwargs)
            best = min(best, (time.perf_counter() - began) * 1000)
        report.times_ms.append(best)
        gold, got = set(row["organisations"]), set(decision.organisation_codes)
        gold_areas, got_areas = set(row.get("areas", [])), predicted_areas(decision)
        area_ok = gold_areas == got_areas
        report.total.add(gold, got, area_ok, decision.triage)
        report.styles[row.get("style", "?")].add(gold, got, area_ok, decision.triage)
        if gold != got or not area_ok:
            report.errors.append(
                f"{row['id']:>6} orgs {sorted(gold)} -> {sorted(got)}  areas {sorted(gold_areas)} -> {sorted(got_areas)}"
                f"  conf={decision.confidence:.2f}"
            )
    return report


def render(report: Report) -> str:
    t = report.total
    lines = [
        f"== {report.name}: {t.n} requests",
        f"organisations  recall {t.recall:.3f}  precision {t.precision:.3f}  exact sets {t.exact / t.n:.3f}",
        f"areas          accuracy {t.area_accuracy:.3f}",
        f"triage         {t.triaged / t.n:.3f} of requests below the confidence threshold "
        f"({t.triaged_vague} of {t.triaged} labelled with no organisation); "
        f"routed directly: {t.n - t.triaged}, exact {t.direct_exact / max(1, t.n - t.triaged):.3f}",
        f"time per mail  median {report.median_ms:.2f} ms  p99 {report.p99_ms:.2f} ms",
        f"{'style':<10} {'n':>4} {'recall':>7} {'prec':>7} {'areas':>7}",
    ]
    for style in sorted(report.styles):
        s = report.styles[style]
        lines.append(f"{style:<10} {s.n:>4} {s.recall:>7.3f} {s.precision:>7.3f} {s.area_accuracy:>7.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="list the dev set's mistakes")
    args = parser.parse_args(argv)
    for name in ("dev.jsonl", "holdout.jsonl", "dev2.jsonl", "holdout2.jsonl", "holdout3.jsonl"):
        report = evaluate(name)
        print(render(report))
        if args.errors and name == "dev.jsonl":
            print("\n".join(report.errors))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
