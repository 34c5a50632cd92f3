"""Our own addresses: the public address, personal reply tokens, note addresses.

Every participant gets ``<local>+r<ticket>-<participant>-<mac>@<domain>`` to
reply in the ticket; agents also get ``<local>+n...`` for internal notes. The
MAC is an HMAC-SHA256 of purpose, ticket and participant under the gateway's
secret, truncated to 64 bits and written in lower-case hex: self-contained
(the SMTP receiver checks it at RCPT time without the database), unguessable,
and immune to servers that lower-case local parts. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Literal

from gateway.config import Settings

Purpose = Literal["reply", "note", "useful-oui", "useful-ne_sait_pas", "useful-non"]
#: The three usefulness purposes answer the closing mail's question (gateway/processing/lifecycle.py).
_PREFIX = {"reply": "r", "note": "n", "useful-oui": "uo", "useful-ne_sait_pas": "us", "useful-non": "un"}
_PURPOSE = {v: k for k, v in _PREFIX.items()}
_TOKEN = re.compile(r"^(uo|us|un|r|n)(\d{1,12})-(\d{1,12})-([0-9a-f]{16})$")
MAC_HEX = 16  # 64 bits


@dataclass(frozen=True)
class Token:
    purpose: Purpose
    ticket_id: int
    participant_id: int


def _mac(secret: bytes, purpose: Purpose, ticket_id: int, participant_id: int) -> str:
    payload = f"{purpose}:{ticket_id}:{participant_id}".encode()
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()[:MAC_HEX]


def make_token(secret: bytes, purpose: Purpose, ticket_id: int, participant_id: int) -> str:
    return f"{_PREFIX[purpose]}{ticket_id}-{participant_id}-{_mac(secret, purpose, ticket_id, participant_id)}"


def personal_address(settings: Settings, purpose: Purpose, ticket_id: int, participant_id: int) -> str:
    token = make_token(settings.secret, purpose, ticket_id, participant_id)
    return f"{settings.local_part}+{token}@{settings.domain}"


def split_address(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return local.lower(), domain.lower()


def extension_of(settings: Settings, address: str) -> str | None:
    """The part after ``+`` when ``address`` is one of ours, else None."""
    local, domain = split_address(address)
    if domain != settings.domain or not local.startswith(settings.local_part + "+"):
        return None
    return local[len(settings.local_part) + 1:]


def is_public_address(settings: Settings, address: str) -> bool:
    local, domain = split_address(address)
    return domain == settings.domain and local == settings.local_part


def is_postmaster(settings: Settings, address: str) -> bool:
    local, domain = split_address(address)
    return local == "postmaster" and domain in (settings.domain, "")


def looks_like_token(extension: str) -> bool:
    return _TOKEN.match(extension.lower()) is not None


def verify_token(settings: Settings, extension: str) -> Token | None:
    """Return the token when its MAC is right, None when forged or malformed."""
    match = _TOKEN.match(extension.lower())
    if match is None:
        return None
    prefix, ticket, participant, mac = match.groups()
    purpose = _PURPOSE[prefix]
    expected = _mac(settings.secret, purpose, int(ticket), int(participant))
    if not hmac.compare_digest(expected, mac):
        return None
    return Token(purpose, int(ticket), int(participant))
