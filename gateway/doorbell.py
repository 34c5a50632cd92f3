"""Wake an idle worker as soon as there is work, instead of at its next poll.

Within one ``aplus run`` the SMTP receiver rings the processor and the
processor rings the delivery worker, so a mail crosses the gateway in
milliseconds. The three run in separate processes (``gateway.workers``), so
the bell is built on ``multiprocessing`` primitives: an event to wake the
waiter and two shared values the receiver updates as mail arrives. It works
between threads of one process too (the tests' harness wires it that way).
Workers started on their own (``aplus process``, ``aplus deliver``) have no
bell and poll.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import time
from contextlib import contextmanager
from typing import Iterator

#: Incoming mail faster than this (mails/s) is a burst: workers let it pass first...
BURST_RATE = 100.0
#: ...until the receiver has been silent this long...
RECEIVER_QUIET_SECONDS = 0.02
#: ...but never defer their work longer than this.
RECEIVER_PRIORITY_SECONDS = 2.0


class Doorbell:
    """A wake-up call that crosses processes; pass it to ``Process`` arguments to share it.

    No lock is shared between processes, on purpose: a worker can be killed
    at any instant (the supervisor then starts another), and a lock it held
    would block the receiver forever (seen with ``multiprocessing.Event``,
    whose condition lock a SIGKILLed waiter kept). So a ring is one byte
    written, without blocking, into a pipe the waiters select on (a full
    pipe already means "wake up"), and the counters are plain shared values,
    each written by one process only (the receiver) and merely read by the
    others. ``time.monotonic`` is the system-wide monotonic clock on Linux,
    so the time of the last ring means the same in every process.
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._reader, self._writer = context.Pipe(duplex=False)
        self._last_ring = context.RawValue("d", 0.0)  # one aligned double: written whole
        self._arriving = context.RawValue("i", 0)  # mails being stored now (written by the receiver)
        self._arrivals = context.RawValue("Q", 0)  # mails stored since the start, for the burst rate
        self._nonblocking_in = 0  # the process that made both pipe ends non-blocking (pickled along: a child redoes it)

    def _pipe_ends(self) -> tuple[int, int]:
        """The pipe's (read, write) descriptors, non-blocking in this process."""
        reader, writer = self._reader.fileno(), self._writer.fileno()
        if self._nonblocking_in != os.getpid():
            os.set_blocking(reader, False)
            os.set_blocking(writer, False)
            self._nonblocking_in = os.getpid()
        return reader, writer

    def ring(self) -> None:
        self._last_ring.value = time.monotonic()
        try:
            os.write(self._pipe_ends()[1], b"!")
        except (BlockingIOError, BrokenPipeError):
            pass  # the pipe is full of rings already, or nobody is left to wake

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """Around the storing of one incoming mail (receiver only): ring when it is stored."""
        self._arriving.value += 1
        try:
            yield
        finally:
            self._arriving.value -= 1
            self._arrivals.value += 1
            self.ring()

    @property
    def arrivals(self) -> int:
        return self._arrivals.value

    def wait_until_quiet(self, quiet: float, longest: float) -> None:
        """Let a burst of rings pass before working (at most ``longest`` seconds).

        The processor and the SMTP receiver share the machine (and, on
        SQLite, the only write lock): while mail is pouring in, accepting it
        comes first (nothing is acknowledged before it is stored), processing
        catches up when the burst is over.
        """
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            since = time.monotonic() - self._last_ring.value
            if self._arriving.value == 0 and since >= quiet:
                return
            time.sleep(max(quiet - since, quiet / 4))

    def clear(self) -> None:
        """Call before looking for work, so a ring that comes meanwhile is not missed."""
        fd = self._pipe_ends()[0]
        try:
            while os.read(fd, 4096):
                pass
        except BlockingIOError:
            pass

    def wait(self, timeout: float) -> None:
        """Until a ring not yet cleared, or ``timeout`` seconds."""
        select.select([self._reader.fileno()], [], [], timeout)


class BurstGate:
    """A worker's view of the receiver: let bursts of incoming mail pass, never a trickle.

    Measured with ``benchmarks/ingest.py``: deferring to the receiver after
    every arrival (20 ms of silence) cost the processor a fifth of its time at
    a steady 20 requests/s and built a backlog, while not deferring during a
    burst of 1000 mails over 8 connections took a quarter of the receiver's
    throughput. So a worker looks at how fast mail arrived since it last
    looked: at ``BURST_RATE`` or more it waits for the burst to end (at most
    ``RECEIVER_PRIORITY_SECONDS``), below it works at once.
    """

    def __init__(self, bell: Doorbell, *, clock=time.monotonic) -> None:
        self.bell = bell
        self.clock = clock
        self._count = bell.arrivals
        self._at = clock()

    def pass_burst(self) -> bool:
        """Return once no burst is under way; True when it had to wait for one."""
        now, count = self.clock(), self.bell.arrivals
        rate = (count - self._count) / max(now - self._at, 1e-3)
        self._count, self._at = count, now
        if rate < BURST_RATE:
            return False
        self.bell.wait_until_quiet(RECEIVER_QUIET_SECONDS, RECEIVER_PRIORITY_SECONDS)
        self._count, self._at = self.bell.arrivals, self.clock()
        return True


def idle(stop: threading.Event, doorbell: Doorbell | None, timeout: float) -> None:
    """Sleep until rung, stopped (at the latest after ``timeout``), or timed out."""
    if doorbell is None:
        stop.wait(timeout)
    else:
        doorbell.wait(timeout)
