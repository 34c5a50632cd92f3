"""``/healthz`` (JSON) and ``/metrics`` (Prometheus text format) for the people who run the gateway.

No login: a monitoring probe has none. They answer only a client on the
loopback (127.0.0.0/8, ::1; behind ``admin_proxies`` trusted proxies, the
forwarded address counts) unless ``APLUS_ADMIN_METRICS_PUBLIC`` is true;
anyone else gets a 404, as if the page did not exist. They show counts and
ages, never a mail or an address.

They do not use the request's unit of work (``admin.context.db``): when the
database is down, ``/healthz`` must still answer, with 503 and why. The
Prometheus registry is made for each request (no global collector), from the
same figures as the mail-flow overview (``gateway.reporting.mail_queues``).
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Response, abort, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select

from admin import context
from admin.security import client_address
from gateway.models import Ticket
from gateway.models.tickets import STATUSES
from gateway.reporting.mail_queues import QueueDepths, queue_depths

bp = Blueprint("health", __name__)


def _allowed() -> None:
    if context.settings().admin_metrics_public:
        return
    try:
        if ipaddress.ip_address(client_address().split("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    abort(404)


def _read() -> tuple[QueueDepths | None, dict[str, int], str]:
    """The figures, or what went wrong reaching the database (English, for logs and probes)."""
    try:
        with context.database().begin() as session:
            depths = queue_depths(session)
            tickets = {status: 0 for status in STATUSES}
            for status, count in session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)):
                tickets[status] = int(count)
        return depths, tickets, ""
    except Exception as error:  # any failure of the database is the answer here
        return None, {}, f"{error.__class__.__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]


@bp.get("/healthz")
def healthz():
    _allowed()
    depths, _, problem = _read()
    if depths is None:
        return jsonify({"status": "error", "database": problem}), 503
    return jsonify({
        "status": "ok",
        "database": "ok",
        "spool": {"queued": depths.spool_depth, "quarantined": depths.inbound["quarantined"],
                  "review": depths.inbound["review"],
                  "oldest_queued_seconds": _rounded(depths.oldest_queued_inbound_seconds)},
        "outbox": {"queued": depths.outbound["queued"], "deferred": depths.outbound["deferred"],
                   "failed": depths.outbound["failed"],
                   "oldest_queued_seconds": _rounded(depths.oldest_queued_outbound_seconds)},
    })


@bp.get("/metrics")
def metrics():
    _allowed()
    depths, tickets, _ = _read()
    registry = CollectorRegistry()
    Gauge("aplus_database_up", "1 when the database answered this scrape", registry=registry).set(depths is not None)
    if depths is not None:
        spool = Gauge("aplus_spool_mails", "Inbound mails by state", ["state"], registry=registry)
        for state, count in depths.inbound.items():
            spool.labels(state=state).set(count)
        outbox = Gauge("aplus_outbox_mails", "Outbound mails by state (deferred: queued after a failure)", ["state"],
                       registry=registry)
        for state, count in depths.outbound.items():
            outbox.labels(state=state).set(count)
        Gauge("aplus_outbox_failures", "Outbound mails given up (permanent failure or retry window over)",
              registry=registry).set(depths.outbound["failed"])
        Gauge("aplus_spool_oldest_queued_age_seconds", "Age of the oldest inbound mail waiting to be processed (0: none)",
              registry=registry).set(depths.oldest_queued_inbound_seconds or 0)
        Gauge("aplus_outbox_oldest_queued_age_seconds", "Age of the oldest outbound mail waiting to be sent (0: none)",
              registry=registry).set(depths.oldest_queued_outbound_seconds or 0)
        Gauge("aplus_bounces_permanent", "Permanent delivery failures reported back", registry=registry).set(
            depths.permanent_bounces)
        by_status = Gauge("aplus_tickets", "Tickets by status", ["status"], registry=registry)
        for status, count in tickets.items():
            by_status.labels(status=status).set(count)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Content-Type": CONTENT_TYPE_LATEST})


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
