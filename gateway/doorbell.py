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
import threading
import time
from contextlib import contextmanager
from typing import Iterator

#: In ``aplus run``, workers wait for this much silence from the receiver...
RECEIVER_QUIET_SECONDS = 0.02
#: ...but never defer their work longer than this.
RECEIVER_PRIORITY_SECONDS = 2.0


class Doorbell:
    """A wake-up call that crosses processes; pass it to ``Process`` arguments to share it.

    ``time.monotonic`` is the system-wide monotonic clock on Linux, so the
    time of the last ring means the same in every process.
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._event = context.Event()
        self._last_ring = context.RawValue("d", 0.0)  # one aligned double: written whole
        self._arriving = context.Value("i", 0)

    def ring(self) -> None:
        self._last_ring.value = time.monotonic()
        self._event.set()

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """Around the storing of one incoming mail: ring when it is stored."""
        with self._arriving.get_lock():
            self._arriving.value += 1
        try:
            yield
        finally:
            with self._arriving.get_lock():
                self._arriving.value -= 1
            self.ring()

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
        self._event.clear()

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)


def idle(stop: threading.Event, doorbell: Doorbell | None, timeout: float) -> None:
    """Sleep until rung, stopped (at the latest after ``timeout``), or timed out."""
    if doorbell is None:
        stop.wait(timeout)
    else:
        doorbell.wait(timeout)
