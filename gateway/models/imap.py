"""What the IMAP poller remembers per mailbox, so a mail enters the spool once.

``imap_mailboxes``: one row per polled mailbox (account + folder): the
folder's UIDVALIDITY, the last UID stored, and the poller's *lease* (owner and
expiry), so that two ``aplus`` processes polling the same mailbox never both
store a mail. ``imap_arrivals``: one row per mail taken from a mailbox, written
in the same transaction as its spool row; the unique (mailbox, UIDVALIDITY,
UID) and the digest are how a crash between store and move, or a UIDVALIDITY
change, is recognised. ``imap_problems``: mails left on the server (too big,
or never sent whole), reported by the log and ``gateway.inbound.imap_state.problems``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, UTCDateTime, utcnow


class ImapMailbox(Base):
    __tablename__ = "imap_mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)  # user@host:port/folder
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_owner: Mapped[str] = mapped_column(String(200), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class ImapArrival(Base):
    __tablename__ = "imap_arrivals"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "uidvalidity", "uid", name="uq_imap_arrivals_mailbox_uid"),
        Index("ix_imap_arrivals_mailbox_sha256", "mailbox_id", "sha256"),
        Index("ix_imap_arrivals_mailbox_acknowledged", "mailbox_id", "acknowledged"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("imap_mailboxes.id", ondelete="CASCADE"))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_mail.id", ondelete="SET NULL"))
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)  # moved (or flagged) on the server
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImapProblem(Base):
    __tablename__ = "imap_problems"
    __table_args__ = (UniqueConstraint("mailbox_id", "uidvalidity", "uid", name="uq_imap_problems_mailbox_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("imap_mailboxes.id", ondelete="CASCADE"))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # "too_big", "incomplete"
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(Text, default="")  # French, for people
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
