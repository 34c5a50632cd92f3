"""The IMAP poller's memory in the database: lease, UIDVALIDITY, arrivals, problems.

Why in the database and not in a file: several ``aplus`` processes (on
several machines with PostgreSQL) may be configured with the same mailbox;
the lease (``take_lease``) lets one of them poll at a time, and the spool row
and its arrival row are written in one transaction (``store``) that also
checks the lease is still ours, so a mail is stored once even when two
pollers race. Leases are plain ``UPDATE ... WHERE`` statements, which behave
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from gateway.models import ImapArrival, ImapMailbox, ImapProblem, utcnow
from gateway.storage import spool
from gateway.storage.db import Database
from gateway.storage.spool import Arrival

#: A mail the server sent shorter than it announced is tried this many times, then left there and reported.
INCOMPLETE_ATTEMPTS = 3


class LeaseLost(RuntimeError):
    """Another poller holds the mailbox now: this one must stop before storing anything."""


@dataclass(frozen=True)
class Taken:
    """One mail fetched whole from the server, ready to be stored."""

    uid: int
    raw: bytes
    arrival: Arrival


@dataclass(frozen=True)
class MailboxState:
    """How a polled mailbox is doing, for ``/healthz``: an empty ``last_error`` means its last pass worked."""

    mailbox: str
    last_poll_at: datetime | None
    last_error: str
    uidvalidity: int | None
    last_uid: int


@dataclass(frozen=True)
class MailboxProblem:
    """A mail left on the server, for the log and ``/healthz``."""

    mailbox: str
    uid: int
    kind: str  # "too_big" or "incomplete"
    size: int
    attempts: int
    reason: str  # French
    reported_at: datetime


def mailbox_id(database: Database, key: str) -> int:
    """The row of this mailbox, created on first use (two processes may race: the unique key decides)."""
    for _ in range(2):
        with database.begin() as session:
            found = session.scalar(select(ImapMailbox.id).where(ImapMailbox.key == key))
            if found is not None:
                return found
        try:
            with database.begin() as session:
                row = ImapMailbox(key=key, last_uid=0, lease_owner="", last_error="")
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            continue
    raise RuntimeError(f"cannot create the state row of mailbox {key}")


def take_lease(database: Database, box: int, owner: str, seconds: float) -> bool:
    """Take or renew the mailbox's lease; False when another live poller holds it."""
    now = utcnow()
    with database.transaction() as connection:
        result = connection.execute(
            update(ImapMailbox)
            .where(ImapMailbox.id == box,
                   or_(ImapMailbox.lease_owner == owner, ImapMailbox.lease_owner == "",
                       ImapMailbox.lease_until.is_(None), ImapMailbox.lease_until < now))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
        )
    return result.rowcount == 1


def release_lease(database: Database, box: int, owner: str) -> None:
    with database.transaction() as connection:
        connection.execute(update(ImapMailbox).where(ImapMailbox.id == box, ImapMailbox.lease_owner == owner)
                           .values(lease_owner="", lease_until=None))


def observe_uidvalidity(database: Database, box: int, uidvalidity: int) -> tuple[int, bool]:
    """The last UID stored under this UIDVALIDITY, and whether the UIDVALIDITY changed.

    A new UIDVALIDITY means every UID of the folder may now name another mail:
    the scan starts again from UID 1, and the mails already stored are
    recognised by their bytes (``store``), never stored twice.
    """
    with database.begin() as session:
        row = session.get_one(ImapMailbox, box)
        changed = row.uidvalidity is not None and row.uidvalidity != uidvalidity
        if row.uidvalidity != uidvalidity:
            row.uidvalidity, row.last_uid = uidvalidity, 0
        row.last_poll_at, row.last_error = utcnow(), ""  # connected and logged in: the last error is over
        return row.last_uid, changed


def unacknowledged(database: Database, box: int, uidvalidity: int) -> list[int]:
    """UIDs stored in the spool but not yet moved (or flagged): a crash came between the two."""
    with database.begin() as session:
        return list(session.scalars(
            select(ImapArrival.uid).where(ImapArrival.mailbox_id == box, ImapArrival.uidvalidity == uidvalidity,
                                          ImapArrival.acknowledged.is_(False)).order_by(ImapArrival.uid)))


def retryable(database: Database, box: int, uidvalidity: int) -> list[int]:
    """UIDs the server once sent incomplete and that deserve another try."""
    with database.begin() as session:
        return list(session.scalars(
            select(ImapProblem.uid).where(ImapProblem.mailbox_id == box, ImapProblem.uidvalidity == uidvalidity,
                                          ImapProblem.kind == "incomplete",
                                          ImapProblem.attempts < INCOMPLETE_ATTEMPTS)))


def store(database: Database, box: int, owner: str, uidvalidity: int, taken: list[Taken], last_uid: int) -> list[int]:
    """Commit the fetched mails to the spool with their arrivals, in one durable transaction.

    A mail whose UID is already recorded, or whose bytes this mailbox already
    gave (the same mail under a new UIDVALIDITY), gets no new spool row, only
    its arrival. Returns the new spool ids. Raises ``LeaseLost`` (and commits
    nothing) when the lease is no longer ours.
    """
    with database.begin(durable=True) as session:
        connection = session.connection()
        renewed = connection.execute(
            update(ImapMailbox)
            .where(ImapMailbox.id == box, ImapMailbox.lease_owner == owner, ImapMailbox.lease_until >= utcnow())
            .values(last_uid=func.max(ImapMailbox.last_uid, last_uid) if database.engine.dialect.name == "sqlite"
                    else func.greatest(ImapMailbox.last_uid, last_uid))
        )
        if renewed.rowcount != 1:
            raise LeaseLost(f"mailbox {box}: the lease went to another poller")
        fresh, known = _split_known(session, box, uidvalidity, taken)
        ids = spool.insert_arrivals(connection, [mail.arrival for mail in fresh]) if fresh else []
        rows = [_arrival_row(box, uidvalidity, mail, inbound_id) for mail, inbound_id in zip(fresh, ids)]
        rows += [_arrival_row(box, uidvalidity, mail, inbound_id) for mail, inbound_id in known]
        if rows:
            connection.execute(insert(ImapArrival), rows)
        if taken:  # a once-incomplete mail that came whole is no longer a problem
            connection.execute(delete(ImapProblem).where(
                ImapProblem.mailbox_id == box, ImapProblem.uidvalidity == uidvalidity,
                ImapProblem.uid.in_([mail.uid for mail in taken])))
        return ids


def _split_known(session, box: int, uidvalidity: int, taken: list[Taken]):
    """The mails new to the spool, and the ones this mailbox already gave (with their spool id)."""
    recorded = set(session.scalars(select(ImapArrival.uid).where(
        ImapArrival.mailbox_id == box, ImapArrival.uidvalidity == uidvalidity,
        ImapArrival.uid.in_([mail.uid for mail in taken]))))
    digests = {mail.uid: hashlib.sha256(mail.raw).hexdigest() for mail in taken}
    seen = dict(session.execute(select(ImapArrival.sha256, ImapArrival.inbound_id).where(
        ImapArrival.mailbox_id == box, ImapArrival.sha256.in_(set(digests.values())))).all())
    fresh, known = [], []
    for mail in taken:
        if mail.uid in recorded:
            continue
        digest = digests[mail.uid]
        if digest in seen:
            known.append((mail, seen[digest]))
        else:
            seen[digest] = None  # the same bytes twice in one batch: store the first only
            fresh.append(mail)
    # a duplicate of a mail fresh in this very batch points at no spool id; that is fine (it is its arrival only)
    return fresh, known


def _arrival_row(box: int, uidvalidity: int, mail: Taken, inbound_id: int | None) -> dict:
    return {"mailbox_id": box, "uidvalidity": uidvalidity, "uid": mail.uid, "inbound_id": inbound_id,
            "sha256": hashlib.sha256(mail.raw).hexdigest(), "acknowledged": False, "stored_at": utcnow()}


def mark_acknowledged(database: Database, box: int, uidvalidity: int, uids: list[int]) -> None:
    """The server moved (or flagged) these mails: nothing more to do for them."""
    if not uids:
        return
    with database.transaction() as connection:
        connection.execute(update(ImapArrival).where(
            ImapArrival.mailbox_id == box, ImapArrival.uidvalidity == uidvalidity, ImapArrival.uid.in_(uids),
        ).values(acknowledged=True))


def record_problem(database: Database, box: int, uidvalidity: int, uid: int, *, kind: str, size: int,
                   reason: str) -> int:
    """Remember a mail left on the server; returns how many times it happened (for incomplete mails)."""
    with database.begin() as session:
        row = session.scalar(select(ImapProblem).where(
            ImapProblem.mailbox_id == box, ImapProblem.uidvalidity == uidvalidity, ImapProblem.uid == uid))
        if row is None:
            row = ImapProblem(mailbox_id=box, uidvalidity=uidvalidity, uid=uid, kind=kind, size=size, attempts=1,
                              reason=reason, reported_at=utcnow())
            session.add(row)
        else:
            row.kind, row.size, row.reason, row.reported_at = kind, size, reason, utcnow()
            row.attempts += 1
        session.flush()
        return row.attempts


def record_error(database: Database, box: int, error: str) -> None:
    """The last connection or server error of a mailbox, for people looking at its state."""
    with database.transaction() as connection:
        connection.execute(update(ImapMailbox).where(ImapMailbox.id == box).values(last_error=error[:2000]))


def states(database: Database) -> list[MailboxState]:
    """Every mailbox the poller has known, with its last pass and last error (``/healthz``)."""
    with database.begin() as session:
        return [MailboxState(row.key, row.last_poll_at, row.last_error, row.uidvalidity, row.last_uid)
                for row in session.scalars(select(ImapMailbox).order_by(ImapMailbox.key))]


def problems(database: Database) -> list[MailboxProblem]:
    """Mails left on an IMAP server (too big, or never sent whole), newest first.

    For the admin's ``/healthz``: an empty list means nothing waits for a person.
    """
    with database.begin() as session:
        rows = session.execute(
            select(ImapMailbox.key, ImapProblem)
            .join(ImapProblem, ImapProblem.mailbox_id == ImapMailbox.id)
            .where(or_(ImapProblem.kind != "incomplete", ImapProblem.attempts >= INCOMPLETE_ATTEMPTS))
            .order_by(ImapProblem.reported_at.desc())
        ).all()
        return [MailboxProblem(key, p.uid, p.kind, p.size, p.attempts, p.reason, p.reported_at) for key, p in rows]
