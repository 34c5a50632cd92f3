"""The quick answers offered in every mail to an agent, as mailto links.

An agent should not have to remember a syntax: each link opens a reply
already addressed to their own reply address, with the ticket's subject
(so it threads and is recognised) and the command on the first line, which
``gateway.processing.commands`` understands. The same links, for the
usefulness question, open a mail to the three answer addresses.
"""

from __future__ import annotations

from urllib.parse import quote

from gateway import addresses
from gateway.config import Settings
from gateway.models import Participant, Ticket

AGENT_ACTIONS = (
    ("Je m'en occupe", "#jemenoccupe\r\n\r\n"),
    ("Je ne suis pas le bon interlocuteur", "#pasmoi\r\nRaison : \r\nÀ inviter plutôt : \r\n"),
    ("Dossier traité", "#traite\r\n\r\n"),
    ("Inviter un autre groupe", "#inviter \r\n"),
)
USEFULNESS_BODIES = {
    "oui": "Oui, cette réponse m'a été utile.",
    "ne_sait_pas": "Je ne sais pas encore si cette réponse m'a été utile.",
    "non": "Non, cette réponse ne m'a pas été utile.",
}


def mailto(address: str, subject: str, body: str = "") -> str:
    """A mailto URL (RFC 6068): every character outside the unreserved set percent-encoded in UTF-8."""
    query = f"subject={quote(subject, safe='')}"
    if body:
        query += f"&body={quote(body, safe='')}"
    return f"mailto:{address}?{query}"


def agent_actions(settings: Settings, ticket: Ticket, recipient: Participant, subject: str) -> list[dict[str, str]]:
    if not recipient.is_agent or recipient.id is None:
        return []
    address = addresses.personal_address(settings, "reply", ticket.id, recipient.id)
    reply_subject = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    return [{"label": label, "mailto": mailto(address, reply_subject, body)} for label, body in AGENT_ACTIONS]


def usefulness_addresses(settings: Settings, ticket: Ticket, requester: Participant) -> dict[str, str]:
    """The three answer addresses of the closing mail, each bound to the ticket and the requester."""
    return {
        answer: addresses.personal_address(settings, f"useful-{answer}", ticket.id, requester.id)
        for answer in USEFULNESS_BODIES
    }


def usefulness_mailtos(settings: Settings, ticket: Ticket, requester: Participant, subject: str) -> dict[str, str]:
    return {
        answer: mailto(address, f"Re: {subject}", USEFULNESS_BODIES[answer])
        for answer, address in usefulness_addresses(settings, ticket, requester).items()
    }
