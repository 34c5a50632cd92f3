"""Turning timestamps into a few buckets in SQL, and the buckets back into moments in Python.

Statistics over 100,000 tickets must not read 100,000 rows into Python, yet
business days depend on the local calendar date of the ticket's area, which
SQLite cannot compute (no time zones). So SQL groups by the UTC date and, for
the hours where some French time zone is already on another date, by the hour
too: mainland France (UTC+1/+2) at 22-23 h UTC, the Antilles and Guyane
(UTC-4/-3) at 0-3 h, La Réunion and Mayotte (UTC+4/+3) at 20-23 h. Every
other hour is the same local date everywhere and falls in one bucket. Python
then rebuilds one moment per bucket and ``gateway.business_days`` converts it
to the local date exactly as it does for a single ticket.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import Integer, case, cast, func
from sqlalchemy.sql.elements import ColumnElement

EDGE_HOURS = (0, 1, 2, 3, 20, 21, 22, 23)
MIDDAY = 12  # the bucket of every other hour


def utc_day(column, dialect: str) -> ColumnElement:
    """The UTC calendar date of a timestamp column (a string on SQLite, a date on PostgreSQL)."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def hour_bucket(column, dialect: str) -> ColumnElement:
    """The UTC hour when it is an edge hour (see the module docstring), else ``MIDDAY``."""
    if dialect == "postgresql":
        hour = cast(func.extract("hour", func.timezone("UTC", column)), Integer)
    else:
        hour = cast(func.strftime("%H", column), Integer)
    return case((hour.in_(EDGE_HOURS), hour), else_=MIDDAY)


def as_date(value) -> date:
    """A date from what the backend returned for ``utc_day``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def moment(day, hour: int) -> datetime:
    """A UTC moment inside the bucket (half past the hour), for the business-day functions."""
    return datetime.combine(as_date(day), time(int(hour), 30), timezone.utc)
