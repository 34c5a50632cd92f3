"""Mail flow (``/courrier``): the spool and its quarantine, replies held for review, the outbox, bounces.

For the national team only: a spooled mail may belong to any ticket, or to
none. Every action is a POST form with its CSRF token, calls the same
function as the console (``gateway.processing.spool_actions``,
``gateway.processing.review``, ``gateway.outbound.retry``) and is audited with
the account and the browser's address.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mailflow", __name__, url_prefix="/courrier")

from admin.mailflow import inbound, outbound, overview  # noqa: E402,F401  (register the views on bp)
