"""What an understood mail does to the tickets: open one, add to one, or nothing.

``handle`` is the processor's single entry point. It runs inside the
processing transaction, so the ticket, its messages and the outbox rows of the
fan-out commit together or not at all. Every outcome is a value the spool
records (``done`` with what happened, or ``quarantined`` with a French
reason shown in the admin); nothing is dropped silently.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import addresses

from gateway.outbound import fanout

from gateway.storage import attachment_store
from gateway.config import Settings
from gateway.models import Attachment, InboundMail, Message, Participant, Ticket, audit, utcnow
from gateway.authentication.verdict import Verdict
from gateway.processing import forward_trust, holding
from gateway.processing.automatic_mail import handle_automatic
from gateway.processing.outcomes import Outcome, done, quarantine
from gateway.processing.reply_actions import ReplyTools, act_on_reply, after_reply
from gateway.processing.routing_step import Ahead, Routed, classify_ahead, route_request
from gateway.processing.scope import write_opening_scope
from gateway.processing.sender_check import request_is_forged, why_not_author
from gateway.processing.thread_match import Matched, Rejected, Unverified, match_mail
from gateway.understand.model import Address, Understood

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SUBJECT_PREFIXES = re.compile(r"^\s*((re|tr|fwd?|fw|aw|wg|rv|réf|ref)\s*:\s*)+", re.IGNORECASE)


def handle(session: Session, settings: Settings, inbound: InboundMail, mail: Understood, ahead: Ahead | None = None,
           *, verdict: Verdict | None = None, trusted: bool = False) -> Outcome:
    """Decide and apply what one inbound mail means. See the module docstring.

    ``ahead``: the routing classification made before the transaction
    (``classify_if_new_request``), used if the mail does open a ticket.
    ``verdict``: the authentication of the From address, made before the
    transaction too (None: not checked, the envelope sender decides).
    ``trusted``: an administrator released this mail from review, so it is
    processed as if its sender were authenticated.
    """
    if _is_duplicate(session, inbound, mail):
        return done("duplicate of a mail already processed")
    if mail.sender is None and "@" in inbound.mail_from:  # no From: header, the envelope still says who
        mail.sender = Address(inbound.mail_from.strip("<>").lower())
        mail.defects.append("no From header: the envelope sender was used")
    if mail.automatic.kind != "human":
        return handle_automatic(session, settings, inbound, mail)
    if verdict is not None and mail.sender is not None:
        inbound.auth_verdict, inbound.claimed_sender = verdict.text, mail.sender.email[:320]
    match = match_mail(session, settings, inbound.recipients, mail)
    if isinstance(match, Rejected):
        audit(session, "mail.rejected", ticket_id=match.ticket.id if match.ticket else None, reason=match.reason)
        return quarantine(match.reason, "rejected reply", match.ticket)
    if isinstance(match, Unverified):
        if not trusted:
            return holding.hold_reply(session, settings, inbound, match.ticket, match.participant,
                                      unverified_reason(match), via=match.via)
        match = Matched(match.ticket, match.participant, "public", match.via)
    if isinstance(match, Matched):
        reason = None if trusted else why_not_author(verdict, match.participant.email, inbound.mail_from)
        if reason is not None:
            return holding.hold_reply(session, settings, inbound, match.ticket, match.participant, reason, via=match.via)
        return accept_reply(session, settings, inbound, mail, match)
    if any(addresses.is_postmaster(settings, r) for r in inbound.recipients) and not any(
        addresses.is_public_address(settings, r) for r in inbound.recipients
    ):
        return quarantine("Message adressé au postmaster : à lire par l'équipe.", "mail to postmaster")
    if not trusted and request_is_forged(verdict):
        return holding.hold_request(session, inbound, why_not_author(verdict, mail.sender.email, inbound.mail_from))
    return open_ticket(session, settings, inbound, mail, ahead, verdict=verdict, trusted=trusted)


def unverified_reason(match: Unverified) -> str:
    """Why a mail linked to its ticket by a guessable clue waits (French, for the reviewer)."""
    clue = "la seule mention [A+ #" + match.ticket.reference + "] dans l'objet" if match.via == "subject" else (
        "des références de fil (In-Reply-To/References) que n'importe qui peut recopier")
    return (f"Message de {match.participant.email} rattaché au dossier {match.ticket.reference} par {clue}, "
            f"sans son adresse de réponse personnelle : vérifiez qu'il vient bien de cette personne avant de le libérer.")


def classify_if_new_request(settings: Settings, mail: Understood) -> Ahead | None:
    """Classify a mail that looks like a new request, before the processing transaction.

    Only a guess at what ``handle`` will decide (no database here): a human
    mail that answers none of our Message-IDs and is not addressed to a
    personal address. A wrong guess costs a classification, nothing else.
    """
    if mail.automatic.kind != "human" or mail.sender is None:
        return None
    if any(message_id.endswith(f"@{settings.domain}>") for message_id in mail.thread_ids):
        return None
    if any(a.email.startswith(f"{settings.local_part}+") for a in [*mail.to, *mail.cc]):
        return None
    _, _, text, subject, _ = who_and_what(mail)
    return classify_ahead(text=text, subject=subject, sender=mail.sender.email, aidant_signature=aidant_signature(mail))


def _is_duplicate(session: Session, inbound: InboundMail, mail: Understood) -> bool:
    """The same raw mail, or the same Message-ID from the same sender, was already handled."""
    same_bytes = session.scalars(
        select(InboundMail.id).where(
            InboundMail.sha256 == inbound.sha256, InboundMail.id != inbound.id, InboundMail.state == "done"
        )
    ).first()
    if same_bytes is not None:
        return True
    if not mail.message_id or mail.sender is None:
        return False
    earlier = session.scalars(
        select(Message).join(Participant, Message.author_id == Participant.id).where(
            Message.rfc_message_id == mail.message_id, Participant.email == mail.sender.email
        )
    ).first()
    return earlier is not None


# -- new requests ------------------------------------------------------------


def open_ticket(
    session: Session, settings: Settings, inbound: InboundMail, mail: Understood, ahead: Ahead | None = None, *,
    previous: Ticket | None = None, verdict: Verdict | None = None, trusted: bool = False,
) -> Outcome:
    """A new request: ticket, participants, stored message, acknowledgement, agents.

    ``previous``: the ticket, closed too long ago to reopen, that this mail answered.
    """
    if mail.sender is None:
        return quarantine("Message sans expéditeur lisible : impossible de répondre.", "no sender")
    if _sender_over_limit(session, settings, mail.sender.email):
        return quarantine(
            f"Trop de nouvelles demandes de {mail.sender.email} en une heure (limite {settings.sender_hourly_limit}).",
            "sender rate limit",
        )
    embedded = mail.forwarded.sender if mail.forwarded is not None else None
    names_requester = embedded is not None and forward_trust.forward_names_requester(
        session, settings, mail.sender.email, verdict, inbound.mail_from, trusted=trusted)
    requester, aidant, text, subject, note = who_and_what(mail, embedded_is_requester=names_requester)
    if aidant is not None and requester == aidant:
        aidant = None
    routed = _route(session, settings, mail, text, subject, ahead)
    ticket = Ticket(reference=_new_reference(session), subject=_clean_subject(subject)[:500], status="new",
                    routing=routed.record_json(), previous_ticket_id=previous.id if previous else None)
    if mail.forwarded is not None and mail.forwarded.sender is None:
        ticket.note = "Transfert dont l'expéditeur d'origine est introuvable : le transmetteur est enregistré comme demandeur."
    elif embedded is not None and not names_requester:
        ticket.note = forward_trust.mentioned_note(embedded.name, embedded.email)
    requester_row = _add_participant(ticket, requester, role="requester")
    aidant_row = _add_participant(ticket, aidant, role="aidant") if aidant else None
    _add_agents(ticket, routed)
    session.add(ticket)
    session.flush()  # the ticket and its participants: their ids make the reply tokens
    _give_tokens(settings, ticket)
    write_opening_scope(session, ticket, routed.record, [g.id for g in routed.groups])
    request = _store_message(
        session, settings, ticket, inbound, mail, author=requester_row, text=text,
        attachments=[*mail.attachments, *(mail.forwarded.attachments if mail.forwarded else [])],
    )
    aidant_note = ""
    if aidant_row is not None and note.strip():
        aidant_note = note.strip()
        _store_message(session, settings, ticket, inbound, mail, author=aidant_row, text=aidant_note, attachments=[])
    sent = fanout.announce_new_ticket(
        session, settings, ticket, request,
        organisations=routed.organisations, areas=routed.areas,
        reasons_by_group=routed.reasons_by_group, aidant_note=aidant_note,
        previous_reference=previous.reference if previous else "",
    )
    audit(session, "ticket.opened", ticket_id=ticket.id, reference=ticket.reference,
          groups=[g.name for g in routed.groups], outbound=sent)
    return done(f"opened ticket {ticket.reference} ({sent} mails queued)", ticket)


def who_and_what(mail: Understood, *, embedded_is_requester: bool = True) -> tuple[Address, Address | None, str, str, str]:
    """(requester, aidant, request text, subject, aidant's note) — forwards change who is who.

    ``embedded_is_requester``: the forwarder is someone the directory trusts
    (``forward_trust``), so the person inside the forward becomes the
    requester; otherwise the forwarder stays the requester, with their own
    subject line (the embedded one may be anything the sender typed).
    """
    forwarded = mail.forwarded
    if forwarded is not None and forwarded.sender is not None and embedded_is_requester:
        return forwarded.sender, mail.sender, forwarded.text, forwarded.subject or mail.subject, mail.forwarder_note
    if forwarded is not None:
        body = "\n\n".join(part for part in (mail.forwarder_note, forwarded.text) if part.strip())
        subject = forwarded.subject if forwarded.sender is None and forwarded.subject else mail.subject
        return mail.sender, None, body, subject or mail.subject, ""
    return mail.sender, None, mail.trimmed or mail.text, mail.subject, ""


def _route(session: Session, settings: Settings, mail: Understood, text: str, subject: str, ahead: Ahead | None) -> Routed:
    return route_request(
        session, settings, text=text, subject=subject,
        sender=mail.sender.email if mail.sender else None, aidant_signature=aidant_signature(mail), ahead=ahead,
    )


def aidant_signature(mail: Understood) -> str | None:
    """Where an aidant's signature can be: their note above a forward, the identity block, or what trimming cut."""
    return "\n".join(part for part in (mail.forwarder_note, mail.signature, mail.elided) if part) or None


def _add_agents(ticket: Ticket, routed: Routed) -> None:
    """Each group's active agents and shared mailbox, once per address."""
    seen = {p.email for p in ticket.participants}
    for group in routed.groups:
        members = [(a.email, a.full_name, a.id) for a in group.agents]
        if group.mailbox:
            members.append((group.mailbox.lower(), group.name, None))
        for email, name, agent_id in members:
            if email in seen:
                continue
            seen.add(email)
            ticket.participants.append(Participant(
                role="agent", email=email, display_name=name,
                organisation_label=group.name, group_id=group.id, agent_id=agent_id,
            ))


def _add_participant(ticket: Ticket, who: Address, *, role: str) -> Participant:
    participant = Participant(role=role, email=who.email.lower(), display_name=who.name)
    ticket.participants.append(participant)
    return participant


def _give_tokens(settings: Settings, ticket: Ticket) -> None:
    """Store each participant's reply token (HMAC of ticket and participant ids, so after the flush)."""
    for participant in ticket.participants:
        participant.token = addresses.make_token(settings.secret, "reply", ticket.id, participant.id)


def _sender_over_limit(session: Session, settings: Settings, email: str) -> bool:
    """Tickets this address opened in the last hour, counted in the (email, created_at) index.

    A requester's or aidant's row is created with the ticket it opens, so its
    own ``created_at`` is the window: no join, and an aidant with years of
    tickets costs the same as a newcomer.
    """
    since = utcnow() - timedelta(hours=1)
    count = session.scalar(
        select(func.count(Participant.id)).where(
            Participant.email == email.lower(), Participant.created_at >= since,
            Participant.role.in_(("requester", "aidant")),
        )
    )
    return (count or 0) >= settings.sender_hourly_limit


def _new_reference(session: Session) -> str:
    while True:
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalars(select(Ticket.id).where(Ticket.reference == reference)).first() is None:
            return reference


def _clean_subject(subject: str) -> str:
    subject = SUBJECT_PREFIXES.sub("", subject or "").strip()
    from gateway.processing.thread_match import SUBJECT_TAG

    return SUBJECT_TAG.sub("", subject).strip() or "(sans objet)"


def _store_message(
    session: Session, settings: Settings, ticket: Ticket, inbound: InboundMail, mail: Understood, *,
    author: Participant | None, text: str, attachments: list, visibility: str = "public", kind: str = "message",
) -> Message:
    message = Message(
        author=author, visibility=visibility, kind=kind,
        text=mail.text if kind == "message" else text, trimmed=text, elided=mail.elided, html=mail.html,
        rfc_message_id=mail.message_id, our_message_id=fanout.new_message_id(settings, ticket, "m"),
        source="mail", inbound_id=inbound.id, signature=mail.signature if kind == "message" else "",
    )
    message.ticket = ticket  # not ticket.messages.append: that would load the ticket's whole history
    session.add(message)
    message.attachments = [  # assigned even when empty: the fan-out then reads it without a query
        Attachment(
            filename=item.filename, content_type=item.content_type, size=item.size,
            sha256=attachment_store.store(settings.attachments_dir, item.content),
            content_id=item.content_id, inline=item.inline,
        )
        for item in attachments
        if not (item.is_message and not item.content)
    ]
    session.flush()  # the message's id names its outbound mails (dedup keys)
    return message


# -- replies ---------------------------------------------------------------------


def accept_reply(session: Session, settings: Settings, inbound: InboundMail, mail: Understood, match: Matched) -> Outcome:
    """A participant wrote in their ticket: store it and relay it to the others."""
    ticket, author = match.ticket, match.participant
    if _ticket_over_limit(session, settings, ticket):
        return quarantine(
            f"Trop de messages sur le dossier {ticket.reference} en une heure (limite {settings.ticket_hourly_limit}) : boucle probable.",
            "ticket rate limit", ticket,
        )
    tools = ReplyTools(
        relay=lambda text, visibility: _relay(session, settings, inbound, mail, match, text, visibility),
        open_new=lambda previous: open_ticket(session, settings, inbound, mail, previous=previous),
    )
    outcome = act_on_reply(session, settings, inbound, mail, match, tools)
    if outcome is None:
        _relay(session, settings, inbound, mail, match, mail.trimmed or mail.text, match.visibility)
        after_reply(session, settings, mail, match)
        outcome = done(f"{match.visibility} message on {ticket.reference} via {match.via}", ticket)
    return outcome


def _relay(session: Session, settings: Settings, inbound: InboundMail, mail: Understood, match: Matched, text: str,
           visibility: str) -> Message:
    """Store the reply (with ``text``: a command line is not relayed) and send it to the others."""
    ticket, author = match.ticket, match.participant
    message = _store_message(
        session, settings, ticket, inbound, mail, author=author, text=text,
        attachments=mail.attachments, visibility=visibility,
        kind="note" if visibility == "internal" else "message",
    )
    _update_status(session, ticket, author)
    sent = fanout.relay_message(session, settings, ticket, message)
    audit(session, "message.added", ticket_id=ticket.id, author=author.email, visibility=visibility,
          via=match.via, outbound=sent)
    return message


def _update_status(session: Session, ticket: Ticket, author: Participant) -> None:
    """An agent's message answers the request (not late any more); reopening is reply_actions' decision."""
    if author.is_agent and ticket.first_agent_reply_at is None:
        ticket.first_agent_reply_at = utcnow()
    if author.is_agent:
        ticket.late_since = None
        author.away_at = None  # back from leave
    if ticket.status == "new" and author.is_agent:
        ticket.status = "open"


def _ticket_over_limit(session: Session, settings: Settings, ticket: Ticket) -> bool:
    since = utcnow() - timedelta(hours=1)
    count = session.scalar(
        select(func.count(Message.id)).where(Message.ticket_id == ticket.id, Message.created_at >= since)
    )
    return (count or 0) >= settings.ticket_hourly_limit
