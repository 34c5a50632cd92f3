"""The SMTP (or LMTP) receiver: cheap checks at RCPT, spool before 250.

``handle_RCPT`` refuses what we would never accept (other domains, unknown
local parts, forged reply tokens) with ``550 5.1.1`` so nothing is stored for
it; ``handle_DATA`` commits the raw mail to the spool (with the mails that
arrived at the same time, see ``spool_writer``) and only then answers 250. When the spool cannot be written (database down) the answer is
``451 4.3.0``: the sending server keeps the mail and retries, so nothing is
lost. Replies are ASCII (RFC 5321) with a French gloss for people reading a
bounce.
"""

from __future__ import annotations

import logging
import os
import re
from contextlib import nullcontext

from aiosmtpd.controller import Controller, UnixSocketController
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from gateway import addresses
from gateway.config import Settings
from gateway.storage.db import Database
from gateway.doorbell import Doorbell
from gateway.storage.spool import Arrival
from gateway.inbound.smtp_limits import Admission, DataBudget, SessionLimits, command_call_limit
from gateway.inbound.spool_writer import SpoolWriter

log = logging.getLogger(__name__)

OK = "250 2.1.5 OK"
UNKNOWN_RECIPIENT = "550 5.1.1 Unknown recipient (destinataire inconnu)"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please retry (erreur temporaire, reessayez plus tard)"


def too_big_reply(limit: int) -> str:
    return f"552 5.3.4 Message too big: the limit is {limit} bytes (message trop volumineux, limite {limit} octets)"


def accepted_reply(spool_id: int) -> str:
    return f"250 2.0.0 Accepted as {spool_id} (message recu)"


def is_acceptable_recipient(settings: Settings, address: str) -> bool:
    """Our public address, postmaster, or one of our addresses with a valid MAC."""
    if addresses.is_public_address(settings, address) or addresses.is_postmaster(settings, address):
        return True
    extension = addresses.extension_of(settings, address)
    if extension is None:
        return False
    if addresses.verify_token(settings, extension) is not None:
        return True
    return is_valid_bounce_address(settings, address)


def is_valid_bounce_address(settings: Settings, address: str) -> bool:
    from gateway.understand.verp import parse_verp

    return parse_verp(address, settings.secret) is not None


class GatewayHandler:
    """aiosmtpd handler: the two hooks that decide what enters the spool."""

    def __init__(self, database: Database, settings: Settings, *, source: str = "smtp", doorbell: Doorbell | None = None) -> None:
        self.settings = settings
        self.source = source
        self.doorbell = doorbell
        self.database = database

    @property
    def database(self) -> Database:
        return self.writer.database

    @database.setter
    def database(self, database: Database) -> None:
        """Point the receiver at another database (tests simulate an outage this way)."""
        self.writer = SpoolWriter(database)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not is_acceptable_recipient(self.settings, address):
            log.info("refused recipient at RCPT (%s)", addresses.split_address(address)[1])
            return UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        return OK

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        if len(raw) > self.settings.max_message_bytes:
            return too_big_reply(self.settings.max_message_bytes)
        peer = str(session.peer[0]) if session.peer else ""
        with self.doorbell.arriving() if self.doorbell else nullcontext():
            try:
                spool_id = await self.writer.enqueue(
                    Arrival(raw, envelope.mail_from or "", tuple(envelope.rcpt_tos), self.source, peer)
                )
            except Exception:
                log.exception("could not spool a mail; answering 451 so the sender retries")
                return self._per_recipient(envelope, TEMPORARY_FAILURE)
        return self._per_recipient(envelope, accepted_reply(spool_id))

    def _per_recipient(self, envelope, reply: str) -> str:
        """LMTP answers DATA once per accepted recipient (RFC 2033 §4.2); SMTP once.

        The recipients refused at RCPT already had their 550, so a mail to a
        valid and a forged token address gets 250 for one and 550 for the other.
        """
        if self.source != "lmtp":
            return reply
        return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))


#: ``<local@domain>`` with a dot-atom local part and a plain domain, then the
#: command's parameters: what nearly every MAIL FROM and RCPT TO looks like.
_PLAIN_PATH = re.compile(
    r"<([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>[ \t]*((?:[^(\s].*)?)",
    re.DOTALL,
)


class _PlainPaths:
    """Read a plain ``<local@domain>`` path without the e-mail header parser.

    aiosmtpd reads the path of MAIL FROM and RCPT TO with the standard
    library's RFC 5322 header parser (and defines a ``typing.Protocol`` class
    on each call); measured with py-spy during ``benchmarks/ingest.py``'s
    burst, that was 31 % of the receiver's CPU. A path of the plain shape is
    read here with one regular expression, giving exactly what aiosmtpd gives
    (``tests/engine/test_smtp_paths.py`` checks the two agree); anything else
    (quoted local parts, source routes, comments, address literals, UTF-8)
    still goes to aiosmtpd's parser. A path that makes that parser crash
    (it raises IndexError on ``"``, and aiosmtpd then answers a bare
    ``500 Error: (IndexError)``) is answered as the syntax error it is.
    """

    def _getaddr(self, arg: str):
        plain = _PLAIN_PATH.fullmatch(arg) if arg else None
        if plain is None:
            try:
                return super()._getaddr(arg)
            except Exception:  # noqa: BLE001 - the header parser crashes on some paths (IndexError on '"')
                log.info("unreadable SMTP path %r: answered as a syntax error", arg[:100])
                return None, None
        address, rest = plain.groups()
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, rest


class _LimitReplies:
    """Rewrite aiosmtpd's fixed size-limit replies into ``552 5.3.4`` with the limit."""

    async def push(self, status: str):
        if status.startswith("552 Error"):
            status = too_big_reply(self.data_size_limit)
            if isinstance(self, LMTP) and self.envelope is not None and len(self.envelope.rcpt_tos) > 1:
                status = "\r\n".join([status] * len(self.envelope.rcpt_tos))  # one per recipient in LMTP
        return await super().push(status)


class GatewaySMTP(_PlainPaths, _LimitReplies, SessionLimits, SMTP):
    pass


class GatewayLMTP(_PlainPaths, _LimitReplies, SessionLimits, LMTP):
    pass


class GatewayController(Controller):
    """A threaded aiosmtpd server speaking SMTP, or LMTP for a Postfix front end."""

    def __init__(self, database: Database, settings: Settings, *, host: str | None = None, port: int | None = None,
                 doorbell: Doorbell | None = None):
        self.lmtp = settings.lmtp
        handler = GatewayHandler(database, settings, source="lmtp" if settings.lmtp else "smtp", doorbell=doorbell)
        super().__init__(
            handler,
            loop=_event_loop(),
            hostname=host or settings.smtp_host,
            port=settings.smtp_port if port is None else port,
            data_size_limit=settings.max_message_bytes,
            server_hostname=settings.domain,
            ident="A+ passerelle",
            command_call_limit=command_call_limit(settings.smtp_max_commands),
        )
        _share_caps(self, settings)

    def factory(self):
        server_class = GatewayLMTP if self.lmtp else GatewaySMTP
        server = server_class(self.handler, **self.SMTP_kwargs)
        server.admission, server.budget, server.max_session_seconds = self.admission, self.budget, self.max_session_seconds
        return server


class GatewaySocketController(UnixSocketController):
    """The same receiver on a UNIX socket: how Postfix usually reaches a local LMTP server.

    The socket is made writable by every local user (mode 0666) so that
    Postfix's ``lmtp`` client, which runs as the ``postfix`` user, can
    connect; put it in a directory whose permissions say who may.
    """

    def __init__(self, database: Database, settings: Settings, path: str, *, doorbell: Doorbell | None = None):
        self.lmtp = settings.lmtp
        handler = GatewayHandler(database, settings, source="lmtp" if settings.lmtp else "smtp", doorbell=doorbell)
        super().__init__(
            handler,
            unix_socket=path,
            loop=_event_loop(),
            data_size_limit=settings.max_message_bytes,
            server_hostname=settings.domain,
            ident="A+ passerelle",
            command_call_limit=command_call_limit(settings.smtp_max_commands),
        )
        _share_caps(self, settings)

    factory = GatewayController.factory

    def start(self) -> None:
        super().start()
        os.chmod(self.unix_socket, 0o666)



def _share_caps(controller, settings: Settings) -> None:
    """The caps shared by the sessions of one receiver (``gateway.inbound.smtp_limits``)."""
    controller.admission = Admission(settings.smtp_max_connections, settings.smtp_max_connections_per_client)
    controller.budget = DataBudget(settings.smtp_data_memory_bytes)
    controller.max_session_seconds = settings.smtp_max_session_seconds


def _event_loop():
    """The receiver's event loop: uvloop.

    The receiver spends most of its time in asyncio's protocol machinery
    (aiosmtpd's parsing, socket writes, the selector). Measured with
    ``benchmarks/ingest.py``'s burst (1000 mails, 8 connections), the receiver
    alone went from 0.78-0.88 of the bare-aiosmtpd baseline on the default
    loop to 0.96-1.13 on uvloop, a maintained drop-in loop.
    """
    import uvloop

    return uvloop.new_event_loop()
