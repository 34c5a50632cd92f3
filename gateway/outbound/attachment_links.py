"""Signed, expiring download links for attachments too big to relay by mail.

Agents' mail servers refuse mail over their size limit (10 MB is a common
Exchange default), and one 30 MB mail copied to every participant is heavy
anyway. When the files of a relayed mail would take it over
``relay_max_bytes``, the biggest ones stay in the gateway and the mail
carries a link for each, served by the admin app (``admin/downloads.py``,
``/pieces-jointes/<token>``).

A token is ``<attachment id>.<expiry, unix seconds>.<MAC>``: an HMAC-SHA256
(truncated to 128 bits) of the first two parts under a key derived from the
gateway's secret for this purpose only, so a link can be neither forged nor
extended, and checking it needs no database row. Written by hand because it
is four lines of ``hmac``; itsdangerous would add a dependency for the same.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from gateway.config import Settings

#: Room kept for the text, the HTML and the headers of the mail itself.
BODY_ALLOWANCE = 256 * 1024


@dataclass(frozen=True)
class Link:
    filename: str
    size: int
    url: str
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    return hmac.new(settings.secret, b"attachment-link", hashlib.sha256).digest()


def _mac(settings: Settings, payload: str) -> str:
    return hmac.new(_key(settings), payload.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def make_token(settings: Settings, attachment_id: int, expires_at: datetime) -> str:
    payload = f"{int(attachment_id)}.{int(expires_at.timestamp())}"
    return f"{payload}.{_mac(settings, payload)}"


def make_link(settings: Settings, attachment_id: int, expires_at: datetime) -> str:
    """The full URL of one attachment's download, valid until ``expires_at``."""
    return f"{admin_base_url(settings)}/pieces-jointes/{make_token(settings, attachment_id, expires_at)}"


def verify_link(settings: Settings, token: str, *, now: datetime | None = None) -> int | None:
    """The attachment id of a valid, unexpired token; None otherwise (constant-time MAC check)."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(settings, payload), parts[2]):
        return None
    now = now or datetime.now(timezone.utc)
    if int(parts[1]) < now.timestamp():
        return None
    return int(parts[0])


def admin_base_url(settings: Settings) -> str:
    return (settings.admin_url or f"http://{settings.admin_host}:{settings.admin_port}").rstrip("/")


def encoded_size(size: int) -> int:
    """Bytes a file takes in a mail once base64-encoded (76-character lines)."""
    return (size + 2) // 3 * 4 * 78 // 76 + 200


def split_for_relay(settings: Settings, files: list[tuple[int, str, str, bytes]],
                    *, now: datetime | None = None) -> tuple[list[tuple[str, str, bytes]], list[Link]]:
    """Files ``(id, filename, content type, bytes)`` to attach, and links for the rest.

    The smallest files are attached first while the mail stays under
    ``relay_max_bytes``; the others (the biggest) become links.
    """
    budget = settings.relay_max_bytes - BODY_ALLOWANCE
    if sum(encoded_size(len(content)) for *_, content in files) <= budget:
        return [(name, kind, content) for _, name, kind, content in files], []
    expires_at = (now or datetime.now(timezone.utc)) + timedelta(days=settings.attachment_link_days)
    attached, links, used = [], [], 0
    for attachment_id, name, kind, content in sorted(files, key=lambda item: len(item[3])):
        size = encoded_size(len(content))
        if used + size <= budget:
            attached.append((name, kind, content))
            used += size
        else:
            links.append(Link(name, len(content), make_link(settings, attachment_id, expires_at), expires_at))
    return attached, links


def links_text(links: list[Link]) -> str:
    """The French paragraph added to the text body."""
    if not links:
        return ""
    lines = ["", "Pièces jointes trop volumineuses pour être envoyées par courriel, à télécharger :"]
    for link in links:
        lines.append(f"- {link.filename} ({_megabytes(link.size)}) : {link.url}")
    lines.append(f"Ces liens sont valables jusqu'au {links[0].expires_at:%d/%m/%Y}.")
    return "\n".join(lines) + "\n"


def links_html(links: list[Link]) -> str:
    """The same paragraph for the HTML body (names and URLs escaped)."""
    if not links:
        return ""
    from markupsafe import escape

    items = "".join(f'<li><a href="{escape(link.url)}">{escape(link.filename)}</a> ({_megabytes(link.size)})</li>'
                    for link in links)
    return (f"<p>Pièces jointes trop volumineuses pour être envoyées par courriel, à télécharger :</p><ul>{items}</ul>"
            f"<p>Ces liens sont valables jusqu'au {links[0].expires_at:%d/%m/%Y}.</p>")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} Mo".replace(".", ",")
