"""Reduce a bounce to what the gateway acts on: who failed, how, for which mail.

Three sources, from the most to the least trustworthy:

1. RFC 3464 delivery status notifications: the ``message/delivery-status``
   part lists, per recipient, ``Original-Recipient`` / ``Final-Recipient``,
   ``Action`` and ``Status``. Parsed here, block by block, from the parsed
   part or, when an MTA mislabelled it, from the text that carries the same
   fields.
2. Non-standard bounces (qmail, Exim without a report, Postfix without a
   report, Exchange "Non remis", webmail providers): the recipients are
   found by flufl.bounce, the GNU Mailman bounce detectors (maintained,
   about twenty MTA formats); the status code is the first RFC 3463 code in
   the text.
3. The outbound mail it answers: our VERP address (``+bounce-`` at our
   domain, see verp.py) in the headers the bounce was delivered with, and
   the Message-ID of the embedded original (``message/rfc822`` or
   ``text/rfc822-headers`` part, or a ``Message-ID:`` line in the text).

``permanent`` is true when the action is ``failed`` with a 5.x.x status (or
no status at all: "failed" is final in RFC 3464); a ``delayed`` report, or a
failure with a 4.x.x status (given up after retries on a temporary cause),
is not permanent. A DSN that only reports ``delivered`` / ``relayed`` /
``expanded`` still returns a Bounce (action says so, never permanent): the
processor must only mark an address as failing when ``permanent`` is true.

The DSN block parser is written by hand because flufl.bounce keeps neither
the Status nor the Action per recipient, which the gateway shows.
"""

from __future__ import annotations

import email.message
import logging
import re
import unicodedata

from gateway.understand.automatic import classify_automatic
from gateway.understand.dsn import (
    ADDRESS,
    STATUS_CODE,
    TEXT_SCAN_CHARS,
    RecipientStatus,
    addresses_in,
    clean_address,
    dsn_recipients,
    part_text,
)
from gateway.understand.mail_view import content_type, walk_parts
from gateway.understand.model import Bounce

#: Order in which per-recipient actions are reported: the worst first.
ACTION_RANK = {"failed": 0, "delayed": 1, "relayed": 2, "expanded": 3, "delivered": 4}

_MESSAGE_ID_LINE = re.compile(r"^\s*>?\s*message-id\s*:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
_VERP_HEADERS = ("to", "delivered-to", "x-original-to", "return-path", "envelope-to", "x-envelope-to", "cc")

# flufl.bounce logs every detector at INFO and exceptions with tracebacks;
# a failure there is expected on hostile mail and handled below.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)


# --- non-standard bounces ---------------------------------------------------------


def _flufl_failures(msg: email.message.Message) -> tuple[list[str], list[str]]:
    """(temporary, permanent) recipients found by the Mailman detectors.

    The detectors read every line of every part; on a bounce that embeds a
    large original (measured: 30 s for 5 MB) that is too slow, so they get
    the report alone when the mail is large: its headers and its own text,
    capped, as one text part.
    """
    from flufl.bounce import all_failures

    temporary, permanent = all_failures(_report_only(msg) if _is_large(msg) else msg)
    decode = lambda items: sorted({clean_address(a.decode("ascii", "replace")) for a in items} - {""})  # noqa: E731
    return decode(temporary), decode(permanent)


#: Above this many characters of payload, flufl.bounce reads the report alone.
FLUFL_FULL_MESSAGE_CHARS = 256_000


def _is_large(msg: email.message.Message) -> bool:
    total = 0
    for part in walk_parts(msg):
        payload = part.get_payload()
        if isinstance(payload, str):
            total += len(payload)
            if total > FLUFL_FULL_MESSAGE_CHARS:
                return True
    return False


def _report_only(msg: email.message.Message) -> email.message.Message:
    copy = email.message.Message()
    for name, value in msg.raw_items():
        if name.lower() not in ("content-type", "content-transfer-encoding", "mime-version"):
            copy[name] = value
    copy.set_payload(_all_text(msg, skip_embedded=True)[:TEXT_SCAN_CHARS])
    return copy


def _all_text(msg: email.message.Message, *, skip_embedded: bool) -> str:
    """Text of the report itself (not of the embedded original, when asked)."""
    chunks: list[str] = []
    embedded: set[int] = set()
    for part in walk_parts(msg):
        if id(part) in embedded:
            continue
        ctype = content_type(part)
        if ctype == "message/rfc822" and skip_embedded:
            embedded.update(id(p) for p in walk_parts(part))
            continue
        if ctype.startswith("text/") and ctype != "text/rfc822-headers":
            chunks.append(part_text(part))
    return "\n".join(chunks)


#: Where bounce texts name the failed recipient, most specific first.
_RECIPIENT_CUES = (
    re.compile(r"rcpt to:\s*<?(" + ADDRESS.pattern + r")", re.IGNORECASE),
    re.compile(r"^\s*[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\s+<(" + ADDRESS.pattern + r")>", re.MULTILINE),
    re.compile(r"\bdeliver\w*\b[^<\n]{0,40}<(" + ADDRESS.pattern + r")>", re.IGNORECASE),
    re.compile(r"^\s*<(" + ADDRESS.pattern + r")>\s*:", re.MULTILINE),  # Postfix, qmail
    re.compile(r"^\s*-{2,3}\s+(" + ADDRESS.pattern + r")\s*$", re.MULTILINE),  # MDaemon
    re.compile(r"\bsent to\s+<?(" + ADDRESS.pattern + r")", re.IGNORECASE),  # mainframe-era MTAs
    re.compile(r"^\s*(?:destinataire\s*:\s*)?(" + ADDRESS.pattern + r")\s*:\s*\w", re.MULTILINE | re.IGNORECASE),
    re.compile(r"^\s*(" + ADDRESS.pattern + r")\s*$", re.MULTILINE),  # Exim, Gmail: address alone
    re.compile(r"\((" + ADDRESS.pattern + r")\)", re.MULTILINE),  # Exchange: "Name (address)"
)
_MESSAGE_ID_ANYWHERE = re.compile(r"message-id\s*:\s*<[^>\n]{0,500}>", re.IGNORECASE)
_NOT_RECIPIENT_LOCALS = re.compile(r"^(mailer-?daemon|postmaster|post_master|no-?reply|do-?not-?reply|abuse)$")


def _bounce_own_addresses(msg: email.message.Message) -> set[str]:
    """Addresses of the bounce's own envelope: never the failed recipient."""
    own: set[str] = set()
    for name, value in msg.raw_items():
        if name.lower() in ("from", "to", "sender", "reply-to", "return-path", "delivered-to"):
            own.update(a.lower() for a in addresses_in(str(value)))
    return own


def text_recipients(msg: email.message.Message, own_domain: str) -> list[str]:
    """Failed recipients named in a bounce's text, for reports flufl misses."""
    text = _MESSAGE_ID_ANYWHERE.sub("", _all_text(msg, skip_embedded=True))
    excluded = _bounce_own_addresses(msg)

    def acceptable(address: str) -> bool:
        local, _, domain = address.lower().rpartition("@")
        return (
            address.lower() not in excluded
            and not _NOT_RECIPIENT_LOCALS.match(local)
            and not (own_domain and domain == own_domain.lower())
        )

    for cue in _RECIPIENT_CUES:
        found = [a.lower().strip(".") for a in cue.findall(text) if acceptable(a)]
        if found:
            return list(dict.fromkeys(found))
    rest = [a.lower() for a in addresses_in(text) if acceptable(a)]
    return rest[:1]


def _first_status(text: str) -> str:
    """The first permanent code, else the first code at all."""
    codes = [".".join(m.groups()) for m in STATUS_CODE.finditer(text[:TEXT_SCAN_CHARS])]
    for code in codes:
        if code.startswith("5"):
            return code
    return next((c for c in codes if not c.startswith("2")), "")


# --- the outbound mail it answers -----------------------------------------------


def original_message_id(msg: email.message.Message) -> str | None:
    """Message-ID of the embedded original (a part first, then a text line)."""
    parts = walk_parts(msg)
    for part in parts[1:]:
        ctype = content_type(part)
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, email.message.Message):
                for name, value in inner.raw_items():
                    if name.lower() == "message-id" and "<" in str(value):
                        return _angle(str(value))
        if ctype in ("text/rfc822-headers", "message/rfc822-headers", "message/global-headers"):
            match = _MESSAGE_ID_LINE.search(part_text(part))
            if match:
                return match.group(1)
    match = _MESSAGE_ID_LINE.search(_all_text(msg, skip_embedded=False))
    return match.group(1) if match else None


def _angle(value: str) -> str:
    match = re.search(r"<[^>\s]+>", value)
    return match.group(0) if match else value.strip()


def verp_address(msg: email.message.Message, recipients: list[str], own_domain: str) -> str | None:
    """Our ``+bounce-`` return path, from the headers the bounce came with."""
    if not own_domain:
        return None
    suffix = "@" + own_domain.lower()
    values = [str(v) for k, v in msg.raw_items() if k.lower() in _VERP_HEADERS] + recipients
    for value in values:
        for address in addresses_in(value):
            address = address.lower()
            if address.endswith(suffix) and "+bounce-" in address.partition("@")[0]:
                return address
    return None


# --- assembling the verdict --------------------------------------------------------


def _summarise(blocks: list[RecipientStatus]) -> tuple[list[str], str, str]:
    """Recipients of the worst action, that action, and its first status."""
    worst = min(blocks, key=lambda b: ACTION_RANK.get(b.action, 5))
    chosen = [b for b in blocks if b.action == worst.action]
    status = next((b.status for b in chosen if b.status), "")
    return [b.address for b in chosen], worst.action, status


def _is_permanent(action: str, status: str) -> bool:
    return action == "failed" and (status.startswith("5") or not status)


def _from_dsn(blocks: list[RecipientStatus], msg: email.message.Message) -> tuple[list[str], str, str]:
    recipients, action, status = _summarise(blocks)
    if not action:  # DSN without Action: infer it from the status class
        status = status or _first_status(_all_text(msg, skip_embedded=True))
        action = {"5": "failed", "4": "delayed", "2": "delivered"}.get(status[:1], "failed")
    return recipients, action, status


def _from_text(msg: email.message.Message, own_domain: str) -> tuple[list[str], str, str]:
    report = _all_text(msg, skip_embedded=True)
    status = _first_status(report)
    try:
        temporary, permanent = _flufl_failures(msg)
    except Exception:  # a detector choked on this mail: try our own cues
        temporary, permanent = [], []
    # A delay warning says so in its subject or its text; the Mailman
    # detectors take some of them for failures (they look for addresses).
    # (a 4.x.x code alone is not enough: "given up after 5 days" carries one)
    delayed = not status.startswith("5") and (
        bool(_DELAYED.search(_fold(_subject(msg)))) or bool(_DELAY_TEXT.search(_fold(report[:4000])))
    )
    if delayed:
        return (temporary or permanent or text_recipients(msg, own_domain)), "delayed", status
    if permanent:
        return permanent, "failed", status
    if temporary:
        return temporary, "delayed", status
    action = "delayed" if status.startswith("4") else "failed"
    return text_recipients(msg, own_domain), action, status


_DELAYED = re.compile(r"delay|warning|retard|differe|avertissement|not yet delivered|pas encore (?:ete |pu etre )?remis")
#: What delay warnings write, folded: they are not failures.
_DELAY_TEXT = re.compile(
    r"this is a warning message only|you do not need to resend|no action is required|will keep trying|"
    r"delivery attempts will continue|has not yet been delivered|"
    r"vous n'avez pas besoin de (?:le )?renvoyer|continuera d'essayer|continuerons a essayer|"
    r"(?:remise|distribution) (?:est |a ete )?(?:retardee|differee)|pas encore (?:ete |pu etre )?remis"
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _subject(msg: email.message.Message) -> str:
    return " ".join(str(v) for k, v in msg.raw_items() if k.lower() == "subject")


def parse_bounce(msg: email.message.EmailMessage, *, own_domain: str, kind: str | None = None) -> Bounce | None:
    """Return the bounce this mail reports, or None when it is not a bounce.

    Never raises: on an unexpected failure the mail still counts as a bounce
    when the classifier says so, with no recipient and no status (the VERP
    address and the embedded Message-ID are tried separately). ``kind`` is
    the automatic-mail classification when the caller already has it.
    """
    try:
        blocks = dsn_recipients(msg)
    except Exception:
        blocks = []
    if not blocks:
        try:
            if (kind or classify_automatic(msg, own_domain=own_domain).kind) != "bounce":
                return None
        except Exception:
            return None
        try:
            blocks = dsn_recipients(msg, lookalikes=True)
        except Exception:
            blocks = []
    try:
        recipients, action, status = _from_dsn(blocks, msg) if blocks else _from_text(msg, own_domain)
    except Exception:
        recipients, action, status = [], "failed", ""
    recipients = [r for r in recipients if not ("+bounce-" in r and r.endswith("@" + own_domain.lower()))]
    return Bounce(
        recipients=recipients,
        status=status,
        action=action,
        permanent=_is_permanent(action, status),
        original_message_id=_safe(original_message_id, msg),
        verp_address=_safe(lambda m: verp_address(m, [b.address for b in blocks], own_domain), msg),
    )


def _safe(function, msg):  # type: ignore[no-untyped-def]
    try:
        return function(msg)
    except Exception:
        return None
