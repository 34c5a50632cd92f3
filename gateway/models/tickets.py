"""Tickets, their participants, messages and attachments.

A ticket is one person's case. Participants are everyone who speaks in it
(the requester, aidants, agents); each has a personal reply token, so a reply
can be attributed without trusting the From header alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.models.base import Base, UTCDateTime, utcnow

STATUSES = ("new", "open", "closed")
ROLES = ("requester", "aidant", "agent")
VISIBILITIES = ("public", "internal")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default="new")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_agent_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routing: Mapped[str] = mapped_column(Text, default="{}")  # JSON: decision + selection steps
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. "original sender not found in forward"

    participants: Mapped[list["Participant"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="Participant.id"
    )
    messages: Mapped[list["Message"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="Message.id"
    )

    # -- the life of a case (issue 11); plain ids, no foreign keys: see gateway/models/scopes.py
    taken_by_id: Mapped[int | None] = mapped_column(Integer)  # the participant who said "je m'en occupe"
    usefulness: Mapped[str | None] = mapped_column(String(12))  # "oui", "ne_sait_pas", "non"
    usefulness_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_ticket_id: Mapped[int | None] = mapped_column(Integer)  # a reply long after closing opened this one
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # personal data wiped (retention)

    # The relational scope (gateway/models/scopes.py), read-only here: lifecycle writes the rows.
    organisations: Mapped[list["Organisation"]] = relationship(
        secondary="ticket_organisations", viewonly=True, order_by="Organisation.code"
    )
    areas: Mapped[list["Area"]] = relationship(secondary="ticket_areas", viewonly=True, order_by="Area.code")
    groups: Mapped[list["Group"]] = relationship(
        secondary="ticket_groups", viewonly=True, order_by="Group.name",
        primaryjoin="Ticket.id == TicketGroup.ticket_id",
        secondaryjoin="and_(Group.id == TicketGroup.group_id, TicketGroup.active.is_(True))",
    )
    group_links: Mapped[list["TicketGroup"]] = relationship(viewonly=True, order_by="TicketGroup.added_at")
    taken_by: Mapped["Participant | None"] = relationship(
        primaryjoin="foreign(Ticket.taken_by_id) == Participant.id", viewonly=True
    )

    @property
    def tag(self) -> str:
        return f"[A+ #{self.reference}]"


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("ticket_id", "email", name="uq_participants_ticket_email"),
        Index("ix_participants_email_created_at", "email", "created_at"),  # duplicates, sender rate limit window
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(320))  # lower-case; rate limits and duplicates look it up (index above)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    organisation_label: Mapped[str] = mapped_column(String(100), default="")  # "CAF 13"
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    token: Mapped[str] = mapped_column(String(64), default="")
    bouncing: Mapped[bool] = mapped_column(Boolean, default=False)
    bounce_detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # left the ticket ("pas le bon interlocuteur")
    away_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last out-of-office on this ticket

    ticket: Mapped[Ticket] = relationship(back_populates="participants")

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def is_agent(self) -> bool:
        return self.role == "agent"

    @property
    def label(self) -> str:
        """Name as shown to others: "Awa Diallo (CAF 13)"."""
        name = self.display_name or self.email.split("@")[0]
        return f"{name} ({self.organisation_label})" if self.organisation_label else name


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket_created", "ticket_id", "created_at"),)  # the ticket rate limit window

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))  # indexed above
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)  # None: the gateway
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    kind: Mapped[str] = mapped_column(String(20), default="message")  # message, note, auto_reply, bounce, system
    text: Mapped[str] = mapped_column(Text, default="")
    trimmed: Mapped[str] = mapped_column(Text, default="")
    elided: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    rfc_message_id: Mapped[str | None] = mapped_column(String(998), index=True)  # as received
    our_message_id: Mapped[str] = mapped_column(String(998), index=True, default="")  # used in what we send
    source: Mapped[str] = mapped_column(String(20), default="mail")  # mail, system
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_mail.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped["Participant | None"] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="message", cascade="all, delete-orphan")
    #: The author's identity block, apart from ``trimmed`` (issue 12); relayed in a shorter form.
    signature: Mapped[str] = mapped_column(Text, default="", server_default="")


class Attachment(Base):
    """Metadata of a stored file; the bytes live on disk under their SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(255))
    inline: Mapped[bool] = mapped_column(Boolean, default=False)

    message: Mapped[Message] = relationship(back_populates="attachments")
