"""A mail whose reading is over budget is stopped, retried, quarantined, and holds no other mail.

Real processes: the understanding child is forked and killed for real; the
slow mail is really slow (100,000 MIME parts read with the part caps lifted,
several seconds), the budget short.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import select

from gateway.models import InboundMail
from gateway.processing.processor import drain, process_next
from gateway.processing.sandbox import Budget, Sandbox
from gateway.storage import spool
from gateway.understand import Limits
from gateway.understand.limits import MIB
from tests.support.gateway import request_mail
from tests.understand.builders import many_parts, with_attachment

#: The caps lifted, so that the slow mail is slow: what an unmeasured hostile shape would do.
UNBOUNDED = Limits(max_parts=10**7, max_parsed_bytes=10**9, max_attachment_bytes=10**9, max_total_bytes=10**9)
SLOW_MAIL = many_parts(100_000)


def states(database) -> dict[int, InboundMail]:
    with database.begin() as session:
        rows = session.scalars(select(InboundMail)).all()
        session.expunge_all()
        return {row.id: row for row in rows}


@pytest.mark.timeout(120)
def test_a_slow_mail_is_stopped_retried_then_quarantined_while_the_others_flow(database, settings):
    settings = replace(settings, process_max_attempts=2, retry_base_seconds=0.0)
    slow = spool.enqueue(database, SLOW_MAIL, rcpt_tos=[settings.address])
    others = [spool.enqueue(database, request_mail(f"p{i}@example.org").as_bytes(), rcpt_tos=[settings.address])
              for i in range(3)]
    sandbox = Sandbox(settings.domain, Budget(seconds=2), limits=UNBOUNDED)
    try:
        started = time.monotonic()
        drain(database, settings, sandbox=sandbox)
        elapsed = time.monotonic() - started
    finally:
        sandbox.close()
    rows = states(database)
    assert [rows[i].state for i in others] == ["done"] * 3
    assert rows[slow].state == "quarantined" and rows[slow].attempts == 2
    assert "La lecture du message a dépassé le temps permis (2 s)" in rows[slow].error
    assert "quarantaine après 2 tentatives" in rows[slow].error and "Error" not in rows[slow].error
    assert elapsed < 40  # two budgets of 2 s, not the seconds the slow mail would take twice


@pytest.mark.timeout(120)
def test_the_retry_waits_its_turn_and_other_mail_is_taken_meanwhile(database, settings):
    settings = replace(settings, process_max_attempts=3, retry_base_seconds=60.0)
    slow = spool.enqueue(database, SLOW_MAIL, rcpt_tos=[settings.address])
    sandbox = Sandbox(settings.domain, Budget(seconds=2), limits=UNBOUNDED)
    try:
        assert process_next(database, settings, sandbox=sandbox)
        later = spool.enqueue(database, request_mail().as_bytes(), rcpt_tos=[settings.address])
        assert drain(database, settings, sandbox=sandbox) == 1  # the new mail, not the slow one again
    finally:
        sandbox.close()
    rows = states(database)
    assert rows[later].state == "done"
    assert rows[slow].state == "queued" and rows[slow].attempts == 1
    assert "Tentative 1 sur 3 : nouvel essai dans 60 s." in rows[slow].error


@pytest.mark.timeout(120)
def test_a_mail_over_the_memory_ceiling_fails_with_a_french_reason(database, settings):
    settings = replace(settings, process_max_attempts=1)
    inbound = spool.enqueue(database, with_attachment(b"\x00" * (60 * MIB)), rcpt_tos=[settings.address])
    sandbox = Sandbox(settings.domain, Budget(seconds=60, memory_bytes=40 * MIB), limits=UNBOUNDED)
    try:
        drain(database, settings, sandbox=sandbox)
        row = states(database)[inbound]
        assert row.state == "quarantined"
        assert "mémoire" in row.error and "Error" not in row.error
        spool.requeue(database, inbound)  # the child was replaced: a normal mail goes through
        normal = spool.enqueue(database, request_mail().as_bytes(), rcpt_tos=[settings.address])
        drain(database, replace(settings, process_max_attempts=1), sandbox=Sandbox(settings.domain, Budget(seconds=60)))
    finally:
        sandbox.close()
    assert states(database)[normal].state == "done"


@pytest.mark.timeout(60)
def test_stopping_the_processor_gives_the_mail_back_at_once(database, settings):
    slow = spool.enqueue(database, SLOW_MAIL, rcpt_tos=[settings.address])
    sandbox = Sandbox(settings.domain, Budget(seconds=60), limits=UNBOUNDED)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    try:
        assert process_next(database, settings, sandbox=sandbox, stop=stop)
    finally:
        sandbox.close()
    assert time.monotonic() - started < 3
    row = states(database)[slow]
    assert (row.state, row.attempts, row.error) == ("queued", 0, "")  # untouched, due again


@pytest.mark.timeout(60)
def test_the_child_reads_like_the_processor_would(settings):
    raw = request_mail().as_bytes()
    sandbox = Sandbox(settings.domain, Budget())
    try:
        first, second = sandbox.understand(raw), sandbox.understand(raw)
    finally:
        sandbox.close()
    assert first.sender.email == "marie.durand@example.org" and first.text == second.text
    assert "RSA est suspendu" in first.text
