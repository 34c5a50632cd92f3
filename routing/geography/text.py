"""Normalised words of a text: the only form the place rules compare.

Names and text meet as lower-case ASCII words ("Saint-Étienne" and "st etienne"
both give "saint etienne"), so a dictionary look-up replaces a regex per commune.
The scan reads tokens as parallel lists (starts, ends, raw, normalised): building
one object per token costs more than the look-ups themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from unidecode import unidecode

TOKEN_RE = re.compile(r"[^\W_]+")
_SPLIT_RE = re.compile(r"([^\W_]+)")
_ASCII_WORD_RE = re.compile(r"[a-z0-9]+")
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes",
                 "hte": "haute", "htes": "hautes", "mt": "mont"}


@dataclass
class Token:
    start: int
    end: int
    raw: str
    norm: str


def normalise_word(word: str) -> str:
    norm = word.lower() if word.isascii() else unidecode(word).lower()
    if not norm.isalnum():
        norm = "".join(ch for ch in norm if ch.isalnum())
    return ABBREVIATIONS.get(norm, norm)


normalise_cached = lru_cache(maxsize=1 << 16)(normalise_word)


def normalise_name(name: str) -> str:
    """The key of a name, as normalise_word() would give for its tokens, in one pass."""
    folded = (name if name.isascii() else unidecode(name)).lower()
    return " ".join(ABBREVIATIONS.get(w, w) for w in _ASCII_WORD_RE.findall(folded))


def tokenize(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group(), normalise_word(m.group())) for m in TOKEN_RE.finditer(text)]


def token_columns(text: str) -> tuple[list[int], list[int], list[str], list[str]]:
    """Tokens as parallel lists (starts, ends, raw words, normalised words): the hot path of a scan."""
    parts = _SPLIT_RE.split(text)  # separator, word, separator, word, ..., separator
    offsets = list(accumulate(map(len, parts), initial=0))
    raws = parts[1::2]
    return offsets[1:-1:2], offsets[2::2], raws, list(map(normalise_cached, raws))
