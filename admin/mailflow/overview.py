"""``/courrier``: the queues at a glance, each count a link to its list."""

from __future__ import annotations

from flask import render_template

from admin import context
from admin.mailflow import bp
from admin.security import role_required
from gateway.reporting.mail_queues import queue_depths


@bp.get("")
@role_required("admin")
def overview():
    return render_template("admin/mailflow/overview.html", depths=queue_depths(context.db()))
