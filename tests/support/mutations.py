"""Mutated mails for fuzzing: real fixtures, then flips, cuts and hostile inserts (hypothesis).

Shared by the suite's small fuzz (tests/mailflow/test_fuzz_processing.py)
and the long run (benchmarks/fuzz_mails.py), so both try the same shapes.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

DATA = Path(__file__).resolve().parents[1] / "data"

#: Fragments that have broken mail readers: boundaries, encoded words, deep HTML, UTF-8 addresses, CRLF games.
HOSTILE = [
    b"\r\n\r\n", b"\n--", b"--B--\r\n", b";", b"<>", b"=?", b"?=", b"=?utf-8?q?a:victim@target.example;?=",
    b"=?utf-8?b?", b"\r\n\t", b"\r\n ", b"\x00", b"\xff\xfe", b"\r\n.\r\n", b"\n.\n",
    b"Content-Type: multipart/mixed; boundary=B\r\n", b"Content-Type: text/html\r\n",
    b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n=\r\n",
    b"<div>" * 300, b"<table><tr><td>" * 100, b"<" * 500, b"<!--", b"<script>",
    "From: José <josé@café.example>\r\n".encode(), b"To: \"a\\\" <b@c>\r\n", b"From: <@>\r\n",
    b"Subject: " + b"x" * 2000 + b"\r\n", b"\r\n x" * 200, b"Auto-Submitted: auto-replied\r\n",
    b"Content-Disposition: attachment; filename*=utf-8''%E9%00.pdf\r\n", b"begin 644 a.txt\r\n",
]


def seeds() -> list[bytes]:
    files = sorted((DATA / "mail").glob("*.eml")) + sorted((DATA / "automatic").rglob("*.eml"))
    return [path.read_bytes() for path in files]


@st.composite
def mutated_mail(draw, pool: list[bytes] | None = None):
    raw = bytearray(draw(st.sampled_from(pool or seeds())))
    for _ in range(draw(st.integers(1, 10))):
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "insert", "repeat"]))
        if action == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at : at + draw(st.integers(1, 400))]
        elif action == "repeat":
            piece = bytes(raw[at : at + draw(st.integers(1, 80))])
            raw[at:at] = piece * draw(st.integers(2, 50))
        else:
            raw[at:at] = draw(st.sampled_from(HOSTILE) | st.binary(max_size=40))
    return bytes(raw)
