"""How full the mail queues are: counts by state, the age of the oldest waiting mail.

Shared by the admin's mail-flow overview, ``/healthz`` and ``/metrics``, so the
three always agree. Grouped counts over the state indexes (``state`` leads
the claim indexes of both queues): cheap whatever the tables hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import Bounce, InboundMail, OutboundMail, utcnow
from gateway.models.mail import INBOUND_STATES, OUTBOUND_STATES
from gateway.processing.spool_actions import DISCARDED

INBOUND_WAITING = ("queued", "quarantined", "review")


@dataclass(frozen=True)
class QueueDepths:
    inbound: dict[str, int]  # state -> count (every state present, even at 0)
    outbound: dict[str, int]  # "queued", "deferred" (queued after a failure), "sent", "failed"
    oldest_queued_inbound_seconds: float | None
    oldest_queued_outbound_seconds: float | None
    permanent_bounces: int

    @property
    def spool_depth(self) -> int:
        return self.inbound.get("queued", 0)

    @property
    def outbox_depth(self) -> int:
        return self.outbound.get("queued", 0) + self.outbound.get("deferred", 0)


def queue_depths(session: Session, *, now: datetime | None = None) -> QueueDepths:
    now = now or utcnow()
    inbound = {state: 0 for state in (*INBOUND_STATES, DISCARDED)}
    for state, count in session.execute(select(InboundMail.state, func.count()).group_by(InboundMail.state)):
        inbound[state] = int(count)
    outbound = {state: 0 for state in (*OUTBOUND_STATES, "deferred")}
    deferred = (OutboundMail.state == "queued") & (OutboundMail.last_error != "")
    rows = session.execute(
        select(OutboundMail.state, deferred.label("deferred"), func.count()).group_by(OutboundMail.state, "deferred")
    )
    for state, is_deferred, count in rows:
        outbound["deferred" if state == "queued" and is_deferred else state] += int(count)
    oldest_in = session.scalar(select(func.min(InboundMail.received_at)).where(InboundMail.state == "queued"))
    oldest_out = session.scalar(select(func.min(OutboundMail.created_at)).where(OutboundMail.state == "queued"))
    bounces = session.scalar(select(func.count()).select_from(Bounce).where(Bounce.permanent.is_(True)))
    return QueueDepths(inbound, outbound, _age(now, oldest_in), _age(now, oldest_out), int(bounces or 0))


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())
