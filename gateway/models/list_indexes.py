"""Indexes for the admin's ticket list, measured with ``benchmarks/admin.py`` (100,000 tickets).

Without them, every page of the list sorted all the tickets by
``created_at`` (80 ms on SQLite) and counted them by reading the whole,
wide ``tickets`` table (30 ms); a status filter did both on a third of it.
Declared here, on the existing tables, so the ticket models stay as their
owners wrote them (migration 0009 creates them).
"""

from __future__ import annotations

from sqlalchemy import Index

from gateway.models.tickets import Ticket

LIST_INDEXES = (
    Index("ix_tickets_created_at_id", Ticket.created_at, Ticket.id),  # the default sort, both ways; small count
    Index("ix_tickets_status_created_at", Ticket.status, Ticket.created_at),  # a status filter, then the sort
    Index("ix_tickets_late_since", Ticket.late_since),  # the "late" filter: few rows
)
