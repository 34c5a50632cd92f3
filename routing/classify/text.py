"""The matching form of a text: lower-case ASCII words, with each character's offset in the original.

Evidence must point at the words the person wrote, so the normalised copy keeps,
for every character, where it came from (unidecode may turn one character into
several, or none).
"""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

_HARD_BREAKS = ".;:!?\n\r()[]"
_ASCII_TABLE = {
    i: (chr(i).lower() if chr(i).isalnum() else ("|" if chr(i) in _HARD_BREAKS else ("," if chr(i) == "," else " ")))
    for i in range(128)
}
TOKEN = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Lower-case ASCII copy of ``text`` and, per character, its offset in ``text``.

    Letters and digits survive (accents removed), sentence punctuation becomes
    ``|``, commas stay, anything else becomes a space. ``None`` as the offset list
    means the identity (pure ASCII input: the common fast path).
    """
    if text.isascii():
        return text.translate(_ASCII_TABLE), None
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            chars.append(_ASCII_TABLE[ord(char)])
            offsets.append(index)
            continue
        for out in _fold(char):
            chars.append(out if out.isalnum() and out.isascii() else ("|" if out in _HARD_BREAKS else " "))
            offsets.append(index)
    return "".join(chars), offsets


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """ASCII lower-case transliteration of one character (surrogates dropped)."""
    if 0xD800 <= ord(char) <= 0xDFFF:
        return " "
    return unidecode(char).lower()


def canonical(word: str) -> str:
    """Word key for matching: a final plural s/x is optional on words over 3 letters."""
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def phrase_key(term: str) -> tuple[str, ...]:
    norm, _ = normalise(term)
    return tuple(canonical(w) for w in TOKEN.findall(norm))
