"""Mutated fixtures: neither function ever raises, whatever the bytes."""

from __future__ import annotations

import email
import email.policy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.understand.automatic import classify_automatic
from gateway.understand.bounces import parse_bounce
from tests.understand_auto.test_automatic import DATA, OWN

FIXTURES = sorted(p.read_bytes() for p in DATA.glob("*.eml"))


@st.composite
def mutated(draw):
    raw = bytearray(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at : at + draw(st.integers(1, 200))]
        else:
            raw[at:at] = draw(st.binary(max_size=40) | st.sampled_from([b"\r\n\r\n", b"--", b";", b"<>", b"=?"]))
    return bytes(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_mail_never_raises(raw):
    for policy in (email.policy.default, email.policy.compat32):
        msg = email.message_from_bytes(raw, policy=policy)
        verdict = classify_automatic(msg, own_domain=OWN)
        assert verdict.kind in ("human", "auto_reply", "bulk", "bounce", "own")
        bounce = parse_bounce(msg, own_domain=OWN)
        assert bounce is None or all(isinstance(r, str) for r in bounce.recipients)
