"""Parse raw mail bytes into a message and decoded headers, whatever the bytes.

The stdlib ``email`` package does the MIME work (``policy.default`` first,
``compat32`` when the modern policy raises). mail-parser was measured too: it
wraps the same stdlib parser with ``compat32``, decodes every attachment into
memory up front (same 7.7x peak on a 50 MB attachment, no cap) and replaces
undecodable header bytes instead of trying windows-1252, so it does not parse
mail here; it reads the ``Received`` hops for ``aplus explain`` (``hops``).

Header decoding is written by hand on purpose: ``policy.default`` turns 8-bit
header bytes into U+FFFD instead of trying windows-1252 (what French Outlook
and webmails actually send), and ``email.header.make_header`` raises on an
unknown or wrong charset in one RFC 2047 word. Here each word falls back on
its own: declared charset, then utf-8, then windows-1252, then latin-1, and a
defect is recorded instead of an exception.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import email.utils
from email import _header_value_parser
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message

from .bigparts import LiftedMail, lift_big_runs
from .charsets import normalise_charset
from .header_charset import decode_8bit_headers
from .limits import Limits, bound_headers, cut_parsed
from .model import Address

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_MSG_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f]+>")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
#: A host name (letters in any script, digits, inner hyphens; a TLD of letters or punycode) or an address literal.
_HOST = re.compile(r"^(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)*(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$|^\[[0-9a-f.:]+\]$",
                   re.IGNORECASE)


@dataclass
class ParsedMail:
    """A parsed message with its headers already decoded into plain text."""

    message: Message
    lifted: LiftedMail
    headers: dict[str, str]
    raw_headers: dict[str, str]  # undecoded (but unfolded), for addresses
    defects: list[str] = field(default_factory=list)
    policy_name: str = "default"

    @property
    def subject(self) -> str:
        return " ".join(self.headers.get("subject", "").split())

    def addresses(self, name: str) -> list[Address]:
        return parse_addresses(self.raw_headers.get(name.lower(), ""))

    def message_ids(self, name: str) -> list[str]:
        return parse_message_ids(self.headers.get(name.lower(), ""))

    @property
    def date(self) -> datetime | None:
        return parse_date(self.headers.get("date", ""))


def parse_mail(raw: bytes, *, max_parts: int = 1000, lenient: bool = False, limits: Limits | None = None) -> ParsedMail:
    """Parse with the modern policy, falling back to compat32, then headers only.

    ``lenient`` starts with compat32. A mail announcing more than
    ``max_parts`` parts is read with compat32 too: ``policy.default`` parses
    each part's headers into objects, measured 12 s for 10,000 parts against
    0.9 s with compat32, and the parts beyond the cap are ignored anyway.
    """
    limits = limits or Limits(max_parts=max_parts)
    max_parts = limits.max_parts
    defects: list[str] = []
    lifted = lift_big_runs(bound_headers(raw, limits, defects))  # bounds before the parser: limits.py
    cut_parsed(lifted, limits, defects)
    if not lenient and lifted.parsed.count(b"\n--") > 2 * max_parts:
        defects.append(f"more than {max_parts} MIME boundaries: read with the compat32 policy")
        lenient = True
    message, policy_name = _parse_message(lifted.parsed, defects, lenient)
    raw_headers = decode_8bit_headers(read_raw_headers(message), message)
    headers = {name: decode_header_value(value, defects, name) for name, value in raw_headers.items()}
    defects.extend(message_defects(message))
    return ParsedMail(message, lifted, headers, raw_headers, defects, policy_name)


def _parse_message(data: bytes, defects: list[str], lenient: bool) -> tuple[Message, str]:
    for name, policy in (("default", email.policy.default), ("compat32", email.policy.compat32)):
        if lenient and name == "default":
            continue
        try:
            return email.message_from_bytes(data, policy=policy), name
        except RecursionError:  # compat32 would recurse just as deep: read the body as text
            defects.append(f"parser ({name} policy): nesting too deep, body read as plain text")
            break
        except Exception as error:  # the stdlib parser has known crashes on hostile input
            defects.append(f"parser ({name} policy) failed: {type(error).__name__}: {error}")
    return _headers_only(data, defects), "headers-only"


def _headers_only(data: bytes, defects: list[str]) -> Message:
    """Headers parsed, the whole body kept as one text/plain payload."""
    head, _, body = _split_head_body(data)
    try:
        message = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
    except Exception as error:
        defects.append(f"headers unreadable: {type(error).__name__}")
        message = Message()
    for name in ("content-type", "content-transfer-encoding"):
        del message[name]
    message["Content-Type"] = "text/plain"
    message.set_payload(body.decode("ascii", "surrogateescape"))
    return message


def _split_head_body(data: bytes) -> tuple[bytes, bytes, bytes]:
    match = re.search(rb"\r?\n\r?\n", data)
    if not match:
        return data, b"", b""
    return data[: match.start()], match.group(), data[match.end() :]


def read_raw_headers(message: Message) -> dict[str, str]:
    """First occurrence of each header, lower-case name, unfolded, not decoded."""
    headers: dict[str, str] = {}
    try:
        items = list(message.raw_items())
    except Exception:
        items = list(getattr(message, "_headers", []))
    for name, value in items:
        key = str(name).strip().lower()
        if key and key not in headers:
            headers[key] = _FOLD.sub("", str(value)).strip()
    return headers


def message_defects(message: Message) -> list[str]:
    """The stdlib parser's defects, as short strings (first ones only)."""
    found: list[str] = []
    try:
        for part in _limited_walk(message, 200):
            for defect in getattr(part, "defects", []) or []:
                found.append(f"mime: {type(defect).__name__}")
    except Exception:  # walking is best effort, defects are informative only
        pass
    unique = list(dict.fromkeys(found))
    return unique[:20]


def _limited_walk(message: Message, limit: int):
    stack = [message]
    seen = 0
    while stack and seen < limit:
        part = stack.pop()
        seen += 1
        yield part
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(reversed(payload))


# --- text decoding -----------------------------------------------------------


def decode_bytes(data: bytes, declared: str | None = None, defects: list[str] | None = None, where: str = "body") -> str:
    """Decode text bytes: declared charset, then utf-8, then windows-1252, then latin-1."""
    if not data:
        return ""
    codec = normalise_charset(declared)
    if declared and codec is None and defects is not None:
        defects.append(f"{where}: unknown charset {declared!r}")
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            if defects is not None and codec != "utf-8":
                defects.append(f"{where}: bytes do not match declared charset {declared!r}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_header_value(value: str, defects: list[str] | None = None, name: str = "header") -> str:
    """Plain text of one header: 8-bit bytes guessed, RFC 2047 words decoded."""
    try:
        text = _decode_words(str(value), defects, name) if "=?" in str(value) else decode_8bit(str(value))
        return "".join(ch for ch in text if ch in "\t" or ch >= " " and ch != "\x7f")
    except Exception as error:  # never let one header stop the mail
        if defects is not None:
            defects.append(f"{name}: undecodable header ({type(error).__name__})")
        return str(value).encode("utf-8", "replace").decode("utf-8", "replace")


def _decode_words(value: str, defects: list[str] | None, name: str) -> str:
    """RFC 2047 words decoded from their raw bytes, the text around them from 8-bit."""
    value = _BETWEEN_WORDS.sub(r"\1\2", value)
    pieces: list[str] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        pieces.append(decode_8bit(value[position : match.start()]))
        pieces.append(_decode_word(match, defects, name))
        position = match.end()
    pieces.append(decode_8bit(value[position:]))
    return "".join(pieces)


def decode_8bit(text: str) -> str:
    """Undo the parser's surrogate escapes: the raw header bytes, decoded."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    return decode_bytes(data)


def _decode_word(match: re.Match[str], defects: list[str] | None, name: str) -> str:
    charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
    raw = payload.encode("utf-8", "surrogateescape")  # 8-bit bytes inside a word kept as they came
    try:
        if encoding == "b":
            data = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
        else:
            data = binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        if defects is not None:
            defects.append(f"{name}: broken encoded word")
        return decode_8bit(match.group(0))
    return decode_bytes(data, charset, defects, name)


# --- structured headers ------------------------------------------------------


def parse_addresses(raw_value: str) -> list[Address]:
    """Mailboxes of an address header, emails lower-cased, names decoded.

    The raw header is split by the modern parser (``email._header_value_parser``,
    what ``policy.default`` uses) *before* any RFC 2047 word is decoded, so an
    encoded word is only ever a display name: ``=?utf-8?q?a:victim@x?= <me@y>``
    is ``me@y``. ``email.headerregistry`` itself is not used because it raises
    on a display name with an encoded CR/LF, exactly the hostile input to read.
    An address must also be written literally outside every encoded word and
    have a host name for domain, so ``=?utf-8?q?x=0d=0a?= _evil@a.example=0d=0ax``
    yields nothing rather than a forged address (the caller then falls back on
    the envelope).
    """
    if not raw_value:
        return []
    text = "".join(ch for ch in decode_8bit(raw_value) if ch >= " " and ch != "\x7f" or ch == "\t")  # raw NULs, CRs
    literal = _ENCODED_WORD.sub(" ", text).lower()
    try:
        address_list, _rest = _header_value_parser.get_address_list(text)
        mailboxes = list(address_list.all_mailboxes)
    except Exception:  # the parser has known crashes on hostile input: nothing trusted from it
        mailboxes = []
    found: list[Address] = []
    for mailbox in mailboxes:
        address = _literal_address(mailbox, literal)
        if address is not None:
            found.append(Address(address, _display_name(mailbox)))
    if not found and not mailboxes:
        found = _addresses_by_pattern(literal)
    return found


def _literal_address(mailbox, literal: str) -> str | None:
    """``local@domain`` of a parsed mailbox when it is a plain address written as such."""
    try:
        local, domain = mailbox.local_part, mailbox.domain
    except Exception:
        return None
    if not local or not domain:
        return None
    address = f"{local}@{domain}".lower()
    if any(ch <= " " or ch == "\x7f" for ch in address) or not _HOST.match(domain) or address not in literal:
        return None
    return address


def _display_name(mailbox) -> str:
    try:
        name = mailbox.display_name or ""
    except Exception:
        return ""
    name = decode_8bit(name)  # an unknown charset leaves surrogates: guess as for 8-bit headers
    return " ".join("".join(ch if ch >= " " and ch != "\x7f" else " " for ch in name).split()).strip("\"' ")


def _addresses_by_pattern(text: str) -> list[Address]:
    """Last resort for headers the parser cannot split: anything like an address (outside encoded words)."""
    emails = re.findall(r"[\w.+'=-]+@[\w-]+(?:\.[\w-]+)+", text)
    return [Address(found.lower()) for found in dict.fromkeys(emails)]


def parse_message_ids(value: str) -> list[str]:
    """Message-IDs of a header, with their angle brackets (``<id@host>``)."""
    if not value:
        return []
    found = _MSG_ID.findall(value)
    if found:
        return list(dict.fromkeys(found))
    bare = value.strip().split()
    return [f"<{bare[0].strip('<>')}>"] if bare and "@" in bare[0] else []


def parse_date(value: str) -> datetime | None:
    """The Date header as a datetime, None when it cannot be read."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
