"""The IMAP receiver: take mail from a mailbox into the spool, then move it away.

For administrations whose A+ address is a mailbox on their Exchange, Zimbra
or Dovecot, reachable only by IMAP. The acknowledgement is the move: a mail
goes to the "processed" folder (``Traités`` by default; MOVE, or COPY +
``\\Deleted`` + EXPUNGE where the server has no MOVE; or, by setting, it is
only flagged) strictly *after* its raw bytes are committed to the spool. It
is never deleted.

Exactly once, whatever happens (see ``gateway.inbound.imap_state``):
- a crash between store and move: the arrival row says the mail is stored,
  the next poll only moves it;
- a UIDVALIDITY change: the scan starts again and the mails already stored
  are recognised by their bytes;
- two pollers on one mailbox: a lease in the database, checked again in the
  transaction that stores;
- the server going away: reconnect with backoff; a mail the server sends
  shorter than it announced (RFC822.SIZE) is not stored, and tried again.

A mail larger than ``max_message_bytes`` is left on the server, flagged
``\\Flagged``, logged and listed by ``imap_state.problems`` (``/healthz``).

The spool rows are written by ``spool.insert_arrivals``, the one INSERT every
receiver uses, inside the transaction that also records the arrivals (the
asynchronous ``SpoolWriter`` is the SMTP receiver's group commit; a poller
already stores a whole batch per commit).

New mail is awaited with IDLE (RFC 2177), or by polling every
``poll_seconds`` on servers without it. imapclient encodes folder names in
modified UTF-7, so ``Traités`` works as written.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from typing import Iterator

from imapclient import IMAPClient

from gateway import addresses
from gateway.config import Settings
from gateway.doorbell import Doorbell
from gateway.inbound import imap_state
from gateway.inbound.imap_config import MailboxConfig
from gateway.inbound.imap_state import LeaseLost, Taken
from gateway.storage.db import Database
from gateway.storage.spool import Arrival

log = logging.getLogger(__name__)

#: Mails fetched, stored (one commit) and moved together...
BATCH = 100
#: ...as long as their bytes stay under this (what one fetch holds in memory).
BATCH_BYTES = 32 * 1024 * 1024
#: The keyword of a processed mail in "flag" mode (the mail stays where it is).
DONE_KEYWORD = "$AplusTraite"
#: Reconnection pauses: 1 s, doubling up to this.
MAX_BACKOFF_SECONDS = 300.0


@dataclass
class PollReport:
    """What one pass over a mailbox did."""

    stored: int = 0  # new spool rows
    acknowledged: int = 0  # moved (or flagged) on the server
    left: list[int] = field(default_factory=list)  # UIDs left on the server (too big, incomplete)
    last_uid: int = 0  # the highest UID looked at
    leased: bool = False  # False: another poller holds the mailbox, nothing was done


class MailboxPoller:
    """Polls one folder of one account; ``poll_once`` for ``aplus imap --once``, ``run`` for a worker."""

    def __init__(self, database: Database, settings: Settings, config: MailboxConfig, *,
                 doorbell: Doorbell | None = None, owner: str | None = None) -> None:
        self.database = database
        self.settings = settings
        self.config = config
        self.doorbell = doorbell
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.box = imap_state.mailbox_id(database, config.key)

    # -- connection ---------------------------------------------------------------

    @contextmanager
    def connected(self) -> Iterator[IMAPClient]:
        """A logged-in client with the folder selected; logs out (and gives the lease back) at the end."""
        client = self._login()
        try:
            yield client
        finally:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                pass

    def _login(self) -> IMAPClient:
        config = self.config
        if config.security == "none" and config.host not in ("127.0.0.1", "::1", "localhost"):
            log.warning("mailbox %s: logging in without TLS to a host that is not this machine", config.key)
        context = ssl.create_default_context(cafile=config.ca_file or None)
        client = IMAPClient(config.host, port=config.effective_port, ssl=config.security == "tls",
                            ssl_context=context, timeout=config.timeout)
        try:
            if config.security == "starttls":
                client.starttls(context)
            if config.auth == "xoauth2":
                client.oauth2_login(config.user, config.secret())
            else:
                client.login(config.user, config.secret())
        except Exception:
            client.shutdown()
            raise
        return client

    # -- one pass -------------------------------------------------------------------

    def poll_once(self) -> PollReport:
        """Connect, take what waits, move it, log out, give the lease back. Without the lease, does nothing."""
        try:
            with self.connected() as client:
                return self.poll(client)
        finally:
            _quietly(imap_state.release_lease, self.database, self.box, self.owner)

    def poll(self, client: IMAPClient) -> PollReport:
        """One pass on a connected client: finish earlier moves, then take the new mail."""
        report = PollReport()
        if not imap_state.take_lease(self.database, self.box, self.owner, self.config.lease_seconds):
            log.info("mailbox %s is polled by another process; waiting", self.config.key)
            return report
        report.leased = True
        uidvalidity = int(client.select_folder(self.config.folder)[b"UIDVALIDITY"])
        last_uid, changed = imap_state.observe_uidvalidity(self.database, self.box, uidvalidity)
        if changed:
            log.warning("mailbox %s: UIDVALIDITY changed; scanning it again (stored mail is recognised)",
                        self.config.key)
        self._ensure_done_folder(client)
        pending = imap_state.unacknowledged(self.database, self.box, uidvalidity)
        report.acknowledged += self._acknowledge(client, uidvalidity, pending)
        candidates = sorted(set(self._new_uids(client, last_uid))
                            | set(imap_state.retryable(self.database, self.box, uidvalidity)))
        report.last_uid = max([last_uid, *candidates])
        for start in range(0, len(candidates), BATCH):
            if not imap_state.take_lease(self.database, self.box, self.owner, self.config.lease_seconds):
                break
            self._take_batch(client, uidvalidity, candidates[start:start + BATCH], report)
        return report

    def _new_uids(self, client: IMAPClient, last_uid: int) -> list[int]:
        criteria: list = ["UID", f"{last_uid + 1}:*"]
        if self.config.done_action == "flag":
            criteria += ["UNKEYWORD", DONE_KEYWORD]
        # "n:*" always matches the last mail, even when its UID is below n
        return [uid for uid in client.search(criteria) if uid > last_uid]

    def _take_batch(self, client: IMAPClient, uidvalidity: int, uids: list[int], report: PollReport) -> None:
        sizes = {uid: data.get(b"RFC822.SIZE", 0) for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()}
        wanted = [uid for uid in uids if uid in sizes]
        too_big = [uid for uid in wanted if sizes[uid] > self.settings.max_message_bytes]
        for uid in too_big:
            self._leave_too_big(client, uidvalidity, uid, sizes[uid])
        report.left += too_big
        fetchable = [uid for uid in wanted if uid not in too_big]
        taken = [mail for group in _by_size(fetchable, sizes, BATCH_BYTES)
                 for mail in self._fetch_whole(client, uidvalidity, group, sizes, report)]
        if not wanted:
            return
        try:
            ids = imap_state.store(self.database, self.box, self.owner, uidvalidity, taken, max(wanted))
        except LeaseLost:
            log.warning("mailbox %s: lease lost before storing; another poller takes over", self.config.key)
            return
        report.stored += len(ids)
        if ids and self.doorbell is not None:
            self.doorbell.ring()
        report.acknowledged += self._acknowledge(client, uidvalidity, [mail.uid for mail in taken])

    def _fetch_whole(self, client: IMAPClient, uidvalidity: int, uids: list[int], sizes: dict[int, int],
                     report: PollReport) -> list[Taken]:
        """The raw bytes of each mail, only when the server sent as many bytes as it announced."""
        taken = []
        for uid, data in client.fetch(uids, ["BODY.PEEK[]"]).items():
            raw = data.get(b"BODY[]")
            announced = sizes.get(uid, 0)
            if raw is None or len(raw) != announced:
                self._note_incomplete(client, uidvalidity, uid, announced, 0 if raw is None else len(raw))
                report.left.append(uid)
                continue
            taken.append(Taken(uid, raw, self._arrival(raw)))
        return taken

    def _arrival(self, raw: bytes) -> Arrival:
        """The envelope IMAP lost, rebuilt from the headers: Return-Path, and our addresses among the recipients."""
        headers = BytesHeaderParser().parsebytes(raw)
        sender = parseaddr(str(headers.get("Return-Path", "") or ""))[1]
        fields = [str(value) for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
                  for value in headers.get_all(name, [])]
        ours = [address for _, address in getaddresses(fields)
                if address and addresses.split_address(address)[1] == self.settings.domain]
        recipients = tuple(dict.fromkeys(address.lower() for address in ours)) or (self.settings.address,)
        # No peer: the sending server's address is not known over IMAP, and the IMAP server's would make SPF
        # judge the wrong host (the sender is then checked by DKIM, or by the mailbox server's
        # Authentication-Results when APLUS_TRUSTED_AUTHSERV_ID names it). The arrival row names the mailbox.
        return Arrival(raw, sender, recipients, "imap", "")

    # -- the acknowledgement ------------------------------------------------------------

    def _ensure_done_folder(self, client: IMAPClient) -> None:
        if self.config.done_action != "move" or client.folder_exists(self.config.done_folder):
            return
        log.info("mailbox %s: creating folder %s", self.config.key, self.config.done_folder)
        try:
            client.create_folder(self.config.done_folder)
        except Exception:  # noqa: BLE001 - another poller may have created it meanwhile
            if not client.folder_exists(self.config.done_folder):
                raise
        try:
            client.subscribe_folder(self.config.done_folder)  # so people see it in their mail client
        except Exception:  # noqa: BLE001 - subscription is a courtesy
            pass

    def _acknowledge(self, client: IMAPClient, uidvalidity: int, uids: list[int]) -> int:
        """Move (or flag) mails whose bytes are committed; recorded so a crash only repeats the move."""
        if not uids:
            return 0
        if self.config.done_action == "flag":
            client.add_flags(uids, [DONE_KEYWORD])
        elif client.has_capability("MOVE"):
            client.move(uids, self.config.done_folder)
        else:
            client.copy(uids, self.config.done_folder)
            client.delete_messages(uids)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(uids)
            else:
                client.expunge()
        imap_state.mark_acknowledged(self.database, self.box, uidvalidity, uids)
        return len(uids)

    def _leave_too_big(self, client: IMAPClient, uidvalidity: int, uid: int, size: int) -> None:
        limit = self.settings.max_message_bytes
        reason = (f"Message trop volumineux ({size} octets, limite {limit}) : laissé sur le serveur "
                  f"dans {self.config.folder}, marqué d'un drapeau.")
        log.warning("mailbox %s: mail UID %s is %s bytes, over the %s-byte limit: left on the server, flagged",
                    self.config.key, uid, size, limit)
        client.add_flags([uid], [b"\\Flagged"])
        imap_state.record_problem(self.database, self.box, uidvalidity, uid, kind="too_big", size=size, reason=reason)

    def _note_incomplete(self, client: IMAPClient, uidvalidity: int, uid: int, announced: int, received: int) -> None:
        reason = (f"Le serveur n'a envoyé que {received} octets sur {announced} : message laissé sur le serveur, "
                  "nouvel essai au prochain relevé.")
        attempts = imap_state.record_problem(self.database, self.box, uidvalidity, uid, kind="incomplete",
                                             size=announced, reason=reason)
        log.warning("mailbox %s: mail UID %s came incomplete (%s of %s bytes), attempt %s; not stored",
                    self.config.key, uid, received, announced, attempts)
        if attempts >= imap_state.INCOMPLETE_ATTEMPTS:
            client.add_flags([uid], [b"\\Flagged"])

    # -- the long-running worker ----------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop``: IDLE (or sleep) between passes, reconnect with backoff on any failure."""
        backoff = 1.0
        while not stop.is_set():
            try:
                with self.connected() as client:
                    backoff = 1.0
                    while not stop.is_set():
                        report = self.poll(client)
                        if not report.leased:
                            stop.wait(self.config.lease_seconds / 3)  # the holder may have died: its lease runs out
                            client.noop()
                        elif not self._arrived_meanwhile(client, report):
                            self._wait_for_mail(client, stop)
            except Exception as error:  # noqa: BLE001 - a server or database outage must not end the worker
                log.warning("mailbox %s: %s: %s; reconnecting in %.0f s", self.config.key,
                            error.__class__.__name__, error, backoff)
                _quietly(imap_state.record_error, self.database, self.box, f"{error.__class__.__name__}: {error}")
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        _quietly(imap_state.release_lease, self.database, self.box, self.owner)

    def _arrived_meanwhile(self, client: IMAPClient, report: PollReport) -> bool:
        """Mail that came during the pass: its EXISTS may already be spent, IDLE would not announce it again."""
        return bool(self._new_uids(client, report.last_uid))

    def _wait_for_mail(self, client: IMAPClient, stop: threading.Event) -> None:
        """Until the server announces mail (IDLE) or the poll interval passes; short enough to renew the lease."""
        longest = min(self.config.idle_seconds, self.config.lease_seconds / 3)
        if not client.has_capability("IDLE"):
            stop.wait(min(self.config.poll_seconds, longest))
            client.noop()
            return
        deadline = time.monotonic() + longest
        client.idle()
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                if client.idle_check(timeout=min(1.0, max(0.0, deadline - time.monotonic()))):
                    break
        finally:
            client.idle_done()


def _by_size(uids: list[int], sizes: dict[int, int], budget: int) -> Iterator[list[int]]:
    """Consecutive groups of UIDs whose announced sizes add up to at most ``budget`` (at least one each)."""
    group: list[int] = []
    total = 0
    for uid in uids:
        if group and total + sizes[uid] > budget:
            yield group
            group, total = [], 0
        group.append(uid)
        total += sizes[uid]
    if group:
        yield group


def _quietly(function, *args) -> None:
    try:
        function(*args)
    except Exception:  # noqa: BLE001 - bookkeeping while the database itself may be down
        log.debug("could not record IMAP state", exc_info=True)


def run_pollers(database: Database, settings: Settings, configs: list[MailboxConfig], stop: threading.Event, *,
                doorbell: Doorbell | None = None) -> None:
    """One thread per mailbox until ``stop`` (the ``imap`` worker of ``aplus run``, and ``aplus imap``)."""
    threads = []
    for config in configs:
        poller = MailboxPoller(database, settings, config, doorbell=doorbell)
        thread = threading.Thread(target=poller.run, args=(stop,), name=f"imap-{config.key}", daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
