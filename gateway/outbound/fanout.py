"""Fan-out: one outbound mail per recipient, written to the outbox.

Called inside the transaction that stored the message, so the outbox rows
commit (or vanish) with it. ``dedup_key`` is unique: the same message never
reaches the same address twice, even when a processing attempt is repeated.

Every mail is From our own address (the author's name and organisation in the
display name only, so relayed mail passes DMARC), Reply-To the recipient's
personal address, and carries Message-ID / In-Reply-To / References so every
client threads the ticket as one conversation.
"""

from __future__ import annotations

import re
import secrets
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from gateway import addresses
from gateway.outbound import attachment_links
from gateway.storage import attachment_store
from gateway.config import Settings
from gateway.outbound import message_ids
from gateway.outbound.actions import agent_actions
from gateway.outbound.mime import address_header, compose
from gateway.models import Message, OutboundMail, Participant, Ticket, utcnow
from gateway.outbound.templating import render_mail
from gateway.understand.signatures import short_signature

LOOP_HEADER = "X-Aplus-Loop"
_MESSAGE_ID_LINE = re.compile(rb"^Message-ID: (<[^\r\n]+>)\r?$", re.MULTILINE)
REFERENCES_KEPT = 8  # ids of earlier messages in References, after the ticket's root


def session_of(ticket: Ticket) -> Session:
    session = object_session(ticket)
    if session is None:
        raise ValueError(f"ticket {ticket.reference} is not attached to a session")
    return session


def ticket_root_id(settings: Settings, ticket: Ticket) -> str:
    return f"<ticket.{ticket.reference.lower()}@{settings.domain}>"


def new_message_id(settings: Settings, ticket: Ticket, label: str) -> str:
    return f"<{label}.{ticket.reference.lower()}.{secrets.token_hex(6)}@{settings.domain}>"


def thread_references(settings: Settings, ticket: Ticket, before: Message | None) -> list[str]:
    """Root first, then the last messages, so clients nest replies correctly.

    The last eight ids come from one indexed query (newest first, reversed),
    not from ``ticket.messages``: that would load the ticket's whole history,
    text and HTML included, for every reply.
    """
    query = select(Message.our_message_id).where(Message.ticket_id == ticket.id, Message.our_message_id != "")
    if before is not None:
        query = query.where(Message.id < before.id)
    earlier = list(session_of(ticket).scalars(query.order_by(Message.id.desc()).limit(REFERENCES_KEPT)))
    return [ticket_root_id(settings, ticket), *reversed(earlier)]


def subject_for(ticket: Ticket, *, reply: bool) -> str:
    subject = f"{ticket.tag} {ticket.subject}".strip()
    return f"Re: {subject}" if reply else subject


def from_header(settings: Settings, label: str) -> str:
    display = f"{label} via {settings.site_name}" if label else settings.site_name
    return address_header(display, settings.address)


def reply_address(settings: Settings, ticket: Ticket, recipient: Participant, *, internal: bool) -> str:
    purpose = "note" if internal and recipient.is_agent else "reply"
    return addresses.personal_address(settings, purpose, ticket.id, recipient.id)


def common_context(settings: Settings, ticket: Ticket, recipient: Participant, subject: str) -> dict:
    return {
        "site_name": settings.site_name,
        "reference": ticket.reference,
        "subject": subject,
        "recipient_name": recipient.display_name,
        "is_agent": recipient.is_agent,
        "note_address": addresses.personal_address(settings, "note", ticket.id, recipient.id) if recipient.is_agent else "",
        "actions": agent_actions(settings, ticket, recipient, subject),
    }


def build_mail(
    settings: Settings,
    *,
    ticket: Ticket,
    recipient: Participant,
    template: str,
    context: dict,
    author_label: str,
    message_id: str,
    references: list[str],
    internal: bool = False,
    automatic: bool = False,
    attachments: list[tuple[str, str, bytes]] = (),
    links: list = (),
    reply: bool = False,
) -> bytes:
    subject = subject_for(ticket, reply=reply)
    message_id = message_ids.for_recipient(settings, message_id, recipient.id)  # HMAC per recipient
    references = [message_ids.for_recipient(settings, r, recipient.id) for r in references]
    text, html = render_mail(template, **common_context(settings, ticket, recipient, subject), **context)
    if links:  # files too big to relay: download links (gateway.outbound.attachment_links)
        text, html = text + attachment_links.links_text(links), html + attachment_links.links_html(links)
    headers = [
        ("From", from_header(settings, author_label)),
        ("To", address_header(recipient.display_name, recipient.email)),
        ("Reply-To", reply_address(settings, ticket, recipient, internal=internal)),
        ("Subject", subject),
        ("Date", format_datetime(utcnow())),
        ("Message-ID", message_id),
    ]
    if references:
        headers += [("In-Reply-To", references[-1]), ("References", " ".join(references))]
    headers.append((LOOP_HEADER, settings.domain))
    if automatic:
        headers += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
    return compose(headers, text, html, attachments)


def queue(session: Session, raw: bytes, *, message_id: str, ticket: Ticket, recipient: Participant, dedup_key: str) -> OutboundMail:
    """Write one outbound mail.

    ``dedup_key`` is unique in the table: the same message can never be queued
    twice for one address; a repeat would abort the transaction, which the
    processor retries and then quarantines, rather than send twice.
    """
    row = OutboundMail(
        dedup_key=dedup_key,
        ticket_id=ticket.id,
        participant_id=recipient.id,
        recipient=recipient.email,
        message_id_header=written_message_id(raw) or message_id,
        raw=raw,
    )
    session.add(row)
    return row


def written_message_id(raw: bytes) -> str | None:
    """The Message-ID ``build_mail`` wrote (personal to the recipient), as bounces will quote it."""
    head = raw.split(b"\n\n", 1)[0]
    found = _MESSAGE_ID_LINE.search(head)
    return found.group(1).decode("ascii", "replace") if found else None


def stored_attachments(settings: Settings, message: Message) -> list[tuple[str, str, bytes]]:
    return relayable_attachments(settings, message)[0]


def relayable_attachments(settings: Settings, message: Message) -> tuple[list[tuple[str, str, bytes]], list]:
    """The files to attach, and download links for those that would make the mail too big to relay."""
    kept = [a for a in message.attachments if not a.inline or a.content_type.startswith("image/")]
    if any(a.id is None for a in kept):
        object_session(message).flush()  # the links name the attachment rows
    files = [(a.id, a.filename, a.content_type, attachment_store.load(settings.attachments_dir, a.sha256)) for a in kept]
    return attachment_links.split_for_relay(settings, files)


def relay_message(session: Session, settings: Settings, ticket: Ticket, message: Message) -> int:
    """Send a participant's message to every other participant who may read it."""
    author = message.author
    internal = message.visibility == "internal"
    references = thread_references(settings, ticket, message)
    files, links = relayable_attachments(settings, message)
    count = 0
    for recipient in ticket.participants:
        if author is not None and recipient.email == author.email or not recipient.active:
            continue
        if internal and not recipient.is_agent:
            continue
        mail = build_mail(
            settings,
            ticket=ticket,
            recipient=recipient,
            template="relay",
            context={
                "author_label": author.label if author else settings.site_name,
                "text": message.trimmed or message.text,
                "signature": short_signature(message.signature or "", for_agent=recipient.is_agent),
                "internal": internal,
                "attachment_names": [name for name, _, _ in files],
            },
            author_label=author.label if author else "",
            message_id=message.our_message_id,
            references=references,
            internal=internal,
            attachments=files,
            links=links,
            reply=True,
        )
        queue(session, mail, message_id=message.our_message_id, ticket=ticket, recipient=recipient,
              dedup_key=f"message:{message.id}:{recipient.email}")
        count += 1
    return count


def announce_new_ticket(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    request: Message,
    *,
    organisations: list[str],
    areas: list[str],
    reasons_by_group: dict[int, list[str]],
    aidant_note: str = "",
    previous_reference: str = "",
) -> int:
    """Acknowledge the request to the person (and aidant), and bring the agents in.

    ``previous_reference``: the closed ticket this one follows (a reply came
    too long after it was closed); the acknowledgement says so.
    """
    requester = next(p for p in ticket.participants if p.role == "requester")
    aidant = next((p for p in ticket.participants if p.role == "aidant"), None)
    references = [ticket_root_id(settings, ticket)]
    files, links = relayable_attachments(settings, request)
    count = 0
    for recipient in ticket.participants:
        if recipient.is_agent:
            message_id = request.our_message_id
            mail = build_mail(
                settings,
                ticket=ticket,
                recipient=recipient,
                template="new_request",
                context={
                    "requester_label": f"{requester.display_name} <{requester.email}>".strip(),
                    "aidant_label": aidant.label if aidant else "",
                    "aidant_note": aidant_note,
                    "areas": areas,
                    "reasons": reasons_by_group.get(recipient.group_id or 0, []),
                    "text": request.trimmed or request.text,
                    "signature": short_signature(request.signature or "", for_agent=True),
                    "attachment_names": [name for name, _, _ in files],
                },
                author_label=requester.label,
                message_id=message_id,
                references=references,
                attachments=files,
                links=links,
            )
            key = f"message:{request.id}:{recipient.email}"
        else:
            message_id = new_message_id(settings, ticket, "ack")
            mail = build_mail(
                settings,
                ticket=ticket,
                recipient=recipient,
                template="acknowledgement",
                context={
                    "via_aidant": aidant is not None and recipient.role == "requester",
                    "aidant_name": aidant.label if aidant else "",
                    "organisations": organisations,
                    "previous_reference": previous_reference,
                },
                author_label="",
                message_id=message_id,
                references=references,
                automatic=True,
            )
            key = f"ack:{ticket.id}:{recipient.email}"
        queue(session, mail, message_id=message_id, ticket=ticket, recipient=recipient, dedup_key=key)
        count += 1
    return count
