"""The matching form of a text: lower-case ASCII words, with each character's offset in the original.

Evidence must point at the words the person wrote, so the normalised copy keeps,
for every character, where it came from (unidecode may turn one character into
several, or none).

Why three paths: ``normalise`` is the hottest function of classification. Pure
ASCII goes through ``str.translate`` (C speed). A French mail is mostly ASCII
with a few accented letters: a regular expression finds them, each one is
folded once per process (cached), and the whole ASCII result is translated
again; offsets are the identity except around the few characters that fold to
several (« -> <<, œ -> oe) or none. A text mostly made of other scripts is
cheaper character by character, as before. Measured with ``benchmarks/routing_eval.py``
and on a 2.7 KB French mail: 0.27 ms -> 0.09 ms.
"""

from __future__ import annotations

import re

from unidecode import unidecode

_HARD_BREAKS = ".;:!?\n\r()[]"
_ASCII_TABLE = {
    i: (chr(i).lower() if chr(i).isalnum() else ("|" if chr(i) in _HARD_BREAKS else ("," if chr(i) == "," else " ")))
    for i in range(128)
}
TOKEN = re.compile(r"[a-z0-9]+")
_NON_ASCII_CHAR = re.compile(r"[^\x00-\x7f]")
#: Above this share of extra UTF-8 bytes, the text is mostly another script: folded character by character.
_DENSE_SHARE = 0.1
#: Folded characters kept per process; the cache restarts beyond (hostile mails with every code point).
_FOLDED_MAX = 1 << 16
_FOLDED: dict[str, str] = {}


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Lower-case ASCII copy of ``text`` and, per character, its offset in ``text``.

    Letters and digits survive (accents removed), sentence punctuation becomes
    ``|``, commas stay, anything else becomes a space. ``None`` as the offset list
    means the identity (pure ASCII input: the common fast path).
    """
    if text.isascii():
        return text.translate(_ASCII_TABLE), None
    extra_bytes = len(text.encode("utf-8", "surrogatepass")) - len(text)
    if extra_bytes > _DENSE_SHARE * len(text):
        return _normalise_char_by_char(text)
    return _normalise_few_non_ascii(text)


def _normalise_few_non_ascii(text: str) -> tuple[str, list[int]]:
    """Fold only the non-ASCII characters (a regex finds them), then translate the ASCII result."""
    widths: list[tuple[int, int]] = []  # (offset, length) of the characters not folded to exactly one

    def fold(match: re.Match[str]) -> str:
        folded = _folded(match.group())
        if len(folded) != 1:
            widths.append((match.start(), len(folded)))
        return folded

    norm = _NON_ASCII_CHAR.sub(fold, text).translate(_ASCII_TABLE)
    return norm, _offsets(len(text), widths)


def _offsets(length: int, widths: list[tuple[int, int]]) -> list[int]:
    """Per normalised character, its offset: the identity, but repeated or skipped at ``widths``."""
    if not widths:
        return list(range(length))
    offsets: list[int] = []
    done = 0
    for position, width in widths:
        offsets.extend(range(done, position))
        offsets.extend([position] * width)
        done = position + 1
    offsets.extend(range(done, length))
    return offsets


def _normalise_char_by_char(text: str) -> tuple[str, list[int]]:
    """For texts mostly in another script, where the regex path would call back on every character."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char < "\x80":
            chars.append(char)
            offsets.append(index)
            continue
        folded = _folded(char)
        chars.append(folded)
        if len(folded) == 1:
            offsets.append(index)
        else:
            offsets.extend([index] * len(folded))
    return "".join(chars).translate(_ASCII_TABLE), offsets


def _folded(char: str) -> str:
    """ASCII lower-case transliteration of one non-ASCII character, to be translated like ASCII text.

    A comma from unidecode (a full-width ',') becomes a space: only a written comma
    separates a list. Surrogates become a space.
    """
    folded = _FOLDED.get(char)
    if folded is None:
        if len(_FOLDED) >= _FOLDED_MAX:
            _FOLDED.clear()
        code = ord(char)
        folded = " " if 0xD800 <= code <= 0xDFFF else unidecode(char).lower().replace(",", " ")
        if not folded.isascii():  # unidecode promises ASCII; whatever else would be a space
            folded = "".join(c if c.isascii() else " " for c in folded)
        _FOLDED[char] = folded
    return folded


def canonical(word: str) -> str:
    """Word key for matching: a final plural s/x is optional on words over 3 letters."""
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def phrase_key(term: str) -> tuple[str, ...]:
    norm, _ = normalise(term)
    return tuple(canonical(w) for w in TOKEN.findall(norm))
