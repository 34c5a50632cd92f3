"""Message-IDs that say, unforgeably, which recipient a mail was sent to.

Each outbound mail's Message-ID is the message's own id with the recipient's
participant id and an HMAC of both under the gateway's secret:
``<m.ab12cd.9f3e2a1b4c5d.p42.0123456789abcdef@domain>``. A reply that quotes it
in In-Reply-To/References therefore proves what a personal reply address
proves (the author received that mail), where a bare Message-ID or the
ticket's root id (``<ticket.REF@domain>``, built from the public reference)
proves nothing. The id stays deterministic for (message, recipient), so a
repeated processing attempt writes the same headers.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from gateway.config import Settings

MAC_HEX = 16
_PERSONAL = re.compile(r"^<(.+)\.p(\d{1,12})\.([0-9a-f]{16})@([^<>@\s]+)>$", re.IGNORECASE)


def _mac(settings: Settings, base: str, participant_id: int) -> str:
    payload = f"msgid:{base.lower()}:{participant_id}".encode()
    return hmac.new(settings.secret, payload, hashlib.sha256).hexdigest()[:MAC_HEX]


def for_recipient(settings: Settings, message_id: str, participant_id: int | None) -> str:
    """``<base@domain>`` -> ``<base.p<id>.<mac>@domain>`` for our own ids; others unchanged."""
    if participant_id is None or not message_id.startswith("<") or _PERSONAL.match(message_id):
        return message_id
    base, _, domain = message_id[1:-1].rpartition("@")
    if domain.lower() != settings.domain or base.startswith("ticket."):
        return message_id  # the root id is shared: clients thread on it, nothing trusts it
    return f"<{base}.p{participant_id}.{_mac(settings, base, participant_id)}@{domain}>"


def recipient_of(settings: Settings, message_id: str) -> int | None:
    """The participant id a Message-ID of ours was made for, when its HMAC is right."""
    match = _PERSONAL.match(message_id.strip())
    if match is None or match.group(4).lower() != settings.domain:
        return None
    base, participant_id, mac = match.group(1), int(match.group(2)), match.group(3).lower()
    if not hmac.compare_digest(_mac(settings, base, participant_id), mac):
        return None
    return participant_id


def shared_id(message_id: str) -> str | None:
    """``<base@domain>`` of a personal Message-ID, whatever its HMAC: which message it claims to answer."""
    match = _PERSONAL.match(message_id.strip())
    return f"<{match.group(1)}@{match.group(4)}>" if match else None
