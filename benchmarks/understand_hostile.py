"""Time and peak memory of ``read_mail`` on hostile mails and on every corpus mail (run by hand).

    .venv/bin/python benchmarks/understand_hostile.py            # hostile set
    .venv/bin/python benchmarks/understand_hostile.py --corpora  # + every mail of ../shared/corpora
    .venv/bin/python benchmarks/understand_hostile.py --sandbox-cost  # reading in the killable child vs inline

Each hostile mail is read in a forked child so that its peak resident memory
(``ru_maxrss``, which counts what the Rust and C parsers allocate, unlike
tracemalloc) is its own; the figure printed is the growth over the child's
resident size before reading. The first row, an ordinary request, is the
baseline of the same run: this machine's speed varies tenfold with its load. The tests only assert outcomes and bounds;
timings live here (docs/reliability.md quotes them).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.understand import read_mail  # noqa: E402
from gateway.understand.limits import MIB  # noqa: E402
from tests.understand.builders import headers, many_parts, nested, single_line_html, with_attachment  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
if not CORPORA.is_dir():
    CORPORA = Path("/work/shared/corpora")


def html_mail(html: bytes, subject: str = "HTML") -> bytes:
    return headers(subject, "text/html; charset=utf-8") + b"\r\n" + html + b"\r\n"


def folded_header(size: int) -> bytes:
    folds = b"".join(b"\r\n x" + b"y" * 70 for _ in range(size // 74))
    return b"From: a@example.fr\r\nTo: aplus@aplus.localhost\r\nSubject: " + b"x" * 70 + folds + b"\r\n\r\nBonjour\r\n"


def hostile_set() -> list[tuple[str, callable]]:
    """(name, builder): built in the child so the parent stays small."""
    from benchmarks.ingest import bench_mail

    return [
        ("ordinary request (baseline)", lambda: bench_mail(1)),
        ("1 MB nested <div>", lambda: html_mail(b"<div>a" * (MIB // 6))),
        ("3 MB nested <div>", lambda: html_mail(b"<div>a" * (3 * MIB // 6))),
        ("HTML 1,000 levels deep", lambda: html_mail(b"<div>" * 1000 + "Texte au fond é".encode() + b"</div>" * 1000)),
        ("3 MB unclosed <b><i><a>", lambda: html_mail(b"<b><i><a href=x>t" * (3 * MIB // 17))),
        ("3 MB nested tables", lambda: html_mail(b"<table><tr><td>x" * (3 * MIB // 16))),
        ("5 MB of '<' without '>'", lambda: html_mail(b"<" * (5 * MIB))),
        ("100,000 unclosed <script>", lambda: html_mail(b"<script>x" * 100_000)),
        ("5 MB single-line HTML", lambda: single_line_html(5 * MIB)),
        ("29 MB text/plain", lambda: headers("x") + b"\r\n" + b"Bonjour ligne de texte courte\r\n" * (29 * MIB // 31)),
        ("20 MB folded header", lambda: folded_header(20 * MIB)),
        ("50 MB attachment (dropped)", lambda: with_attachment(os.urandom(50 * MIB))),
        ("20 MB attachment (kept)", lambda: with_attachment(os.urandom(20 * MIB))),
        ("10,000 parts", lambda: many_parts(10_000)),
        ("100,000 parts", lambda: many_parts(100_000)),
        ("200 nested multiparts", lambda: nested(200)),
        ("3,000 nested multiparts", lambda: nested(3000)),
    ]


def _measure_in_child(build, queue) -> None:
    raw = build()
    before = _rss()
    started = time.perf_counter()
    mail = read_mail(raw)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    queue.put((len(raw), elapsed, max(0, peak - before), len(mail.text), len(mail.defects)))


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_hostile() -> float:
    context = multiprocessing.get_context("fork")
    worst = 0.0
    print(f"{'mail':30} {'size':>9} {'time':>7} {'memory':>10}  text chars, defects")
    for name, build in hostile_set():
        queue = context.Queue()
        child = context.Process(target=_measure_in_child, args=(build, queue))
        child.start()
        size, elapsed, grown, text, defects = queue.get()
        child.join()
        worst = max(worst, elapsed)
        print(f"{name:30} {size / MIB:6.1f} MiB {elapsed:6.2f} s {grown / MIB:6.0f} MiB  {text}, {defects}")
    return worst


def run_corpora() -> None:
    files = [p for p in CORPORA.rglob("*") if p.is_file() and p.suffix.lower() in (".eml", ".msg", ".txt", ".mail", "")]
    timings = []
    for path in files:
        raw = path.read_bytes()
        started = time.perf_counter()
        read_mail(raw)
        timings.append((time.perf_counter() - started, path))
    timings.sort(reverse=True)
    total = sum(t for t, _ in timings)
    print(f"\ncorpora: {len(timings)} files, {total:.1f} s in all, slowest:")
    for elapsed, path in timings[:5]:
        print(f"  {elapsed:6.3f} s  {path.relative_to(CORPORA)}")


def sandbox_cost(rounds: int = 300) -> None:
    """What reading in the killable child costs per mail, against reading in the processor itself."""
    from benchmarks.ingest import bench_mail
    from gateway.processing.sandbox import Budget, Sandbox

    mails = [bench_mail(number) for number in range(rounds)]
    sandbox = Sandbox("aplus.localhost", Budget())
    sandbox.start()
    for raw in mails[:10]:
        read_mail(raw), sandbox.understand(raw)  # warm both
    timings = {}
    for name, reader in (("inline", read_mail), ("child", sandbox.understand)):
        started = time.perf_counter()
        for raw in mails:
            reader(raw)
        timings[name] = (time.perf_counter() - started) / rounds
    sandbox.close()
    print(f"\nper request mail of {len(mails[0])} bytes: inline {timings['inline'] * 1000:.2f} ms, "
          f"in the child {timings['child'] * 1000:.2f} ms (+{(timings['child'] - timings['inline']) * 1000:.2f} ms)")


if __name__ == "__main__":
    if "--sandbox-cost" in sys.argv:
        sandbox_cost()
        sys.exit(0)
    worst = run_hostile()
    print(f"\nslowest hostile mail: {worst:.2f} s")
    if "--corpora" in sys.argv:
        run_corpora()
