"""What one SMTP client may take of the receiver: connections, time, commands, memory.

Measured before (issue 10): 200 connections sending NOOP every minute stayed
open forever (aiosmtpd's idle timeout restarts at every command), and 8
parallel 40 MB mails took the receiver to 440 MB before their 552, aiosmtpd
keeping each DATA line as its own ``bytearray`` until the size limit.

* ``Admission``: at most ``smtp_max_connections`` at once and
  ``smtp_max_connections_per_client`` per client address; a connection over
  a cap gets ``421 4.7.0`` and is closed before any command is read;
* a session lasts at most ``smtp_max_session_seconds`` (``421 4.4.2``, then
  closed), whatever it sends; each command may come ``smtp_max_commands``
  times a session (idle ones such as NOOP far fewer): aiosmtpd's own
  ``command_call_limit`` answers ``421`` and closes;
* DATA (``smtp_DATA`` below, replacing aiosmtpd's): one buffer per mail, and
  every byte buffered by any session is taken from one ``DataBudget``
  (``smtp_data_memory_bytes``). Over the mail limit the buffer is dropped at
  once and the rest only counted (``552``); over the shared budget likewise,
  answered ``451 4.3.1`` so the sender retries later. A mail that declares
  ``SIZE=`` over the limit is refused at MAIL FROM by aiosmtpd already.

Why ``smtp_DATA`` is written here rather than configured: aiosmtpd has no
hook between reading the lines and buffering them, and its buffer is what
had to change; the SMTP rules kept are the same (dot-unstuffing, the
1,000-octet line limit, the post-DATA reset).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

from aiosmtpd.smtp import MISSING as _MISSING

log = logging.getLogger(__name__)

TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections, try again later (trop de connexions, reessayez plus tard)"
SESSION_TOO_LONG = "421 4.4.2 Session too long, closing (session trop longue)"
BUSY = "451 4.3.1 Receiver busy, please retry (serveur occupe, reessayez plus tard)"
LINE_TOO_LONG = "500 5.5.2 Line too long, see RFC 5321 4.5.3.1.6 (ligne trop longue)"
#: Commands a well-behaved client sends a few times a session at most.
IDLE_COMMANDS = ("NOOP", "HELP", "VRFY", "EXPN", "HELO", "EHLO", "LHLO", "RSET", "STARTTLS", "AUTH")
IDLE_COMMAND_LIMIT = 20


def command_call_limit(max_commands: int) -> dict[str, int]:
    """aiosmtpd's ``command_call_limit``: ``max_commands`` per command, idle ones ``IDLE_COMMAND_LIMIT``."""
    limits = {"*": max_commands}
    limits.update({name: min(IDLE_COMMAND_LIMIT, max_commands) for name in IDLE_COMMANDS})
    return limits


@dataclass
class Admission:
    """Open connections, in total and per client address (one receiver, its event loop)."""

    max_total: int
    max_per_client: int
    total: int = 0
    per_client: dict[str, int] = field(default_factory=dict)

    def enter(self, client: str) -> bool:
        if self.total >= self.max_total or self.per_client.get(client, 0) >= self.max_per_client:
            return False
        self.total += 1
        self.per_client[client] = self.per_client.get(client, 0) + 1
        return True

    def leave(self, client: str) -> None:
        self.total -= 1
        left = self.per_client.get(client, 1) - 1
        if left:
            self.per_client[client] = left
        else:
            self.per_client.pop(client, None)


@dataclass
class DataBudget:
    """Bytes of DATA buffered by all sessions together."""

    limit: int
    used: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, size: int) -> bool:
        with self.lock:
            if self.used + size > self.limit:
                return False
            self.used += size
            return True

    def give(self, size: int) -> None:
        with self.lock:
            self.used -= size


class SessionLimits:
    """Mixin for aiosmtpd's ``SMTP``/``LMTP``: the caps above. ``admission`` and ``budget`` are set by the factory."""

    admission: Admission | None = None
    budget: DataBudget | None = None
    max_session_seconds: float = 600.0
    _admitted_as: str | None = None
    _session_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        if self._admitted_as is not None or self.admission is None:  # STARTTLS calls this again
            return super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if peer else ""
        if not self.admission.enter(client):
            log.warning("refused a connection from %s: connection caps reached", client)
            self._refused = True
            transport.write(TOO_MANY_CONNECTIONS.encode("ascii") + b"\r\n")
            transport.close()
            return None
        self._admitted_as = client
        self._session_timer = asyncio.get_running_loop().call_later(self.max_session_seconds, self._end_session)
        return super().connection_made(transport)

    def connection_lost(self, error) -> None:
        if getattr(self, "_refused", False):
            return None
        if self._admitted_as is not None and self.admission is not None:
            self.admission.leave(self._admitted_as)
            self._admitted_as = None
        if self._session_timer is not None:
            self._session_timer.cancel()
        return super().connection_lost(error)

    def eof_received(self):
        if getattr(self, "_refused", False):
            return False
        return super().eof_received()

    def _end_session(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        log.info("closing a session after %s s", self.max_session_seconds)
        transport.write(SESSION_TOO_LONG.encode("ascii") + b"\r\n")
        transport.close()

    # --- DATA ---------------------------------------------------------------------

    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        reader = _DataReader(self.data_size_limit, self.line_length_limit, self.budget)
        try:
            await reader.read(self._reader, lambda: self.transport is not None)
            if reader.refusal is not None:
                self._set_post_data_state()
                await self.push(reader.refusal if reader.refusal != "too big" else "552 Error: Too much mail data")
                return
            content = reader.content()
            self.envelope.content = self.envelope.original_content = content
            status = await self._call_handler_hook("DATA")
        finally:
            reader.release()
        self._set_post_data_state()
        await self.push("250 OK" if status is _MISSING else status)


class _DataReader:
    """Read one DATA section into one buffer, under the mail limit and the shared budget."""

    def __init__(self, limit: int | None, line_limit: int, budget: DataBudget | None):
        self.limit = limit
        self.line_limit = line_limit
        self.budget = budget
        self.buffer = bytearray()
        self.taken = 0
        self.size = 0
        self.refusal: str | None = None

    async def read(self, stream: asyncio.StreamReader, connected) -> None:
        line_start = True
        line_length = 0
        while connected():
            try:
                chunk = await stream.readuntil(b"\r\n")
            except asyncio.LimitOverrunError as error:  # part of a line longer than the stream's buffer
                chunk = await stream.read(error.consumed)
            complete = chunk.endswith(b"\r\n")
            if line_start and complete and chunk == b".\r\n":
                return
            line_length += len(chunk)
            if line_length > self.line_limit and self.refusal is None:
                self._refuse(LINE_TOO_LONG)
            if line_start and chunk.startswith(b"."):
                chunk = chunk[1:]  # dot-unstuffing (RFC 5321 4.5.2)
            self._keep(chunk)
            line_start = complete
            if complete:
                line_length = 0

    def _keep(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.refusal is not None:
            return
        if self.limit and self.size > self.limit:
            self._refuse("too big")
        elif self.budget is not None and not self.budget.take(len(chunk)):
            log.warning("DATA memory budget of %s bytes used up: answering 451", self.budget.limit)
            self._refuse(BUSY)
        else:
            self.taken += len(chunk) if self.budget is not None else 0
            self.buffer += chunk

    def _refuse(self, refusal: str) -> None:
        self.refusal = refusal
        self.buffer = bytearray()  # drop what was kept at once; the rest is only counted
        self.release()

    def content(self) -> bytes:
        content = bytes(self.buffer)
        self.buffer = bytearray()
        return content

    def release(self) -> None:
        if self.budget is not None and self.taken:
            self.budget.give(self.taken)
        self.taken = 0
