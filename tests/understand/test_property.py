"""Property: whatever a real mail is mutated into, ``read_mail`` returns an Understood.

Mutations: byte flips, truncation, a header duplicated, a boundary line
removed, random bytes inserted, line endings changed. Seeds are this
project's fixtures (always present) and a few corpus mails when the shared
corpora exist.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.explain import explain_mail
from gateway.understand import Understood, read_mail
from gateway.understand.limits import Limits

from .builders import MAIL_DATA

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
CORPUS_SEEDS = [
    "zbateson+mail-mime-parser/tests/_data/emails/m0017.txt",
    "zbateson+mail-mime-parser/tests/_data/emails/m4006.txt",
    "zbateson+mail-mime-parser/tests/_data/emails/m2004.txt",
    "mailgun+flanker/tests/fixtures/messages/bounce/delayed.eml",
    "mikel+mail/spec/fixtures/emails/error_emails/bad_date_header2.eml",
]


def _seeds() -> list[bytes]:
    seeds = [path.read_bytes() for path in sorted(MAIL_DATA.glob("mime-*.eml"))]
    seeds += [(CORPORA / name).read_bytes() for name in CORPUS_SEEDS if (CORPORA / name).is_file()]
    return seeds


SEEDS = _seeds()
SMALL = Limits(max_attachment_bytes=4096, max_total_bytes=8192, max_parts=20, max_depth=4)


def _flip(raw: bytearray, data: st.DataObject) -> None:
    if raw:
        index = data.draw(st.integers(0, len(raw) - 1))
        raw[index] = data.draw(st.integers(0, 255))


def _truncate(raw: bytearray, data: st.DataObject) -> None:
    del raw[data.draw(st.integers(0, len(raw))) :]


def _duplicate_header(raw: bytearray, data: st.DataObject) -> None:
    lines = bytes(raw).split(b"\n")
    headers = [line for line in lines[:40] if re.match(rb"^[A-Za-z-]+:", line)]
    if headers:
        raw[0:0] = data.draw(st.sampled_from(headers)) + b"\n"


def _remove_boundary(raw: bytearray, data: st.DataObject) -> None:
    lines = bytes(raw).split(b"\n")
    boundaries = [i for i, line in enumerate(lines) if line.startswith(b"--")]
    if boundaries:
        del lines[data.draw(st.sampled_from(boundaries))]
        raw[:] = b"\n".join(lines)


def _insert(raw: bytearray, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(raw)))
    raw[index:index] = data.draw(st.binary(max_size=64))


def _line_endings(raw: bytearray, data: st.DataObject) -> None:
    ending = data.draw(st.sampled_from([b"\n", b"\r", b"\r\n", b"\r\r\n"]))
    raw[:] = re.sub(rb"\r?\n", ending, bytes(raw))


MUTATIONS = [_flip, _truncate, _duplicate_header, _remove_boundary, _insert, _line_endings]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), mutations=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=6), data=st.data())
def test_mutated_mail_never_raises(seed, mutations, data):
    raw = bytearray(seed)
    for mutate in mutations:
        mutate(raw, data)
    mail = read_mail(bytes(raw), limits=data.draw(st.sampled_from([None, SMALL])))
    assert isinstance(mail, Understood)
    assert isinstance(mail.text, str) and isinstance(mail.defects, list)
    assert all(isinstance(item.content, bytes) for item in mail.attachments)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw):
    assert isinstance(read_mail(raw), Understood)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), mutations=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4), data=st.data())
def test_explain_of_a_mutated_mail_is_printable_json(seed, mutations, data):
    raw = bytearray(seed)
    for mutate in mutations:
        mutate(raw, data)
    result = explain_mail(bytes(raw), file="x.eml", own_domain="aplus.localhost")
    printed = json.dumps(result, ensure_ascii=False)
    printed.encode("utf-8")  # no lone surrogate anywhere
    assert "\\u0000" not in printed  # nor NUL, which PostgreSQL text refuses
