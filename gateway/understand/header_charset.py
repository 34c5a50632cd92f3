"""Raw 8-bit header bytes in a charset other than UTF-8: readable subject and names.

RFC 5322 headers are ASCII, but old clients and some Asian and Russian
webmails write the subject and the display names as raw bytes in their own
charset (Windows-1252, GB2312/GBK, Shift_JIS, KOI8-R). Decoding them as
UTF-8-else-Windows-1252 gives mojibake for every charset but the last one.

The order of guesses, from the most to the least trustworthy:

1. valid UTF-8 stays UTF-8 (raw UTF-8 headers are the common case, and
   other charsets' bytes are almost never valid UTF-8);
2. the charset the body declares (the same client wrote both);
3. a detector (charset-normalizer, maintained, pure Python with an optional
   compiled speed-up) run over all the 8-bit header bytes and the start of the
   body together, since one subject line is too short to detect alone;
4. Windows-1252, what French Outlook and webmails send.

The decoded text replaces the raw value before any other reading, so the
address extraction (``parse.parse_addresses``) sees text, not bytes.
"""

from __future__ import annotations

from email.message import Message

from .charsets import normalise_charset

__all__ = ["decode_8bit_headers"]

#: How much of the body helps the detector.
BODY_SAMPLE_BYTES = 4000


def _has_8bit(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _raw(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def _declared_charset(message: Message) -> str | None:
    """The charset of the message, or of its first text part."""
    try:
        parts = [message, *(message.walk() if message.is_multipart() else [])]
    except Exception:
        parts = [message]
    for part in parts[:50]:
        try:
            if part.get_content_maintype() != "text" and part is not message:
                continue
            declared = part.get_param("charset")
        except Exception:
            continue
        if isinstance(declared, str) and declared.strip():
            codec = normalise_charset(declared)
            if codec and codec not in ("ascii", "utf-8"):
                return codec
    return None


def _body_sample(message: Message) -> bytes:
    try:
        payload = message.get_payload(decode=True) if not message.is_multipart() else None
    except Exception:
        payload = None
    return payload[:BODY_SAMPLE_BYTES] if isinstance(payload, bytes) else b""


#: Detected charsets worth trusting on a few words: those of other scripts.
#: For Latin text a detector hesitates between Windows-1252, -1250 and
#: ISO-8859-2 on a short sample; a French gateway takes Windows-1252 then.
NON_LATIN_CHARSETS = frozenset({
    "gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "iso2022_jp",
    "euc_kr", "cp949", "johab", "iso2022_kr", "koi8_r", "koi8_u", "cp1251", "iso8859_5", "mac_cyrillic", "cp866",
    "cp855", "iso8859_7", "cp1253", "iso8859_6", "cp1256", "iso8859_8", "cp1255", "tis_620", "cp874",
})  # fmt: skip


def _detected_charset(sample: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # the detector is a help, never a reason to fail
        return None
    if best is None:
        return None
    name = normalise_charset(best.encoding)
    return name if name and name.replace("-", "_") in NON_LATIN_CHARSETS else None


def _decode(data: bytes, codecs: list[str]) -> str | None:
    for codec in codecs:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def decode_8bit_headers(raw_headers: dict[str, str], message: Message) -> dict[str, str]:
    """``raw_headers`` with each 8-bit value decoded (RFC 2047 words left as they are)."""
    # values with RFC 2047 words keep their bytes: parse decodes each word
    # from its own raw bytes, with the word's declared charset
    eight_bit = {name: value for name, value in raw_headers.items() if _has_8bit(value) and "=?" not in value}
    if not eight_bit:
        return raw_headers
    undecided = {name: value for name, value in eight_bit.items() if _decode(_raw(value), ["utf-8"]) is None}
    codecs = ["utf-8"]
    if undecided:
        declared = _declared_charset(message)
        if declared:
            codecs.append(declared)
        else:
            sample = b"\n".join(_raw(value) for value in undecided.values()) + b"\n" + _body_sample(message)
            detected = _detected_charset(sample)
            if detected:
                codecs.append(detected)
        codecs.append("cp1252")
    decoded = dict(raw_headers)
    for name, value in eight_bit.items():
        text = _decode(_raw(value), codecs)
        decoded[name] = text if text is not None else _raw(value).decode("latin-1")
    return decoded
