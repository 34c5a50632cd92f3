"""Understanding a mail: raw bytes in, an ``Understood`` out, nothing written.

``read_mail`` is the one function the processor, ``aplus explain`` and the
tests call. It never raises: whatever goes wrong is caught, written in
``defects``, and the mail falls back to its raw text, so a mail can always be
stored and shown, and nothing understood wrongly is lost (the raw bytes stay
with the caller).

The steps, in order: parse (``parse``), bodies and attachments
(``attachments``, ``html``), automatic-mail verdict (``automatic``), bounce
report (``bounces``), forwarded original (attached ``message/rfc822`` here,
forward-in-body in ``forwards``), reply trimming (``trim``).
"""

from __future__ import annotations

import re
from email.message import Message

from .attachments import MailParts, PartWalker
from .html import html_to_text, sanitise_html
from .limits import Limits
from .model import Address, Attachment, Automatic, Bounce, Forwarded, Understood
from .parse import (
    ParsedMail,
    decode_bytes,
    decode_header_value,
    parse_addresses,
    parse_mail,
    read_raw_headers,
)

__all__ = ["Address", "Attachment", "Limits", "Understood", "is_forward_subject", "read_mail"]

_FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:re|aw|tr|fwd?|wg|rv|enc)\s*:\s*)*(?:tr|fwd?|wg|rv|enc)\s*:", re.IGNORECASE)


def read_mail(raw: bytes, *, own_domain: str = "aplus.localhost", limits: Limits | None = None) -> Understood:
    """Everything the gateway understands of one raw mail. Never raises."""
    limits = limits or Limits()
    data = _as_bytes(raw)
    try:
        return _understand(parse_mail(data, limits=limits), own_domain, limits)
    except Exception as error:  # the modern policy has crashes on hostile headers
        first = f"reading failed ({type(error).__name__}: {error}); read again with compat32"
    try:
        understood = _understand(parse_mail(data, limits=limits, lenient=True), own_domain, limits)
        understood.defects.insert(0, first)
        return understood
    except Exception as error:
        return _raw_fallback(data, [first, f"reading failed again ({type(error).__name__}: {error}): raw text kept"])


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, (bytearray, memoryview)):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _understand(parsed: ParsedMail, own_domain: str, limits: Limits) -> Understood:
    defects = parsed.defects
    walker = PartWalker(parsed.lifted, limits, defects)
    parts = walker.collect(parsed.message)
    text, html = _bodies(parts, limits)
    subject = parsed.subject
    automatic = _classify(parsed.message, own_domain, defects)
    bounce = _parse_bounce(parsed.message, own_domain, automatic.kind, defects)
    if bounce is not None and automatic.kind == "human":
        automatic = Automatic("bounce", [*automatic.reasons, "delivery report parsed"])
    forwarded, note, trimmed, elided = _forward_and_trim(subject, text, parts, automatic, walker, limits, defects)
    sender = _first(parsed.addresses("from"))
    signature = ""
    if forwarded is None and automatic.kind == "human":
        trimmed, signature, elided = _author_and_signature(trimmed, elided, sender, defects)
    return Understood(
        message_id=_first(parsed.message_ids("message-id")),
        in_reply_to=_first(parsed.message_ids("in-reply-to")),
        references=parsed.message_ids("references"),
        subject=subject,
        sender=sender,
        reply_to=parsed.addresses("reply-to"),
        to=parsed.addresses("to"),
        cc=parsed.addresses("cc"),
        date=parsed.date,
        text=text,
        html=html,
        trimmed=trimmed,
        elided=elided,
        attachments=parts.attachments,
        automatic=automatic,
        forwarded=forwarded,
        forwarder_note=note,
        bounce=bounce,
        defects=defects,
        headers=parsed.headers,
        signature=signature,
    )


def _author_and_signature(
    trimmed: str, elided: str, sender: Address | None, defects: list[str]
) -> tuple[str, str, str]:
    """(the author's words with the closing formula, identity block, elided).

    Quoted runs of interleaved answers shrink to their question
    (``interleaved``); the identity block and the notices leave the text
    (``signatures``); what left it is added to the elided text, so nothing
    is lost from what the admin shows folded.
    """
    try:
        from .interleaved import shorten_quotes
        from .signatures import split_signature

        shortened = shorten_quotes(trimmed)
        text, signature = split_signature(shortened, elided, sender.name if sender else "")
    except Exception as error:
        defects.append(f"signature split failed: {type(error).__name__}: {error}")
        return trimmed, "", elided
    if not text.strip():
        return trimmed, "", elided
    used = set(text.split("\n")) | set(signature.split("\n"))
    dropped = "\n".join(line for line in trimmed.split("\n") if line.strip() and line not in used)
    return text, signature, _join(dropped, elided) if dropped else elided


def _first(items: list):
    return items[0] if items else None


# --- bodies --------------------------------------------------------------------


def _bodies(parts: MailParts, limits: Limits) -> tuple[str, str | None]:
    """The readable text (plain parts, else HTML made text) and sanitised HTML."""
    plain = "\n\n".join(_normalise_newlines(text).strip("\n") for text in parts.plain if text.strip())
    joined_html = "\n".join(parts.html)
    text = plain
    if not plain.strip() and joined_html.strip():
        text = html_to_text(joined_html, limits)
    if not text.strip() and parts.tnef_bodies:
        body = parts.tnef_bodies[0]
        text = html_to_text(body, limits) if "<" in body else _normalise_newlines(body)
    html = sanitise_html(joined_html, limits=limits) if joined_html.strip() else None
    return _without_nul(text).rstrip(), _without_nul(html) if html is not None else None


def _without_nul(text: str) -> str:
    """NUL bytes carry no meaning in a mail and PostgreSQL text refuses them."""
    return text.replace("\x00", "") if "\x00" in text else text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- other steps, each isolated so one failing does not lose the mail ------------


def _classify(message: Message, own_domain: str, defects: list[str]) -> Automatic:
    try:
        from .automatic import classify_automatic
    except ImportError:
        return Automatic()
    try:
        return classify_automatic(message, own_domain=own_domain)
    except Exception as error:
        defects.append(f"automatic-mail rules failed: {type(error).__name__}: {error}")
        return Automatic()


def _parse_bounce(message: Message, own_domain: str, kind: str, defects: list[str]) -> Bounce | None:
    """``kind``: what the automatic-mail rules said, so they do not run twice."""
    try:
        from .bounces import parse_bounce
    except ImportError:
        return None
    try:
        return parse_bounce(message, own_domain=own_domain, kind=kind)
    except Exception as error:
        defects.append(f"bounce parsing failed: {type(error).__name__}: {error}")
        return None


def _split_reply(text: str, limits: Limits, defects: list[str]) -> tuple[str, str]:
    """What the author wrote and what was cut; only the head of a huge text is trimmed."""
    head, tail = _head_and_tail(text, limits, defects)
    try:
        from .trim import split_reply
    except ImportError:
        return head, tail
    try:
        kept, elided = split_reply(head)
    except Exception as error:
        defects.append(f"reply trimming failed: {type(error).__name__}: {error}")
        return head, tail
    return kept, _join(elided, tail)


def _head_and_tail(text: str, limits: Limits, defects: list[str]) -> tuple[str, str]:
    cap = limits.max_trim_chars
    if len(text) <= cap:
        return text, ""
    message = f"text of {len(text)} characters: only the first {cap} were trimmed"
    if message not in defects:
        defects.append(message)
    return text[:cap], text[cap:]


def _join(first: str, second: str) -> str:
    return f"{first}\n{second}" if first and second else first or second


def is_forward_subject(subject: str) -> bool:
    """A subject that says "forwarded" (TR, Fwd, Fw, ... in any case and spacing)."""
    try:
        from .forwards import is_forward_subject as check
    except ImportError:
        return bool(_FORWARD_SUBJECT.match(subject or ""))
    try:
        return bool(check(subject or ""))
    except Exception:
        return bool(_FORWARD_SUBJECT.match(subject or ""))


def _find_forward_in_body(subject: str, text: str, limits: Limits, defects: list[str]):
    head, _ = _head_and_tail(text, limits, defects)
    try:
        from .forwards import find_forward
    except ImportError:
        return None
    try:
        return find_forward(subject, head)
    except Exception as error:
        defects.append(f"forward detection failed: {type(error).__name__}: {error}")
        return None


# --- forwards --------------------------------------------------------------------


def _forward_and_trim(
    subject: str,
    text: str,
    parts: MailParts,
    automatic: Automatic,
    walker: PartWalker,
    limits: Limits,
    defects: list[str],
) -> tuple[Forwarded | None, str, str, str]:
    """(forwarded, forwarder's note, trimmed text, elided text)."""
    if automatic.kind == "human":
        if parts.messages and (is_forward_subject(subject) or not text.strip()):
            forwarded = _forward_from_message(parts.messages[0], walker, limits, defects)
            note, elided = _split_reply(text, limits, defects) if text.strip() else ("", "")
            return forwarded, note, note, elided
        found = _find_forward_in_body(subject, text, limits, defects)
        if found is not None:
            forwarded = Forwarded(
                sender=getattr(found, "sender", None),
                subject=getattr(found, "subject", "") or "",
                date=getattr(found, "date", "") or "",
                text=getattr(found, "text", "") or "",
                attachments=[item for item in parts.attachments if not item.inline],
            )
            note = (getattr(found, "note", "") or "").strip()
            return forwarded, note, note, _after_note(text, note)
    trimmed, elided = _split_reply(text, limits, defects)
    return None, "", trimmed, elided


def _after_note(text: str, note: str) -> str:
    """What follows the forwarder's note: the forwarded block, kept as elided."""
    stripped = text.strip()
    if note and stripped.startswith(note):
        return stripped[len(note) :].strip()
    return stripped if not note else stripped.replace(note, "", 1).strip()


def _forward_from_message(inner: Message, walker: PartWalker, limits: Limits, defects: list[str]) -> Forwarded:
    """The original mail of a forward sent as an attached message."""
    headers = read_raw_headers(inner)
    senders = parse_addresses(headers.get("from", "")) or parse_addresses(headers.get("sender", ""))
    inner_walker = PartWalker(walker.lifted, limits, defects)
    inner_parts = inner_walker.collect(inner, depth=1)
    text, _ = _bodies(inner_parts, limits)
    return Forwarded(
        sender=senders[0] if senders else None,
        subject=" ".join(decode_header_value(headers.get("subject", ""), defects, "subject").split()),
        date=decode_header_value(headers.get("date", ""), defects, "date"),
        text=text,
        attachments=inner_parts.attachments,
    )


# --- last resort -----------------------------------------------------------------


def _raw_fallback(data: bytes, defects: list[str]) -> Understood:
    """An ``Understood`` holding the raw text only, when nothing else worked."""
    try:
        text = decode_bytes(data)
    except Exception:
        text = data.decode("latin-1", "replace")
    return Understood(
        message_id=None,
        in_reply_to=None,
        references=[],
        subject="",
        sender=None,
        reply_to=[],
        to=[],
        cc=[],
        date=None,
        text=text,
        html=None,
        trimmed=text,
        elided="",
        attachments=[],
        automatic=Automatic(),
        forwarded=None,
        forwarder_note="",
        bounce=None,
        defects=defects,
        headers={},
    )

