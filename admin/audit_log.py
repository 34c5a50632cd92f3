"""Audit of what people do in the admin: who, when, from which address, what.

Every view of a ticket's content and every change made through the admin is
one ``audit_events`` row (``gateway.models.audit``), in the request's unit of
work: a change and its audit record commit together. The actor is the
account's address; ``client_address`` is in the detail.
"""

from __future__ import annotations

from typing import Any

from gateway.models import audit
from admin import context
from admin.security import client_address, current_account


def record(action: str, *, ticket_id: int | None = None, actor: str | None = None, **detail: Any) -> None:
    account = current_account()
    who = (actor or actor_name())[:320]
    audit(context.db(), action, ticket_id=ticket_id, actor=who, client_address=client_address(), **detail)


def actor_name() -> str:
    """How the lifecycle functions name the person acting through the admin."""
    account = current_account()
    return f"admin:{account.email}"[:320] if account is not None else "admin:anonyme"
