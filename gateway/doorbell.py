"""Wake an idle worker as soon as there is work, instead of at its next poll.

Within one ``aplus run`` process the SMTP receiver rings the processor and the
processor rings the delivery worker, so a mail crosses the gateway in
milliseconds; across processes (PostgreSQL deployments) workers still poll,
and the doorbell is simply absent.
"""

from __future__ import annotations

import threading


class Doorbell:
    def __init__(self) -> None:
        self._event = threading.Event()

    def ring(self) -> None:
        self._event.set()

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
