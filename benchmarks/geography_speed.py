"""Time routing.geography.find_areas per mail (run by hand; no assertion).

    .venv/bin/python benchmarks/geography_speed.py [--rounds 20]

Mails: the requests of tests/data/routing/*.jsonl, glued together until
each is 1-2 KB like a typical request with its signature, plus a
synthetic letter full of numbers (dates, phones, amounts, an address).
Prints the table load time, then median and p99 per mail after warm-up, and
the same for the area accuracy on the labelled requests (first areas match).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routing.geography import find_areas, tables  # noqa: E402

LETTER = """Madame, Monsieur,

Je vous écris au sujet de mon dossier (numéro allocataire 1234567) : depuis le 12/03/2024
je ne perçois plus les 450 euros d'APL. J'ai déménagé de Saint-Denis à Lyon 3ème en janvier
et j'ai envoyé mon nouveau bail le 15 février. Vous pouvez me joindre au 06 12 34 56 78.

Mon adresse : 12 rue de Paris, 69003 Lyon. Je suis suivie par la CAF du Rhône.

Je vous prie d'agréer, Madame, Monsieur, mes salutations distinguées.
Fatima B.
"""


def labelled() -> list[dict[str, object]]:
    rows = []
    for path in sorted((ROOT / "tests" / "data" / "routing").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def mails(rows: list[dict[str, object]]) -> list[str]:
    glued, current = [], ""
    for row in rows:  # glue requests until the mail weighs 1-2 KB
        current = f"{current}\n\n{row['text']}" if current else str(row["text"])
        if len(current) >= 1200:
            glued.append(current)
            current = ""
    return glued + [LETTER] * 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    tables()
    print(f"tables loaded in {time.perf_counter() - start:.2f} s")
    rows = labelled()
    corpus = mails(rows)
    for text in corpus:  # warm-up
        find_areas(text)
    timings, cpu = [], []
    for _ in range(args.rounds):
        for text in corpus:
            start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
            find_areas(text)
            cpu.append((time.process_time_ns() - start_cpu) / 1e6)
            timings.append((time.perf_counter_ns() - start) / 1e6)
    timings.sort()
    cpu.sort()
    sizes = sorted(len(t) for t in corpus)
    print(f"{len(corpus)} mails, median size {sizes[len(sizes) // 2]} chars, {len(timings)} runs")
    print(f"median {statistics.median(timings):.3f} ms   p99 {timings[int(len(timings) * 0.99)]:.3f} ms   "
          f"max {timings[-1]:.3f} ms (wall clock)")
    print(f"median {statistics.median(cpu):.3f} ms   p99 {cpu[int(len(cpu) * 0.99)]:.3f} ms (CPU time of this "
          f"process: the figure to read when the machine is busy)")
    with_areas = [r for r in rows if r.get("areas") is not None]
    good = sum(1 for r in with_areas
               if [a.code for a in find_areas(str(r["text"]))][:len(r["areas"])] == r["areas"]  # type: ignore[arg-type]
               and (r["areas"] or not find_areas(str(r["text"]))))
    print(f"area accuracy on {len(with_areas)} labelled requests: {good / max(1, len(with_areas)):.3f}")


if __name__ == "__main__":
    main()
