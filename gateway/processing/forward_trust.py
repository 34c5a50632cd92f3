"""Whose forwards may name a requester the gateway then writes to?

A forward makes the gateway mail the person inside it (the acknowledgement,
then the whole conversation). Anyone could put a header-shaped block in a
mail and have the gateway write to a stranger (issue 10 §2), so only the
people the directory knows count: agents and group mailboxes by address,
France Services / MSAP staff by address or domain (settings
``trusted_forwarder_addresses`` and ``trusted_forwarder_domains``) — and only
when their own address is authenticated (``sender_check``). Anyone else's
forward keeps the forwarder as the requester; the person named inside is
recorded on the ticket, never mailed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.authentication.verdict import Verdict
from gateway.config import Settings
from gateway.models import Agent, Group
from gateway.processing.sender_check import why_not_author


def listed(value: str) -> set[str]:
    return {item.strip().lower().lstrip("@") for item in value.split(",") if item.strip()}


def is_known_forwarder(session: Session, settings: Settings, address: str) -> bool:
    """An agent, a group mailbox, or MSAP staff by address or domain."""
    address = address.lower()
    domain = address.rpartition("@")[2]
    if address in listed(settings.trusted_forwarder_addresses):
        return True
    if any(domain == d or domain.endswith("." + d) for d in listed(settings.trusted_forwarder_domains)):
        return True
    if session.scalars(select(Agent.id).where(Agent.email == address, Agent.active.is_(True)).limit(1)).first():
        return True
    return session.scalars(select(Group.id).where(Group.mailbox == address).limit(1)).first() is not None


def forward_names_requester(session: Session, settings: Settings, address: str, verdict: Verdict | None,
                            mail_from: str, *, trusted: bool = False) -> bool:
    """True when the embedded sender of this forward becomes the requester (and is mailed)."""
    if not is_known_forwarder(session, settings, address):
        return False
    return trusted or why_not_author(verdict, address, mail_from) is None


def mentioned_note(name: str, email: str) -> str:
    """What the ticket records about the person a forward named, who is not contacted."""
    who = f"{name} <{email}>" if name else email
    return (f"Transfert d'un expéditeur non reconnu comme agent ou aidant : la personne citée dans le message "
            f"transféré ({who}) n'a pas été contactée ; le transmetteur est enregistré comme demandeur.")
