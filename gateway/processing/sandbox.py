"""Understanding a mail in a child process the processor can kill.

``read_mail`` is bounded by ``gateway.understand.limits`` before each costly
step, but it runs third-party parsers (the stdlib feed parser, lxml, html5ever)
on bytes anyone can send: a case nobody measured could still take minutes or
gigabytes. So the processor does not call it itself: a long-lived child
process forked from it does, with a time budget (the processor kills the
child when it is over) and a memory ceiling (``RLIMIT_AS`` in the child, so a
blow-up is a ``MemoryError`` there, not the OOM killer choosing a victim).

Why a forked child kept alive and not a pool or a process per mail: a fork of
the warmed-up processor starts in a few milliseconds with every module
already imported, and while it lives a mail costs one pipe round trip (the raw
bytes in, the pickled ``Understood`` back; measured in ``benchmarks/ingest.py``).
After a kill the next mail forks a fresh child. The processor keeps its
database connections to itself; the child never touches them and leaves with
``os._exit``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable

from gateway.understand import Limits, Understood, read_mail

log = logging.getLogger(__name__)

#: How often a waiting processor looks at its stop event (``aplus run`` stops within this).
STOP_CHECK_SECONDS = 0.1
#: Below this a mail is written to the pipe directly (it fits the kernel's buffer).
PIPE_CHUNK = 60 * 1024


class UnderstandingFailed(Exception):
    """The child could not give an ``Understood``: over budget, out of memory, or dead."""

    def __init__(self, reason: str, summary: str):
        super().__init__(summary)
        self.reason = reason  # French, for the person reading the quarantine
        self.summary = summary  # English, for the log


class Stopped(Exception):
    """The processor was asked to stop while the child was working."""


@dataclass
class Budget:
    seconds: float = 10.0
    memory_bytes: int = 1024 * 1024 * 1024


class Sandbox:
    """One child process reading mails for one processor, restarted after each kill."""

    def __init__(self, own_domain: str, budget: Budget, limits: Limits | None = None):
        self.own_domain = own_domain
        self.budget = budget
        self.limits = limits  # None: read_mail's defaults (tests and benchmarks pass others)
        self._pid: int | None = None
        self._connection = None
        self._status: int | None = None

    def understand(self, raw: bytes, *, should_stop: Callable[[], bool] = lambda: False) -> Understood:
        """``read_mail(raw)`` in the child; raises ``UnderstandingFailed`` or ``Stopped``."""
        connection = self._ensure_child()
        deadline = time.monotonic() + self.budget.seconds
        self._send(connection, raw)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise UnderstandingFailed(
                    f"La lecture du message a dépassé le temps permis ({self.budget.seconds:g} s).",
                    f"understanding over its {self.budget.seconds:g} s budget: child killed")
            if should_stop():
                self.close()
                raise Stopped()
            try:
                ready = connection.poll(min(STOP_CHECK_SECONDS, remaining))
                if not ready:
                    continue
                kind, value = connection.recv()
            except (EOFError, OSError):
                code = self._discard()
                raise UnderstandingFailed(
                    "Le programme de lecture s'est arrêté sur ce message (mémoire ou erreur interne).",
                    f"understanding child died (exit code {code})") from None
            if kind == "ok":
                return value
            raise UnderstandingFailed(
                "La lecture du message demande plus de mémoire que permis."
                if kind == "memory" else "La lecture du message a échoué sur une erreur interne.",
                f"understanding failed in the child: {value}")

    def _send(self, connection, raw: bytes) -> None:
        """Hand the raw bytes over without ever blocking past the budget.

        A mail bigger than the pipe's buffer is written by a thread: if the
        child hangs or dies before reading it all, the wait below still ends
        on time and killing the child releases the thread (broken pipe).
        """
        def write() -> None:
            try:
                connection.send_bytes(raw)
            except Exception:  # the child died or was killed (pipe closed under us): the wait reports it
                pass

        if len(raw) < PIPE_CHUNK:
            write()
        else:
            threading.Thread(target=write, name="understand-send", daemon=True).start()

    def start(self) -> None:
        """Fork the child now, so the first mail does not wait for it."""
        self._ensure_child()

    def close(self) -> None:
        """Kill the child now (the next mail forks a new one)."""
        if self._pid is not None:
            _kill(self._pid)
        self._discard()

    # --- the child ---------------------------------------------------------------

    def _ensure_child(self):
        if self._pid is not None and self._exit_code() is None:
            return self._connection
        self._discard()
        ours, theirs = multiprocessing.Pipe(duplex=True)
        pid = os.fork()  # not multiprocessing.Process: the processor is itself a daemonic worker
        if pid == 0:
            try:
                ours.close()  # so a dead processor gives the child EOF
                _serve(theirs, self.own_domain, self.budget.memory_bytes, self.limits)
            finally:
                os._exit(0)
        theirs.close()
        self._pid, self._connection, self._status = pid, ours, None
        return ours

    def _exit_code(self) -> int | None:
        """None while the child lives; its exit code (or -signal) once it ended (reaped here)."""
        if self._status is None and self._pid is not None:
            try:
                pid, status = os.waitpid(self._pid, os.WNOHANG)
            except ChildProcessError:
                return -1
            if pid == 0:
                return None
            self._status = os.waitstatus_to_exitcode(status)
        return self._status

    def _discard(self) -> int | None:
        pid, connection = self._pid, self._connection
        if connection is not None:
            connection.close()
        code = None
        if pid is not None:
            deadline = time.monotonic() + 2
            while (code := self._exit_code()) is None and time.monotonic() < deadline:
                time.sleep(0.01)
            if code is None:
                _kill(pid)
                os.waitpid(pid, 0)
        self._pid = self._connection = self._status = None
        return code


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _serve(connection, own_domain: str, memory_bytes: int, limits: Limits | None) -> None:
    """Child loop: raw bytes in, ``("ok", Understood)`` out, until the processor goes away."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the processor's own handlers are not ours
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory(memory_bytes)
    while True:
        try:
            raw = connection.recv_bytes()
        except (EOFError, OSError):
            os._exit(0)
        except MemoryError:  # the mail alone is over the ceiling; the processor sees us die
            os._exit(3)
        try:
            answer = ("ok", read_mail(raw, own_domain=own_domain, limits=limits))
        except MemoryError:
            answer = ("memory", "MemoryError")
        except BaseException as error:  # read_mail never raises; this is a bug, say so
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            connection.send(answer)
        except MemoryError:
            connection.send(("memory", "MemoryError while sending the result"))
        except (BrokenPipeError, OSError):
            os._exit(0)


def _limit_memory(extra_bytes: int) -> None:
    """Cap the child's address space at what it has now plus ``extra_bytes``."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        limit = current + extra_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):  # not Linux: the time budget still holds
        log.debug("no memory ceiling for the understanding child")
