"""What the gateway understands of one mail, as a stable JSON-able dict.

``aplus explain`` prints this dict; people read it to debug a mail that went
wrong, so its keys are a documented, stable schema: every key is always
present (null or empty when not applicable), new keys may be added, none is
renamed or removed.
"""

from __future__ import annotations

from .understand import read_mail
from .understand.hops import received_hops
from .understand.model import Address, Understood


def explain_mail(
    raw: bytes,
    *,
    file: str,
    own_domain: str,
    routing: dict | None = None,
    thread: dict | None = None,
) -> dict:
    """The explain dict of one raw mail (reads it, changes nothing)."""
    understood = read_mail(raw, own_domain=own_domain)
    return explain_understood(understood, file=file, routing=routing, thread=thread, received=received_hops(raw))


def explain_understood(
    understood: Understood,
    *,
    file: str,
    routing: dict | None = None,
    thread: dict | None = None,
    received: list[dict] | None = None,
) -> dict:
    """The explain dict of a mail already read (the processor has one at hand).

    ``received``: the relays the mail went through (``understand.hops``),
    when the caller has the raw bytes.
    """
    requester, aidant = requester_and_aidant(understood)
    return {
        "file": file,
        "kind": understood.kind,
        "message_id": understood.message_id,
        "requester": requester.to_dict() if requester else None,
        "aidant": aidant.to_dict() if aidant else None,
        "subject": understood.subject,
        "text": understood.trimmed,
        "signature": understood.signature,
        "elided": understood.elided,
        "attachments": [attachment.to_dict() for attachment in understood.attachments],
        "forwarded": understood.forwarded.to_dict() if understood.forwarded else None,
        "bounce": understood.bounce.to_dict() if understood.bounce else None,
        "automatic": {"kind": understood.automatic.kind, "reasons": list(understood.automatic.reasons)},
        "routing": routing if routing is not None else _empty_routing(),
        "thread": thread,
        "defects": list(understood.defects),
        "received": list(received or []),
    }


def requester_and_aidant(understood: Understood) -> tuple[Address | None, Address | None]:
    """Who asks and who helps: a forward's original sender asks, the forwarder helps.

    When the original sender of a forward cannot be found, the forwarder is
    the requester and there is no aidant (the ticket says so).
    """
    forwarded = understood.forwarded
    if forwarded is not None and forwarded.sender is not None:
        if understood.sender is None or forwarded.sender.email != understood.sender.email:
            return forwarded.sender, understood.sender
    return understood.sender, None


def _empty_routing() -> dict[str, object]:
    return {"organisations": [], "areas": [], "confidence": 0.0}
