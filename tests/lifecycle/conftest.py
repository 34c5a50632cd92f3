"""A gateway without sockets: mail goes into the spool, the processor drains it, the outbox is read.

The life of a case is about what the gateway decides and writes, at given
dates; the real SMTP path is tested in tests/mailflow. Draining in the test's
thread lets a frozen clock (time-machine) govern every ``utcnow()``.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, replace
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.models import OutboundMail, Ticket
from gateway.processing.processor import drain
from gateway.storage import spool
from tests.support.gateway import add_group, small_directory


@dataclass
class Sent:
    recipient: str
    mail: EmailMessage
    dedup_key: str

    @property
    def text(self) -> str:
        return self.mail.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.mail.get_body(("html",)).get_content()

    @property
    def subject(self) -> str:
        return str(self.mail["Subject"])

    @property
    def reply_to(self) -> str:
        return str(self.mail["Reply-To"])


def _from_address(raw: bytes) -> str:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    addresses = parsed["From"].addresses if parsed["From"] is not None else ()
    return addresses[0].addr_spec if addresses else ""


class Post:
    """Deliver mail into the gateway and read what it queued."""

    def __init__(self, database, settings) -> None:
        self.database, self.settings = database, settings
        self.seen = 0

    def deliver(self, raw: bytes | EmailMessage, *, to: list[str] | None = None, sender: str | None = None) -> int:
        """Spool a mail with the envelope a sending server would give it (From, To and Cc), then process."""
        if isinstance(raw, EmailMessage):
            raw = raw.as_bytes()
        headers = email.message_from_bytes(raw, policy=email.policy.default)
        if to is None:
            to = [a.addr_spec for field in ("To", "Cc") for a in getattr(headers[field], "addresses", ())]
            to = [a for a in to if a.endswith("@" + self.settings.domain)] or [self.settings.address]
        if sender is None:  # as a real MTA would: the envelope sender is the author's address (see sender_check)
            sender = _from_address(raw)
        spool.enqueue(self.database, raw, mail_from=sender, rcpt_tos=to)
        return drain(self.database, self.settings)

    def outbox(self) -> list[Sent]:
        with self.database.begin() as session:
            rows = session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()
            return [Sent(r.recipient, email.message_from_bytes(r.raw, policy=email.policy.default), r.dedup_key)
                    for r in rows]

    def new(self) -> list[Sent]:
        """What was queued since the last call."""
        every = self.outbox()
        fresh, self.seen = every[self.seen:], len(every)
        return fresh

    def to(self, recipient: str, mails: list[Sent] | None = None) -> list[Sent]:
        return [m for m in (mails if mails is not None else self.outbox()) if m.recipient == recipient]

    def ticket(self, reference: str | None = None) -> Ticket:
        with self.database.begin() as session:
            statement = select(Ticket).order_by(Ticket.id)
            if reference:
                statement = statement.where(Ticket.reference == reference)
            return session.scalars(statement).first()


@pytest.fixture
def post(database, settings):
    small_directory(database, settings)
    with database.begin() as session:
        add_group(session, "CAF 13 encadrement", "CAF", ["13"], [("Paul", "Chef", "paul.chef@caf13.example")])
        add_group(session, "CPAM 75", "CPAM", ["75"], [("Léa", "Petit", "lea.petit@cpam75.example")],
                  mailbox="bal@cpam75.example")
    # the France Services office whose staff forward cases: a known forwarder, so its forwards name the person
    return Post(database, replace(settings, trusted_forwarder_domains="mairie-bapaume.example.fr"))
