"""The two durable queues: inbound mail (the spool) and outbound mail (the outbox).

Inbound rows hold the raw bytes exactly as received, committed before the
sender is told 250: whatever happens next can be replayed from here. Outbound
rows hold the rendered bytes, written in the same transaction as the change
that caused them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, UTCDateTime, utcnow
from gateway.storage.compression import CompressedBytes

INBOUND_STATES = ("queued", "done", "quarantined", "review")  # review: "à vérifier" (gateway.processing.review)
OUTBOUND_STATES = ("queued", "sent", "failed")


class InboundMail(Base):
    __tablename__ = "inbound_mail"
    __table_args__ = (
        Index("ix_inbound_mail_sha256_state", "sha256", "state"),  # the duplicate check, for every mail
        Index("ix_inbound_mail_state_due", "state", "next_attempt_at"),  # the spool's claim
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    raw: Mapped[bytes] = mapped_column(CompressedBytes)  # stored compressed, read back as received
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    mail_from: Mapped[str] = mapped_column(String(998), default="")
    rcpt_tos: Mapped[str] = mapped_column(Text, default="")  # one address per line
    source: Mapped[str] = mapped_column(String(20), default="smtp")  # smtp, lmtp, pipe, import, imap
    peer: Mapped[str] = mapped_column(String(100), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    error: Mapped[str] = mapped_column(Text, default="")  # last error, or the quarantine reason
    outcome: Mapped[str] = mapped_column(String(200), default="")  # what processing did, for the log
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # what inbound authentication said of the From address ("pass", "fail: ...", "none: ..."), and that address
    auth_verdict: Mapped[str] = mapped_column(String(200), default="", server_default="")
    claimed_sender: Mapped[str] = mapped_column(String(320), default="", server_default="")

    @property
    def recipients(self) -> list[str]:
        return [r for r in self.rcpt_tos.splitlines() if r]


class OutboundMail(Base):
    __tablename__ = "outbound_mail"
    __table_args__ = (
        Index("ix_outbound_mail_state_due", "state", "next_attempt_at"),  # the outbox's claim
        # replies matched by References: the ticket is read from the index itself, no row fetch
        Index("ix_outbound_mail_message_id_header", "message_id_header", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)  # a recipient gets a message once
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    message_id_header: Mapped[str] = mapped_column(String(998), default="")  # indexed above
    raw: Mapped[bytes] = mapped_column(CompressedBytes)  # stored compressed, read back as written
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
