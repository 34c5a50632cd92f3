"""What the automatic-mail rules look at, decoded once and safely.

``view_of(msg)`` reads the headers without the policy parsers (which raise on
hostile address syntax), the sender's local part and name, the folded
subject, the MIME structure and the start of the first text part, so that
each rule in ``automatic`` is a few lines over a ``MailView``. ``walk_parts``
and ``content_type`` are shared with ``bounces`` and ``dsn``.
"""

from __future__ import annotations

import email.message
import unicodedata
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.utils import getaddresses

#: How much of the first text part the body rules read (bounce boilerplate
#: sits at the top; reading more only costs time on hostile mail).
BODY_SCAN_CHARS = 4000

#: How many MIME parts the structure rules look at before giving up.
MAX_PARTS = 200

def fold(text: str) -> str:
    """Lower-case and strip accents, so patterns can be written plainly."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass
class MailView:
    """What the rules look at, decoded once and safely from the message."""

    headers: dict[str, list[str]]
    sender_local: str = ""
    sender_name: str = ""
    subject: str = ""  # folded
    report_types: set[str] = field(default_factory=set)
    part_types: set[str] = field(default_factory=set)
    body_head: str = ""  # folded start of the first text part

    def first(self, name: str) -> str:
        values = self.headers.get(name)
        return values[0] if values else ""


# --- reading the message safely -------------------------------------------


def _undo_surrogates(text: str) -> str:
    """Raw 8-bit header bytes come back as surrogate escapes: decode them."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeError:
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("windows-1252", errors="replace")


def _decode(value: object) -> str:
    text = _undo_surrogates(str(value))
    try:
        return str(make_header(decode_header(text)))
    except Exception:
        return text


def _raw_headers(msg: email.message.Message) -> dict[str, list[str]]:
    """Header values by lower-case name, decoded without the policy parsers.

    ``raw_items`` avoids the structured header classes, which can raise on
    hostile address syntax; RFC 2047 words are decoded by hand.
    """
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = str(name).strip().lower()
        headers.setdefault(key, []).append(" ".join(_decode(value).split()))
    return headers


def _sender(headers: dict[str, list[str]]) -> tuple[str, str]:
    raw = headers.get("from", [""])[0]
    try:
        pairs = getaddresses([raw])
    except Exception:
        pairs = []
    name, address = pairs[0] if pairs else ("", raw)
    local = address.rpartition("@")[0] if "@" in address else address
    return local.strip().strip("<>\"'").lower(), fold(name.strip().strip("\"'"))


def content_type(part: email.message.Message) -> str:
    """``maintype/subtype`` read from the raw header.

    Same answer as ``get_content_type`` for well-formed headers, without
    building the structured header each time (that parse was most of the
    time spent on the corpora).
    """
    for name, value in part.raw_items():
        if name.lower() == "content-type":
            ctype = str(value).split(";", 1)[0].strip().lower()
            return ctype if ctype.count("/") == 1 else "text/plain"
    return part.get_default_type()


def walk_parts(msg: email.message.Message) -> list[email.message.Message]:
    """The message and its parts, breadth first, at most ``MAX_PARTS``."""
    parts: list[email.message.Message] = []
    stack = [msg]
    while stack and len(parts) < MAX_PARTS:
        part = stack.pop(0)
        parts.append(part)
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, email.message.Message))
    return parts


def _text_of(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload[: BODY_SCAN_CHARS * 2].decode(charset, errors="replace")
    except LookupError:
        return payload[: BODY_SCAN_CHARS * 2].decode("latin-1")


def _structure(msg: email.message.Message) -> tuple[set[str], set[str], str]:
    report_types: set[str] = set()
    part_types: set[str] = set()
    body = ""
    for part in walk_parts(msg):
        ctype = content_type(part)
        part_types.add(ctype)
        if ctype == "multipart/report":
            report_types.add(str(part.get_param("report-type", "") or "").lower())
        if not body and ctype in ("text/plain", "text/html") and not part.is_multipart():
            body = _text_of(part)
    if not body and not msg.is_multipart():
        body = _text_of(msg)
    return report_types, part_types, " ".join(fold(body[:BODY_SCAN_CHARS]).split())


def view_of(msg: email.message.Message) -> MailView:
    """Decode once what every rule needs."""
    headers = _raw_headers(msg)
    local, name = _sender(headers)
    report_types, part_types, body = _structure(msg)
    subject = headers.get("subject", [""])[0]
    return MailView(
        headers=headers,
        sender_local=local,
        sender_name=name,
        subject=" ".join(fold(subject).split()),
        report_types=report_types,
        part_types=part_types,
        body_head=body,
    )
