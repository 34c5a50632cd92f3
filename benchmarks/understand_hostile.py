"""Time and peak memory of ``read_mail`` on hostile mails (run by hand).

    .venv/bin/python benchmarks/understand_hostile.py

The tests only assert outcomes and a memory bound; timings live here.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.understand import read_mail  # noqa: E402
from gateway.understand.limits import MIB  # noqa: E402
from tests.understand.builders import many_parts, nested, single_line_html, with_attachment  # noqa: E402


def measure(name: str, raw: bytes) -> None:
    """Time one reading, then read again under tracemalloc (which slows it) for the peak."""
    started = time.perf_counter()
    mail = read_mail(raw)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    read_mail(raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{name:32} {len(raw) / MIB:7.1f} MiB  {elapsed:6.2f} s  peak {peak / MIB:7.1f} MiB "
        f"({peak / len(raw):5.2f}x)  {len(mail.attachments)} attachments, {len(mail.defects)} defects"
    )


if __name__ == "__main__":
    measure("50 MB attachment (dropped)", with_attachment(os.urandom(50 * MIB)))
    measure("20 MB attachment (kept)", with_attachment(os.urandom(20 * MIB)))
    measure("10,000 parts", many_parts(10_000))
    measure("200 nested multiparts", nested(200))
    measure("3,000 nested multiparts", nested(3000))
    measure("5 MB single-line HTML", single_line_html(5 * MIB))
