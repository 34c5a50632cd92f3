"""RFC 3464 delivery status notifications, block by block.

The ``message/delivery-status`` part lists, per recipient,
``Original-Recipient`` / ``Final-Recipient``, ``Action`` and ``Status``;
they are parsed here from the parsed part or, when an MTA mislabelled it,
from the text that carries the same fields. Written by hand because
flufl.bounce keeps neither the Status nor the Action per recipient, which the
gateway shows. Addresses in free text are found here too, token by token.
"""

from __future__ import annotations

import email.message
import re
from dataclasses import dataclass

from gateway.understand.mail_view import content_type, walk_parts

#: How much text the regex fallbacks read per part (hostile mail guard).
TEXT_SCAN_CHARS = 200_000

STATUS_CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
#: Where addresses end in free text. Addresses are found token by token:
#: ``ADDRESS.findall`` over a long run without "@" backtracks quadratically
#: (measured: 66 s on a 100 kB line), a bounded token cannot.
_TOKEN_SEPARATORS = re.compile(r"[\s<>()\[\],;:\"]+")
_MAX_ADDRESS = 320


@dataclass
class RecipientStatus:
    """One per-recipient block of a DSN."""

    address: str
    action: str = ""
    status: str = ""


# --- addresses in free text ------------------------------------------------------


def addresses_in(text: str) -> list[str]:
    """Every e-mail address in ``text``, in order, in linear time."""
    found = []
    for token in _TOKEN_SEPARATORS.split(text):
        if "@" in token and len(token) <= _MAX_ADDRESS:
            match = ADDRESS.fullmatch(token.strip(".'`"))
            if match:
                found.append(match.group(0))
    return found


# --- RFC 3464 ----------------------------------------------------------------


def clean_address(value: str) -> str:
    """``rfc822; <User@Example.org>`` -> ``user@example.org``."""
    value = value.split(";", 1)[1] if ";" in value else value
    found = addresses_in(value)
    return found[0].lower() if found else ""


def normalise_status(value: str) -> str:
    match = STATUS_CODE.search(value or "")
    return ".".join(match.groups()) if match else ""


def _block_from_fields(fields: dict[str, str]) -> RecipientStatus | None:
    address = clean_address(fields.get("original-recipient", "")) or clean_address(
        fields.get("final-recipient", "")
    )
    if not address:
        address = clean_address(fields.get("x-actual-recipient", ""))
    if not address:
        return None
    action = (fields.get("action", "").strip().lower().split() or [""])[0].strip(";,()")
    if action.startswith("fail") or action == "error":  # OpenSMTPD writes "error"
        action = "failed"
    return RecipientStatus(address, action, _best_status(fields))


def _best_status(fields: dict[str, str]) -> str:
    """The Status field, refined by the Diagnostic-Code when it is generic.

    Many MTAs write ``Status: 5.0.0`` and put the precise code in the remote
    server's answer (``Diagnostic-Code: smtp; 550 5.1.1 User unknown``).
    """
    status = normalise_status(fields.get("status", ""))
    diagnostic = normalise_status(fields.get("diagnostic-code", ""))
    if diagnostic and (not status or (status.endswith(".0.0") and diagnostic[0] == status[0])):
        return diagnostic
    return status


def _fields_of_text(text: str) -> list[dict[str, str]]:
    """Split DSN text into blocks of lower-case fields (blank line separated)."""
    blocks: list[dict[str, str]] = [{}]
    last = ""
    for line in text[:TEXT_SCAN_CHARS].splitlines():
        if not line.strip():
            if blocks[-1]:
                blocks.append({})
            continue
        if line[:1] in " \t" and last:
            blocks[-1][last] += " " + line.strip()
            continue
        match = _FIELD.match(line.strip())
        if match:
            last = match.group(1).lower()
            blocks[-1].setdefault(last, match.group(2).strip())
    return [b for b in blocks if b]


def part_text(part: email.message.Message) -> str:
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):  # message/delivery-status parsed as header blocks
            chunks = []
            for block in payload:
                if isinstance(block, email.message.Message):
                    chunks.append("\n".join(f"{k}: {v}" for k, v in block.raw_items()))
            return "\n\n".join(chunks)
        return ""
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        payload = part.get_payload()
        return payload[:TEXT_SCAN_CHARS] if isinstance(payload, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return raw[:TEXT_SCAN_CHARS].decode(charset, errors="replace")
    except LookupError:
        return raw[:TEXT_SCAN_CHARS].decode("latin-1")


def dsn_recipients(msg: email.message.Message, *, lookalikes: bool = False) -> list[RecipientStatus]:
    """Per-recipient blocks of every delivery-status part.

    With ``lookalikes`` (only once the mail is known to be a bounce, since a
    person may paste such fields), text parts carrying DSN fields count too:
    some MTAs send the report as text/plain.
    """
    found: list[RecipientStatus] = []
    parts = walk_parts(msg)
    status_parts = [
        p for p in parts if content_type(p) in ("message/delivery-status", "message/global-delivery-status")
    ]
    if not status_parts and lookalikes:  # mislabelled reports: DSN fields in a text part
        status_parts = [
            p
            for p in parts
            if content_type(p).startswith("text/") and not p.is_multipart() and _looks_like_dsn(part_text(p))
        ]
    for part in status_parts:
        for fields in _fields_of_text(part_text(part)):
            block = _block_from_fields(fields)
            if block is not None and block.address not in {f.address for f in found}:
                found.append(block)
    return found


def _looks_like_dsn(text: str) -> bool:
    return bool(re.search(r"^(final|original)-recipient\s*:", text, re.IGNORECASE | re.MULTILINE)) and bool(
        re.search(r"^action\s*:", text, re.IGNORECASE | re.MULTILINE)
    )
