"""The relays a mail went through and how long each took (``Received`` headers), by mail-parser.

When a person says "I sent it on Monday" and the ticket opened on Wednesday,
the ``Received`` hops say which server held the mail. mail-parser (named by
the design) reads the ``Received`` headers of the usual MTAs (Postfix,
Exchange, Gmail, qmail, Sendmail...) into hops with their dates and the delay
from the previous hop, which the stdlib does not do.

Only the header block is given to mail-parser, capped at ``MAX_HEADER_BYTES``:
it parses whole messages and decodes every attachment up front (see
``parse``), which the hops do not need and hostile mail would abuse. Used by
``aplus explain`` and ``aplus quarantine show``, never on the processor's
path.
"""

from __future__ import annotations

import re

__all__ = ["MAX_HEADER_BYTES", "received_hops"]

MAX_HEADER_BYTES = 64 * 1024
#: More hops than this is a loop or a forged trail: the first ones are kept.
MAX_HOPS = 30
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")


def _header_block(raw: bytes) -> bytes:
    match = _END_OF_HEADERS.search(raw, 0, MAX_HEADER_BYTES)
    return raw[: match.start()] if match else raw[:MAX_HEADER_BYTES]


def _printable(value: object) -> str:
    """Header text without control characters (NUL included): it is shown and stored as JSON."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f")


def received_hops(raw: bytes) -> list[dict[str, object]]:
    """Hops oldest first: ``{"hop", "from", "by", "with", "date_utc", "delay"}``
    (delay in seconds from the previous hop). Empty when none can be read."""
    head = _header_block(raw)
    if b"received:" not in head.lower():
        return []
    try:
        import mailparser

        parsed = mailparser.parse_from_bytes(head + b"\r\n\r\n")
        hops = parsed.received or []
    except Exception:  # the hops are informative: never a reason to fail
        return []
    found = []
    for hop in hops[:MAX_HOPS]:
        if not isinstance(hop, dict):
            continue
        delay = hop.get("delay")
        found.append({
            "hop": hop.get("hop"),
            "from": _printable(hop.get("from", ""))[:300],
            "by": _printable(hop.get("by", ""))[:300],
            "with": _printable(hop.get("with", ""))[:50],
            "date_utc": _printable(hop.get("date_utc")) or None,
            "delay": float(delay) if isinstance(delay, (int, float)) else None,
        })
    return found
