"""Charset names as mails declare them, mapped to Python codecs.

Shared by ``parse`` (bodies and RFC 2047 words) and ``header_charset`` (raw
8-bit headers); real mail declares names Python does not know, or labels
Windows-1252 as Latin-1.
"""

from __future__ import annotations

import codecs

#: Charset names seen in real mail that Python does not know, and what they mean.
CHARSET_ALIASES = {
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-sjis": "shift_jis",
    "x-user-defined": "cp1252",
    "cp-850": "cp850",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "x-unknown-8bit": "utf-8",
    "default": "utf-8",
    "iso-8859-1": "cp1252",  # clients label windows-1252 as latin-1; cp1252 is a superset
    "latin1": "cp1252",
    "us-ascii": "utf-8",  # 8-bit bytes under a us-ascii label are most often utf-8
    "ascii": "utf-8",
}


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None when unknown."""
    if not name:
        return None
    cleaned = str(name).strip().strip("\"'").lower()
    cleaned = cleaned.split("*", 1)[0]  # RFC 2231 language suffix
    cleaned = CHARSET_ALIASES.get(cleaned, cleaned)
    try:
        return codecs.lookup(cleaned).name
    except (LookupError, ValueError):
        return None
