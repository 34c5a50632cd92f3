"""The statistics page's figures, each one an SQL aggregate over the tickets of a period.

Counts only: nothing here reads a text, an address or a name of a person, so
observers may see all of it. Every query groups in the database and returns a
few hundred rows at most (days, organisations, areas), whatever the number of
tickets; durations are converted to business days on those rows
(``gateway.reporting.durations``).

Definitions, as the page states them:
- a ticket belongs to the period by its opening date (UTC);
- time to first reply: from the opening to the first agent's message;
  time to closing: from the opening to the (last) closing;
- a ticket is late when its first agent reply came more than
  ``late_after`` business days after it opened, or when it has waited longer
  than that without any (``Settings.late_business_days``, the same rule as the
  reminders). Closing a ticket clears ``Ticket.late_since``, so lateness is
  recomputed here rather than read from it;
- the calendar of a ticket (public holidays) is that of its area when the
  area has its own (Alsace-Moselle, overseas), else the mainland's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from gateway.business_days import SUBDIVISIONS
from gateway.models import Area, Organisation, Ticket, TicketArea, TicketOrganisation
from gateway.models.base import utcnow
from gateway.reporting.durations import Summary, histogram, summarise
from gateway.reporting.moments import as_date, hour_bucket, utc_day

USEFULNESS_ANSWERS = ("oui", "ne_sait_pas", "non")


@dataclass(frozen=True)
class Filters:
    """Which tickets: opened from ``start`` to ``end`` (both included), optionally of one organisation or area."""

    start: date
    end: date
    organisation: str | None = None  # catalog code, e.g. "CAF"
    area: str | None = None  # INSEE code, e.g. "13"

    @classmethod
    def last_weeks(cls, weeks: int = 26, today: date | None = None, **kwargs) -> "Filters":
        today = today or utcnow().date()
        monday = today - timedelta(days=today.weekday())
        return cls(start=monday - timedelta(weeks=weeks - 1), end=today, **kwargs)


@dataclass(frozen=True)
class Week:
    monday: date
    opened: int
    closed: int


@dataclass(frozen=True)
class Row:
    """One organisation or one area."""

    code: str
    name: str
    tickets: int
    closed: int
    late: int
    first_reply: Summary
    closing: Summary

    @property
    def late_share(self) -> float | None:
        return self.late / self.tickets if self.tickets else None


@dataclass(frozen=True)
class Statistics:
    filters: Filters
    late_after: int
    tickets: int
    closed: int
    late: int
    first_reply: Summary
    closing: Summary
    weeks: list[Week]
    organisations: list[Row]
    areas: list[Row]
    usefulness: dict[str, int] = field(default_factory=dict)  # answer -> count, "sans_reponse" for none

    @property
    def late_share(self) -> float | None:
        return self.late / self.tickets if self.tickets else None


def compute(session: Session, filters: Filters, *, late_after: int = 3, now: datetime | None = None) -> Statistics:
    """Every figure of the page for ``filters``: about a dozen grouped queries."""
    query = _Queries(session, filters, now or utcnow())
    answered = query.first_reply()
    tickets, closed = query.totals()
    return Statistics(
        filters=filters,
        late_after=late_after,
        tickets=tickets,
        closed=closed,
        late=_late(answered, query.unanswered(), late_after),
        first_reply=summarise(answered),
        closing=summarise(query.closing()),
        weeks=query.weeks(),
        organisations=query.breakdown(TicketOrganisation, Organisation, TicketOrganisation.organisation_id, late_after),
        areas=query.breakdown(TicketArea, Area, TicketArea.area_id, late_after),
        usefulness=query.usefulness(),
    )


def _late(answered: Counter[int], unanswered: Counter[int], late_after: int) -> int:
    return sum(n for days, n in answered.items() if days > late_after) + sum(
        n for days, n in unanswered.items() if days > late_after
    )


class _Queries:
    """The SQL of ``compute``, sharing the filters and the dialect's date functions."""

    def __init__(self, session: Session, filters: Filters, now: datetime) -> None:
        self.session = session
        self.filters = filters
        self.now = now
        self.dialect = session.get_bind().dialect.name

    # -- conditions ---------------------------------------------------------
    def conditions(self, *, by_opening: bool = True) -> list:
        start = datetime.combine(self.filters.start, datetime.min.time(), timezone.utc)
        end = datetime.combine(self.filters.end + timedelta(days=1), datetime.min.time(), timezone.utc)
        where = [Ticket.created_at >= start, Ticket.created_at < end] if by_opening else []
        if self.filters.organisation:
            where.append(Ticket.id.in_(
                select(TicketOrganisation.ticket_id)
                .join(Organisation, Organisation.id == TicketOrganisation.organisation_id)
                .where(Organisation.code == self.filters.organisation)
            ))
        if self.filters.area:
            where.append(Ticket.id.in_(
                select(TicketArea.ticket_id).join(Area, Area.id == TicketArea.area_id)
                .where(Area.code == self.filters.area)
            ))
        return where

    def calendar(self):
        """The ticket's area with its own holidays, if any (correlated; NULL means the mainland's)."""
        return (
            select(func.min(Area.code))
            .join(TicketArea, TicketArea.area_id == Area.id)
            .where(TicketArea.ticket_id == Ticket.id, TicketArea.role != "origin", Area.code.in_(list(SUBDIVISIONS)))
            .correlate(Ticket)
            .scalar_subquery()
        )

    def _pairs(self, end_column, *extra, keys=()) -> Select:
        """(keys..., start day, start hour, end day, end hour, calendar, count) for the tickets with an end."""
        columns = [
            *keys,
            utc_day(Ticket.created_at, self.dialect).label("d0"),
            hour_bucket(Ticket.created_at, self.dialect).label("h0"),
            utc_day(end_column, self.dialect).label("d1"),
            hour_bucket(end_column, self.dialect).label("h1"),
            self.calendar().label("calendar"),
        ]
        grouped = select(*columns, func.count().label("n")).where(end_column.is_not(None), *self.conditions(), *extra)
        return grouped.group_by(*keys, "d0", "h0", "d1", "h1", "calendar")

    # -- figures ------------------------------------------------------------
    def totals(self) -> tuple[int, int]:
        row = self.session.execute(
            select(func.count(), func.coalesce(func.sum(case((Ticket.status == "closed", 1), else_=0)), 0))
            .select_from(Ticket).where(*self.conditions())
        ).one()
        return int(row[0]), int(row[1])

    def first_reply(self) -> Counter[int]:
        return histogram(self.session.execute(self._pairs(Ticket.first_agent_reply_at)))

    def closing(self) -> Counter[int]:
        return histogram(self.session.execute(self._pairs(Ticket.closed_at, Ticket.status == "closed")))

    def unanswered(self) -> Counter[int]:
        """Tickets without any agent reply yet: how long they have been waiting, until now."""
        rows = self.session.execute(self._waiting())
        now_day, now_hour = self.now.date(), self.now.hour
        return histogram((d0, h0, now_day, now_hour, calendar, n) for d0, h0, calendar, n in rows)

    def _waiting(self, *keys) -> Select:
        columns = [
            *keys,
            utc_day(Ticket.created_at, self.dialect).label("d0"),
            hour_bucket(Ticket.created_at, self.dialect).label("h0"),
            self.calendar().label("calendar"),
        ]
        return (
            select(*columns, func.count().label("n"))
            .where(Ticket.first_agent_reply_at.is_(None), Ticket.status != "closed", *self.conditions())
            .group_by(*keys, "d0", "h0", "calendar")
        )

    def weeks(self) -> list[Week]:
        """Opened and closed per week (Monday to Sunday), every week of the period, empty ones included."""
        opened = self._per_day(Ticket.created_at, self.conditions())
        closed_conditions = [*self.conditions(by_opening=False), Ticket.status == "closed", *self._within(Ticket.closed_at)]
        closed = self._per_day(Ticket.closed_at, closed_conditions)
        first = self.filters.start - timedelta(days=self.filters.start.weekday())
        weeks: dict[date, list[int]] = {}
        monday = first
        while monday <= self.filters.end:
            weeks[monday] = [0, 0]
            monday += timedelta(weeks=1)
        for index, counts in enumerate((opened, closed)):
            for day, count in counts.items():
                key = day - timedelta(days=day.weekday())
                if key in weeks:
                    weeks[key][index] += count
        return [Week(monday, opened_count, closed_count) for monday, (opened_count, closed_count) in weeks.items()]

    def _within(self, column) -> list:
        start = datetime.combine(self.filters.start, datetime.min.time(), timezone.utc)
        end = datetime.combine(self.filters.end + timedelta(days=1), datetime.min.time(), timezone.utc)
        return [column >= start, column < end]

    def _per_day(self, column, conditions: list) -> Counter[date]:
        day = utc_day(column, self.dialect).label("day")
        rows = self.session.execute(select(day, func.count()).where(*conditions).group_by("day"))
        return Counter({as_date(value): int(count) for value, count in rows if value is not None})

    def breakdown(self, link, entity, link_column, late_after: int) -> list[Row]:
        """One row per organisation (or area) of the period's tickets, most tickets first."""
        links = select(link.ticket_id.label("ticket_id"), link_column.label("entity_id")).distinct().subquery()
        joined = and_(links.c.ticket_id == Ticket.id)
        key = entity.code.label("code")

        def scoped(statement: Select) -> Select:
            return statement.join(links, joined).join(entity, entity.id == links.c.entity_id)

        counts = self.session.execute(scoped(
            select(key, entity.name, func.count(), func.coalesce(func.sum(case((Ticket.status == "closed", 1), else_=0)), 0))
            .select_from(Ticket).where(*self.conditions())
        ).group_by(entity.code, entity.name))
        first = self._by_key(scoped(self._pairs(Ticket.first_agent_reply_at, keys=[key]).select_from(Ticket)))
        closing = self._by_key(scoped(
            self._pairs(Ticket.closed_at, Ticket.status == "closed", keys=[key]).select_from(Ticket)
        ))
        waiting_rows = self.session.execute(scoped(self._waiting(key).select_from(Ticket)))
        waiting: dict[str, list] = {}
        for code, d0, h0, calendar, n in waiting_rows:
            waiting.setdefault(code, []).append((d0, h0, self.now.date(), self.now.hour, calendar, n))
        rows = []
        for code, name, tickets, closed in counts:
            answered = first.get(code, Counter())
            late = _late(answered, histogram(waiting.get(code, [])), late_after)
            rows.append(Row(code, name, int(tickets), int(closed), late, summarise(answered),
                            summarise(closing.get(code, Counter()))))
        return sorted(rows, key=lambda row: (-row.tickets, row.code))

    def _by_key(self, statement: Select) -> dict[str, Counter[int]]:
        grouped: dict[str, list] = {}
        for code, *rest in self.session.execute(statement):
            grouped.setdefault(code, []).append(rest)
        return {code: histogram(rows) for code, rows in grouped.items()}

    def usefulness(self) -> dict[str, int]:
        """Answers to "was A+ useful?" among the period's closed tickets; "sans_reponse" when none came."""
        rows = self.session.execute(
            select(Ticket.usefulness, func.count()).where(Ticket.status == "closed", *self.conditions())
            .group_by(Ticket.usefulness)
        )
        answers = {answer: 0 for answer in (*USEFULNESS_ANSWERS, "sans_reponse")}
        for answer, count in rows:
            answers[answer if answer in USEFULNESS_ANSWERS else "sans_reponse"] += int(count)
        return answers
