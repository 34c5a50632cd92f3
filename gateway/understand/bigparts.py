"""Lift long base64 runs out of a raw mail before the stdlib parser sees it.

Why this exists (measured, not guessed): the stdlib feed parser keeps every
line of a body as its own ``str`` and joins them afterwards. For a 70 MB mail
carrying one 50 MB attachment the peak was 548 MB (7.7x the mail) with
``email.parser.BytesParser`` and 552 MB with mail-parser, which wraps it.
Each long base64 run (the body of a big attachment) is therefore replaced by a
one-line token before parsing; the run is decoded later straight from the raw
bytes, and only when it is under the size cap, so an oversize attachment is
never decoded at all. The token carries a random nonce per reading, so a mail
cannot forge one. The run pattern is possessive: with a plain ``+`` the regex
engine kept a backtracking stack of 2.8x the run (78 MB for a 20 MB file);
possessive, lifting costs no memory (``benchmarks/understand_hostile.py``).
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass, field

#: Runs shorter than this stay in place: the parser copes with them cheaply.
LIFT_MIN_BYTES = 256 * 1024

_BASE64_RUN = re.compile(rb"(?m)^(?:[A-Za-z0-9+/=]++\r?\n)++")  # possessive: no backtracking stack


@dataclass(frozen=True)
class Blob:
    """One lifted run: a slice of the raw mail, base64 text."""

    start: int
    end: int
    estimated_size: int  # decoded bytes, estimated without decoding


@dataclass
class LiftedMail:
    """The raw mail, the text the parser reads, and the runs taken out of it."""

    raw: bytes
    parsed: bytes
    blobs: list[Blob] = field(default_factory=list)
    token: str = ""
    truncated: bool = False  # ``limits.cut_parsed`` cut ``parsed``, ending it with ``cut_mark``

    @property
    def cut_mark(self) -> str:
        return f"{self.token}CUT"

    def is_cut(self, payload: object) -> bool:
        """A part's body reaches the point where ``parsed`` was cut."""
        return self.truncated and isinstance(payload, str) and self.cut_mark in payload

    def blob_of(self, payload: object) -> Blob | None:
        """The blob a part's body stands for, when the body is just one token."""
        if not self.blobs or not isinstance(payload, str) or self.token not in payload:
            return None
        match = re.fullmatch(r"\s*" + re.escape(self.token) + r"(\d+)\s*", payload)
        if not match:
            return None
        index = int(match.group(1))
        return self.blobs[index] if index < len(self.blobs) else None

    def decode(self, blob: Blob) -> bytes:
        """Decode one blob from the raw bytes (no copy of the base64 text)."""
        return binascii.a2b_base64(memoryview(self.raw)[blob.start : blob.end])

    def restore_text(self, text: str) -> str:
        """Put the original runs back where tokens stand in a str body."""
        if not self.blobs or self.token not in text:
            return text
        pattern = re.compile(re.escape(self.token) + r"(\d+)\r?\n?")
        return pattern.sub(lambda m: self._slice(int(m.group(1))).decode("ascii"), text)

    def restore_bytes(self, data: bytes) -> bytes:
        """Put the original runs back where tokens stand in bytes."""
        token = self.token.encode("ascii")
        if not self.blobs or token not in data:
            return data
        pattern = re.compile(re.escape(token) + rb"(\d+)\r?\n?")
        return pattern.sub(lambda m: self._slice(int(m.group(1))), data)

    def restored_size(self, data: bytes) -> int:
        """Length ``restore_bytes(data)`` would have, without building it."""
        token = self.token.encode("ascii")
        if not self.blobs or token not in data:
            return len(data)
        lifted = 0
        for match in re.finditer(re.escape(token) + rb"(\d+)", data):
            index = int(match.group(1))
            if index < len(self.blobs):
                lifted += self.blobs[index].end - self.blobs[index].start
        return len(data) + lifted

    def _slice(self, index: int) -> bytes:
        if index >= len(self.blobs):
            return b""
        blob = self.blobs[index]
        return self.raw[blob.start : blob.end]


def lift_big_runs(raw: bytes) -> LiftedMail:
    """Replace every base64 run longer than ``LIFT_MIN_BYTES`` by a token line."""
    if len(raw) < LIFT_MIN_BYTES:
        return LiftedMail(raw=raw, parsed=raw)
    token = f"APLUSBLOB{secrets.token_hex(8)}x"
    pieces: list[bytes] = []
    blobs: list[Blob] = []
    position = 0
    for match in _BASE64_RUN.finditer(raw):
        start, end = match.span()
        if end - start < LIFT_MIN_BYTES:
            continue
        newline = b"\r\n" if raw[end - 2 : end] == b"\r\n" else b"\n"
        pieces.append(raw[position:start])
        pieces.append(f"{token}{len(blobs)}".encode("ascii") + newline)
        blobs.append(Blob(start, end, _estimate_decoded_size(raw, start, end)))
        position = end
    if not blobs:
        return LiftedMail(raw=raw, parsed=raw)
    pieces.append(raw[position:])
    return LiftedMail(raw=raw, parsed=b"".join(pieces), blobs=blobs, token=token)


def _estimate_decoded_size(raw: bytes, start: int, end: int) -> int:
    line_breaks = raw.count(b"\n", start, end) + raw.count(b"\r", start, end)
    padding = raw.count(b"=", max(start, end - 8), end)
    return max(0, (end - start - line_breaks) * 3 // 4 - padding)
