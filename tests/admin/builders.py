"""Tickets made the real way for the admin's tests: a mail through the spool and the processor.

``request_mail`` writes a request as a mail client would; ``open_ticket``
spools it and processes it (``drain``), so the ticket, its participants, its
routing record and its relational scopes are exactly what production stores.
"""

from __future__ import annotations

import itertools
from email.message import EmailMessage

from sqlalchemy import select

from gateway.models import Ticket
from gateway.processing.processor import drain
from gateway.storage import spool
from tests.support.gateway import add_group

_numbers = itertools.count(1)


def directory(database, settings) -> None:
    """CAF 13, CPAM 13, CAF 75 (with a shared mailbox) and the national triage group."""
    with database.begin() as session:
        add_group(session, "CAF 13", "CAF", ["13"], [("Awa", "Diallo", "awa.diallo@caf13.example")])
        add_group(session, "CPAM 13", "CPAM", ["13"], [("Luc", "Martin", "luc.martin@cpam13.example")])
        add_group(session, "CAF 75", "CAF", ["75"], [("Jean", "Petit", "jean.petit@caf75.example")],
                  mailbox="bal@caf75.example")
        add_group(session, settings.default_group, None, [], [("Nina", "Roux", "nina.roux@aplus.example")], triage=True)


def request_mail(sender: str, subject: str, text: str, *, name: str = "", attachments=()) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>" if name else sender
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<request.{next(_numbers)}@example.org>"
    mail.set_content(text)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()


def open_ticket(database, settings, sender: str, subject: str, text: str, **kwargs) -> Ticket:
    raw = request_mail(sender, subject, text, **kwargs)
    spool.enqueue(database, raw, mail_from=sender, rcpt_tos=[settings.address], source="import")
    drain(database, settings)
    with database.begin() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert ticket is not None and ticket.subject == subject, "the request did not open a ticket"
        session.expunge(ticket)
    return ticket
