"""Fuzz run: 10^5 mutated mails through understanding and outbound addressing; count tracebacks (run by hand).

    .venv/bin/python benchmarks/fuzz_mails.py [--examples 100000]

Each mail (tests/support/mutations.py: real fixtures, flips, cuts, hostile
inserts) goes through what a mail from anyone meets before the database:
``read_mail`` (which must never raise), then what the fan-out builds from it
(the ``To:`` of a reply to its sender, ``address_header``), and the slowest
mail is reported. A traceback is any exception; the goal is 0.
docs/reliability.md quotes the result.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from gateway.outbound.mime import address_header  # noqa: E402
from gateway.understand import read_mail  # noqa: E402
from tests.support.mutations import mutated_mail, seeds  # noqa: E402

POOL = seeds()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: no limit), report what was done")
    parser.add_argument("--progress", type=Path, default=None, help="file rewritten every 1,000 mails with the counts so far")
    options = parser.parse_args()
    failures: Counter = Counter()
    first: dict[str, str] = {}
    seen = [0]
    slowest = [0.0]

    @settings(max_examples=options.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(mutated_mail(POOL))
    def one(raw: bytes) -> None:
        if options.seconds and time.monotonic() - started > options.seconds:
            raise KeyboardInterrupt  # hypothesis stops at once on it, without shrinking
        seen[0] += 1
        if options.progress and seen[0] % 1000 == 0:
            options.progress.write_text(f"{seen[0]} mails, {sum(failures.values())} tracebacks, "
                                        f"slowest {slowest[0] * 1000:.0f} ms, {time.monotonic() - started:.0f} s\n")
        begun = time.perf_counter()
        try:
            mail = read_mail(raw)
            if mail.sender is not None:
                address_header(mail.sender.name, mail.sender.email).encode("utf-8")
        except Exception as error:  # counted, not raised: the run goes on
            key = f"{type(error).__name__} at {traceback.extract_tb(error.__traceback__)[-1].name}"
            failures[key] += 1
            first.setdefault(key, traceback.format_exc())
        slowest[0] = max(slowest[0], time.perf_counter() - begun)

    started = time.monotonic()
    try:
        one()
    except KeyboardInterrupt:
        print(f"stopped after {options.seconds:g} s (--seconds)")
    print(f"{seen[0]} mutated mails in {time.monotonic() - started:.0f} s, slowest {slowest[0] * 1000:.0f} ms, "
          f"tracebacks: {sum(failures.values())}")
    for key, count in failures.most_common():
        print(f"  {count:6} {key}\n{first[key]}")


if __name__ == "__main__":
    main()
