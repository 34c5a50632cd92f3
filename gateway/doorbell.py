"""Wake an idle worker as soon as there is work, instead of at its next poll.

Within one ``aplus run`` process the SMTP receiver rings the processor and the
processor rings the delivery worker, so a mail crosses the gateway in
milliseconds; across processes (PostgreSQL deployments) workers still poll,
and the doorbell is simply absent.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

#: In one process (``aplus run``), workers wait for this much silence from the receiver...
RECEIVER_QUIET_SECONDS = 0.02
#: ...but never defer their work longer than this.
RECEIVER_PRIORITY_SECONDS = 2.0


class Doorbell:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._last_ring = 0.0
        self._arriving = 0
        self._count_lock = threading.Lock()

    def ring(self) -> None:
        self._last_ring = time.monotonic()
        self._event.set()

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """Around the storing of one incoming mail: ring when it is stored."""
        with self._count_lock:
            self._arriving += 1
        try:
            yield
        finally:
            with self._count_lock:
                self._arriving -= 1
            self.ring()

    def wait_until_quiet(self, quiet: float, longest: float) -> None:
        """Let a burst of rings pass before working (at most ``longest`` seconds).

        In one process the processor and the SMTP receiver share the
        interpreter (and, on SQLite, the only write lock): while mail is pouring
        in, accepting it comes first (nothing is acknowledged before it is
        stored), processing catches up when the burst is over.
        """
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            since = time.monotonic() - self._last_ring
            if self._arriving == 0 and since >= quiet:
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
