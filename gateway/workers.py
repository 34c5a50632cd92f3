"""The processes of ``aplus run``: the SMTP receiver here, processor and delivery each in its own.

Why processes and not threads: the three are CPU-bound in Python and shared
one interpreter lock. Measured with ``benchmarks/ingest.py`` on the 2-core
reference machine, one process handled about 12 requests/s (each fanning out
to 5 mails) and the receiver slowed down whenever processing ran; in
separate processes the processor, the delivery worker and the receiver each
have their own interpreter and the operating system spreads them over the
cores. They meet only in the database (on SQLite, taking turns with
``gateway.storage.db.WriteTurn``) and through the doorbells (``gateway.doorbell``).

Workers run at a lower scheduling priority (``WORKER_NICENESS``): when the
machine is busy, answering senders comes first and processing catches up.

The parent supervises: a worker that dies (a bug, the OOM killer) is logged
and started again after a pause, and a worker whose parent died stops by
itself instead of working on unsupervised.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from gateway.config import Settings
from gateway.doorbell import Doorbell

log = logging.getLogger(__name__)

#: Added to the workers' niceness (0 = the receiver's): the receiver wins a contended core.
WORKER_NICENESS = 5
#: Pause before starting a dead worker again (the first restart is immediate).
RESTART_PAUSE_SECONDS = 5.0


@dataclass
class Worker:
    """One supervised process: what to run, and its current incarnation."""

    name: str
    target: Callable[..., None]
    args: tuple[Any, ...]
    process: multiprocessing.process.BaseProcess | None = None
    ready: Any = None  # an Event the child sets once it can take work
    restarts: int = 0
    last_start: float = 0.0


@dataclass
class Supervisor:
    """Start, watch and stop the worker processes of ``aplus run``."""

    workers: list[Worker] = field(default_factory=list)
    context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))

    def __post_init__(self) -> None:
        self.stop_event = self.context.Event()

    def add(self, name: str, target: Callable[..., None], *args: Any) -> None:
        """``target(stop_event, ready_event, *args)`` runs in the child.

        It sets ``ready_event`` once it can take work and returns when
        ``stop_event`` is set.
        """
        self.workers.append(Worker(name, target, args))

    def start(self) -> None:
        for worker in self.workers:
            self._spawn(worker)

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until every worker said it is ready (``aplus run`` announces itself only then)."""
        deadline = time.monotonic() + timeout
        return all(worker.ready.wait(max(0.0, deadline - time.monotonic())) for worker in self.workers)

    def check(self) -> None:
        """Start again any worker that died; called periodically by the parent."""
        if self.stop_event.is_set():
            return
        for worker in self.workers:
            process = worker.process
            if process is None or process.is_alive():
                continue
            if worker.restarts and time.monotonic() - worker.last_start < RESTART_PAUSE_SECONDS:
                continue
            log.error("worker %s (pid %s) stopped with exit code %s; starting it again",
                      worker.name, process.pid, process.exitcode)
            worker.restarts += 1
            self._spawn(worker)

    def stop(self, bells: tuple[Doorbell, ...] = (), timeout: float = 15.0) -> None:
        """Ask every worker to finish its current mail and stop; terminate the ones that do not."""
        self.stop_event.set()
        for bell in bells:
            bell.ring()
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            if worker.process is None:
                continue
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning("worker %s did not stop in time; terminating it", worker.name)
                worker.process.terminate()
                worker.process.join(5)

    def _spawn(self, worker: Worker) -> None:
        worker.ready = self.context.Event()
        process = self.context.Process(
            target=_child,
            args=(worker.name, worker.target, self.stop_event, worker.ready, worker.args, logging.getLogger().level),
            name=f"aplus-{worker.name}", daemon=True,
        )
        process.start()
        worker.process, worker.last_start = process, time.monotonic()
        log.info("worker %s started (pid %s)", worker.name, process.pid)


def _child(name: str, target: Callable[..., None], stop, ready, args: tuple[Any, ...], log_level: int) -> None:
    """Entry point of a worker process: quiet signals, lower priority, logging, then the work."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group; the parent decides
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass
    logging.basicConfig(level=log_level, format=f"%(asctime)s %(levelname)s {name}: %(name)s: %(message)s")
    if log_level > logging.DEBUG:
        logging.getLogger("mail.log").setLevel(logging.WARNING)
    threading.Thread(target=_stop_with_parent, args=(stop,), name="parent-watch", daemon=True).start()
    target(stop, ready, *args)
    leave_now()


def leave_now() -> None:
    """Exit as soon as the work is done, skipping the interpreter's teardown.

    The work has finished its mail and closed its connections; what is
    left is freeing every object (routing tables, caches), which took a niced
    worker 7-9 s on a loaded machine, then ``aplus run`` itself 6-8 s more
    ("Garbage-collecting" at shutdown): most of the 15-26 s a SIGTERM took
    (``tests/cli/test_run_budget.py`` asks for under 5 s).
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def _stop_with_parent(stop) -> None:
    """Set ``stop`` when the parent process goes away, even killed without notice."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    from multiprocessing.connection import wait

    wait([parent.sentinel])
    stop.set()


# -- the two workers of ``aplus run`` --------------------------------------------


def processor_worker(stop, ready, settings: Settings, inbound: Doorbell, outbound: Doorbell) -> None:
    from gateway.storage.db import Database
    from gateway.processing.processor import run_processor_loop
    from gateway.storage import compression

    compression.configure(settings.raw_compression)  # this process writes the outbox's raw mail
    database = Database.connect(settings.effective_database_url)
    try:
        run_processor_loop(database, settings, stop, doorbell=inbound, delivery=outbound, ready=ready)
    finally:
        database.dispose()


def delivery_worker(stop, ready, settings: Settings, inbound: Doorbell, outbound: Doorbell) -> None:
    from gateway.storage.db import Database
    from gateway.outbound.outbox import run_delivery_loop
    from gateway.outbound.transports import make_transport

    database = Database.connect(settings.effective_database_url)
    ready.set()
    try:
        run_delivery_loop(database, settings, make_transport(settings), stop, doorbell=outbound, receiver=inbound)
    finally:
        database.dispose()


def imap_worker(stop, ready, settings: Settings, inbound: Doorbell, outbound: Doorbell) -> None:
    """The configured IMAP mailboxes, one thread each; rings the processors when mail is stored."""
    from gateway.storage.db import Database
    from gateway.inbound.imap import run_pollers
    from gateway.inbound.imap_config import mailboxes_from_settings

    database = Database.connect(settings.effective_database_url)
    ready.set()
    try:
        run_pollers(database, settings, mailboxes_from_settings(settings), stop, doorbell=inbound)
    finally:
        database.dispose()


def gateway_workers(settings: Settings, inbound: Doorbell, outbound: Doorbell) -> Supervisor:
    """The supervisor of ``aplus run``: ``settings.processors`` processors, one delivery worker, IMAP if configured.

    Two processors by default: on PostgreSQL they work side by side (``SKIP
    LOCKED``); on SQLite they take turns writing, but one reads and parses
    its next mail while the other holds the turn.
    """
    supervisor = Supervisor()
    for number in range(1, max(1, settings.processors) + 1):
        name = "processor" if number == 1 else f"processor-{number}"
        supervisor.add(name, processor_worker, settings, inbound, outbound)
    supervisor.add("delivery", delivery_worker, settings, inbound, outbound)
    if settings.imap_host or settings.imap_mailboxes:  # IMAP is a way in only when a mailbox is configured
        supervisor.add("imap", imap_worker, settings, inbound, outbound)
    return supervisor
