"""Retention (GDPR): wipe the personal data of tickets closed long ago; drop raw mail no longer needed.

A ticket closed more than ``retention_months`` ago keeps what statistics
need (dates, status, organisations, areas, groups, usefulness, counts of
messages) and loses everything that says who or what: subject, texts, HTML,
addresses and names of its participants, attachments (rows and files on disk
when no other ticket still uses the same file), its raw inbound and outbound
mail, the mails captured in the outbox folder, the details of its audit
events, and the evidence words of its routing record.

Wiped must mean not recoverable. On SQLite the purge runs with
``secure_delete`` (freed content is overwritten with zeros) and ends with a
VACUUM (the file is rebuilt without free pages) and a WAL checkpoint that
truncates the write-ahead log, where older copies of pages would otherwise
linger; the full-text index (FTS5) is optimised first, which drops the wiped
words it still kept in its segments. On PostgreSQL it ends with VACUUM FULL of
the touched tables, which rewrites them (their TOAST tables and indexes,
full-text ones included) into new files.

Separately, raw bytes of inbound mail processed and outbound mail delivered
more than ``raw_mail_retention_days`` ago are emptied: once a mail is done,
what it said lives in the ticket, and the raw copy is only for replaying
recent trouble.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, Text, or_, select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Attachment, AuditEvent, InboundMail, Message, OutboundMail, Ticket, audit, utcnow
from gateway.models.bounces import Bounce
from gateway.models.search import FTS_TABLE
from gateway.processing.spool_actions import DISCARDED
from gateway.storage import attachment_store
from gateway.storage.db import Database

log = logging.getLogger(__name__)

TOUCHED_TABLES = ("tickets", "messages", "participants", "attachments", "inbound_mail", "outbound_mail",
                  "audit_events", "bounces")
RAW_BATCH = 500


@dataclass
class PurgeReport:
    dry_run: bool = False
    tickets: int = 0
    messages: int = 0
    files: int = 0
    raw_inbound: int = 0
    raw_outbound: int = 0
    captured: int = 0
    ticket_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        verb = "seraient effacés" if self.dry_run else "effacés"
        return (f"{self.tickets} dossier(s), {self.messages} message(s), {self.files} fichier(s) joint(s) {verb} "
                f"(clos depuis plus de la durée de conservation) ; courrier brut {verb} : "
                f"{self.raw_inbound} reçu(s), {self.raw_outbound} envoyé(s), {self.captured} fichier(s) .eml")

    @property
    def anything(self) -> bool:
        return bool(self.tickets or self.raw_inbound or self.raw_outbound or self.files or self.captured)


def retention_cutoff(settings: Settings) -> datetime:
    """``retention_months`` calendar months before now (the 31st becomes the month's last day)."""
    now = utcnow()
    month = now.month - settings.retention_months
    year = now.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in (now.day, 30, 29, 28):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def purge(database: Database, settings: Settings, *, dry_run: bool = False) -> PurgeReport:
    report = PurgeReport(dry_run=dry_run)
    with database.begin() as session:
        report.ticket_ids = list(session.scalars(
            select(Ticket.id).where(Ticket.status == "closed", Ticket.closed_at < retention_cutoff(settings),
                                    Ticket.purged_at.is_(None)).order_by(Ticket.id)))
    for ticket_id in report.ticket_ids:
        with _secure(database) as session:
            _purge_ticket(session, settings, session.get(Ticket, ticket_id), report, dry_run)
    _drop_old_raw(database, settings, report, dry_run)
    if report.anything and not dry_run:
        compact(database)
    return report


def _purge_ticket(session: Session, settings: Settings, ticket: Ticket, report: PurgeReport, dry_run: bool) -> None:
    report.tickets += 1
    report.messages += len(ticket.messages)
    files = {a.sha256 for m in ticket.messages for a in m.attachments}
    removable = [sha for sha in files if not _used_elsewhere(session, ticket.id, sha)]
    report.files += sum(1 for sha in removable if attachment_store.path_for(settings.attachments_dir, sha).exists())
    outbound = list(session.scalars(select(OutboundMail).where(OutboundMail.ticket_id == ticket.id)))
    report.captured += sum(len(_captured_files(settings, row.id)) for row in outbound)
    if dry_run:
        return
    for message in ticket.messages:
        wipe_text_columns(message)
        for attachment in list(message.attachments):
            session.delete(attachment)
    for participant in ticket.participants:
        wipe_text_columns(participant)
        participant.email = f"anonyme-{participant.id}@purge.invalid"  # unique per ticket
    inbound_ids = {m.inbound_id for m in ticket.messages if m.inbound_id is not None}
    for inbound in session.scalars(select(InboundMail).where(or_(InboundMail.ticket_id == ticket.id,
                                                                 InboundMail.id.in_(inbound_ids or {-1})))):
        inbound.raw = b""
        wipe_text_columns(inbound)
    for row in outbound:
        row.raw = b""
        wipe_text_columns(row)
        row.dedup_key = f"purged:{row.id}"  # the key named the recipient; the ticket will never send again
        for path in _captured_files(settings, row.id):
            path.unlink(missing_ok=True)
    for bounce in session.scalars(select(Bounce).where(Bounce.ticket_id == ticket.id)):
        wipe_text_columns(bounce)
    for event in session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)):
        event.detail = "{}"
        if "@" in event.actor:
            event.actor = "anonyme"
    ticket.subject, ticket.note = "", ""
    ticket.routing = _routing_without_words(ticket.routing)
    ticket.purged_at = utcnow()
    session.flush()
    for sha in removable:
        attachment_store.path_for(settings.attachments_dir, sha).unlink(missing_ok=True)
    audit(session, "ticket.purged", ticket_id=ticket.id, messages=len(ticket.messages), files=len(removable))


def _used_elsewhere(session: Session, ticket_id: int, sha256: str) -> bool:
    """The same file (content-addressed) is attached to a ticket that keeps it."""
    return session.scalar(
        select(Attachment.id).join(Message, Message.id == Attachment.message_id)
        .where(Attachment.sha256 == sha256, Message.ticket_id != ticket_id).limit(1)
    ) is not None


def _routing_without_words(routing: str) -> str:
    """Keep the decision's codes and the selection's steps (statistics, explanations); drop the quoted words."""
    try:
        record = json.loads(routing or "{}")
    except ValueError:
        return "{}"
    decision = record.get("decision") or {}
    for item in [*(decision.get("organisations") or []), *(decision.get("areas") or [])]:
        item["evidence"] = [{"reason": e.get("reason", "")} for e in item.get("evidence") or []]
    return json.dumps(record, ensure_ascii=False)


#: Text columns a wiped row keeps: states, kinds and codes, never what a person wrote or who they are.
KEPT_TEXT = {
    "messages": {"visibility", "kind", "source", "our_message_id"},
    "participants": {"role", "organisation_label"},
    "inbound_mail": {"state", "source", "outcome"},
    "outbound_mail": {"state", "dedup_key"},
    "bounces": {"status", "action"},
}


def wipe_text_columns(row) -> None:
    """Empty every text column of ``row`` but the kept ones, whatever columns later work adds.

    A list of the columns to wipe would miss the next one someone adds (a
    claimed sender, a signature); a list of what may stay cannot.
    """
    table = row.__table__
    kept = KEPT_TEXT.get(table.name, set())
    for column in table.columns:
        if column.key in kept or column.primary_key or column.foreign_keys:
            continue
        if isinstance(column.type, (String, Text)) or isinstance(getattr(column.type, "impl", None), (String, Text)):
            setattr(row, column.key, None if column.nullable else "")


def _captured_files(settings: Settings, outbound_id: int) -> list[Path]:
    folder = settings.outbox_dir
    return sorted(folder.glob(f"*-{outbound_id}-*.eml")) if folder.is_dir() else []


def _drop_old_raw(database: Database, settings: Settings, report: PurgeReport, dry_run: bool) -> None:
    """Raw bytes of mail processed or delivered long enough ago: emptied, the rows kept for the log."""
    cutoff = utcnow() - timedelta(days=settings.raw_mail_retention_days)
    # a discarded mail (set aside by a person, or refused after review) is kept as long, then emptied too
    report.raw_inbound = _empty_raw(database, InboundMail, (InboundMail.state.in_(("done", DISCARDED)),
                                                            InboundMail.processed_at < cutoff), dry_run)
    report.raw_outbound = _empty_raw(database, OutboundMail, (OutboundMail.state == "sent",
                                                              OutboundMail.sent_at < cutoff), dry_run)


def _empty_raw(database: Database, model, conditions, dry_run: bool) -> int:
    """Empty ``raw`` of the matching rows, a batch per unit of work; how many had bytes."""
    count, last_id = 0, 0
    while True:
        with _secure(database) as session:
            rows = list(session.scalars(select(model).where(*conditions, model.raw != b"", model.id > last_id)
                                        .order_by(model.id).limit(RAW_BATCH)))
            if not rows:
                return count
            last_id = rows[-1].id
            count += len(rows)
            if not dry_run:
                for row in rows:
                    row.raw = b""


class _secure:
    """A unit of work with SQLite's ``secure_delete`` on: what it frees is overwritten with zeros."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.context = database.begin()

    def __enter__(self) -> Session:
        session = self.context.__enter__()
        if self.database.engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
        return session

    def __exit__(self, *exc_info):
        return self.context.__exit__(*exc_info)


def compact(database: Database) -> None:
    """Make wiped data unrecoverable from the database files (see the module docstring)."""
    engine = database.engine
    if engine.dialect.name == "sqlite":
        turn = database.write_turn
        if turn is not None:
            turn.__enter__()
        try:
            raw = engine.raw_connection()
            try:
                cursor = raw.driver_connection.cursor()
                cursor.execute("PRAGMA secure_delete=ON")
                if cursor.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone():
                    # FTS5 keeps deleted words in its segments until they are merged
                    cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
                cursor.execute("VACUUM")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.close()
            finally:
                raw.close()
        finally:
            if turn is not None:
                turn.__exit__(None, None, None)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in TOUCHED_TABLES:
            connection.exec_driver_sql(f"VACUUM FULL {table}")
