"""What each MIME part says about itself: type, disposition, charset, name.

Read defensively (a hostile header never raises here) and apart from the
walk in ``attachments``, which decides what to do with a part; filenames are
made safe to store and types are read from the content (``filetype``).
"""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
from email.message import Message

import filetype

from .parse import decode_8bit, decode_bytes, decode_header_value

MAX_FILENAME_CHARS = 150
MESSAGE_TYPES = {"message/rfc822", "message/global"}
GENERIC_TYPES = {"application/octet-stream", "application/x-download", "application/force-download", ""}
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}


# --- part metadata, each read defensively -----------------------------------


_MIME_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")


def content_type_of(part: Message) -> str:
    try:
        value = part.get_content_type().strip().lower()
    except Exception:
        return "application/octet-stream"
    return value if _MIME_TYPE.fullmatch(value) else "application/octet-stream"


def disposition_of(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except Exception:
        return None
    return value.lower() if value else None


def charset_of(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def filename_of(part: Message) -> str | None:
    """The part's filename, RFC 2231 and RFC 2047 decoded, 8-bit bytes guessed.

    Read through a compat32 copy of the two headers: ``policy.default`` has
    already replaced undecodable 8-bit bytes by U+FFFD, compat32 keeps them
    so ``decode_header_value`` can try windows-1252.
    """
    try:
        shadow = Message()
        for key, value in part.raw_items():
            if key.lower() in ("content-disposition", "content-type"):
                shadow[key] = decode_8bit(str(value))
        name = shadow.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_filename()
        except Exception:
            name = None
    if not name:
        return None
    return decode_header_value(str(name))


def content_id_of(part: Message) -> str | None:
    try:
        value = part.get("content-id")
    except Exception:
        return None
    cleaned = "".join(ch for ch in str(value or "") if ch > " " and ch != "\x7f").strip("<>")
    return cleaned[:250] or None


def is_body(content_type: str, disposition: str | None, filename: str | None) -> bool:
    """Text shown as the mail's body: no filename, or explicitly inline (Netscape, Apple Mail)."""
    if content_type not in ("text/plain", "text/html"):
        return False
    return disposition == "inline" or (disposition is None and not filename)


def tnef_name(item: object) -> str | None:
    for getter in ("long_filename", "name"):
        try:
            value = getattr(item, getter)
            value = value() if callable(value) else value
        except Exception:
            continue
        if isinstance(value, bytes):
            value = decode_bytes(value)
        if value:
            return str(value).rstrip("\x00")
    return None


# --- names and types -----------------------------------------------------------


def safe_filename(name: str | None, index: int = 1, content_type: str = "application/octet-stream") -> str:
    """A filename safe to store and to offer for download.

    Basename only (no ``/`` nor ``\\``), no control or invisible format
    characters (e.g. right-to-left override), no characters Windows refuses,
    at most ``MAX_FILENAME_CHARS`` characters with the extension kept, and a
    French default name when nothing is left.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r'[<>:"|?*]', "_", text)
    text = " ".join(text.split()).strip(" .")
    if not text:
        return f"piece-jointe-{index}{_extension_for(content_type)}"
    stem, extension = os.path.splitext(text)
    if len(extension) > 16:
        stem, extension = text, ""
    if stem.lower() in WINDOWS_RESERVED:
        stem = f"_{stem}"
    stem = stem[: MAX_FILENAME_CHARS - len(extension)].rstrip(" .") or f"piece-jointe-{index}"
    return stem + extension


def _extension_for(content_type: str) -> str:
    if content_type in MESSAGE_TYPES:
        return ".eml"
    return mimetypes.guess_extension(content_type or "") or ".bin"


def detect_type(data: bytes, declared: str, filename: str | None = None) -> str:
    """The type the content says it is; else the declared one; else the name's."""
    try:
        detected = filetype.guess_mime(data[:8192]) if data else None
    except Exception:
        detected = None
    if detected:
        return detected
    if declared and declared not in GENERIC_TYPES:
        return declared
    return mimetypes.guess_type(filename or "")[0] or "application/octet-stream"


def types_disagree(declared: str, detected: str) -> bool:
    """Only a change of family is worth a defect (image/jpg vs image/jpeg is not)."""
    if declared in GENERIC_TYPES or declared == detected:
        return False
    return declared.split("/")[0] != detected.split("/")[0]
