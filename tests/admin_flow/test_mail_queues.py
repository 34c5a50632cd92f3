"""Queue depths and the oldest waiting mail, as the overview, /healthz and /metrics read them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from gateway.models import InboundMail, OutboundMail, utcnow
from gateway.processing.processor import drain
from gateway.reporting.mail_queues import queue_depths
from gateway.storage import spool
from tests.admin_flow.conftest import newsletter
from tests.support.gateway import request_mail


def test_depths_by_state_and_the_age_of_the_oldest_queued_mail(directory, settings):
    spool.enqueue(directory, newsletter().as_bytes(), rcpt_tos=[settings.address])
    spool.enqueue(directory, request_mail().as_bytes(), rcpt_tos=[settings.address])
    drain(directory, settings)  # one quarantined, one ticket with its outbound mail
    waiting = spool.enqueue(directory, request_mail(subject="Autre").as_bytes(), rcpt_tos=[settings.address])
    with directory.begin() as session:
        session.execute(update(InboundMail).where(InboundMail.id == waiting)
                        .values(received_at=utcnow() - timedelta(minutes=10)))
        first = session.query(OutboundMail).order_by(OutboundMail.id).first()
        first.last_error = "451 4.3.0 réessayez"
        depths = queue_depths(session)
    assert (depths.inbound["queued"], depths.inbound["quarantined"], depths.inbound["done"]) == (1, 1, 1)
    assert depths.spool_depth == 1 and depths.outbound["deferred"] == 1
    assert depths.outbox_depth == depths.outbound["queued"] + 1 >= 2
    assert 590 < depths.oldest_queued_inbound_seconds < 700
    assert depths.oldest_queued_outbound_seconds is not None and depths.permanent_bounces == 0


def test_empty_queues_have_no_oldest_mail(database):
    with database.begin() as session:
        depths = queue_depths(session)
    assert depths.spool_depth == 0 and depths.oldest_queued_inbound_seconds is None
    assert set(depths.inbound) >= {"queued", "quarantined", "review", "discarded"}
