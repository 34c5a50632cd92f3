"""Statistics computed by SQL aggregates agree with the same figures computed ticket by ticket."""

from __future__ import annotations

import random
import statistics as pystats
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from gateway.business_days import business_days_between
from gateway.models import Area, Organisation, Ticket, TicketArea, TicketOrganisation
from gateway.reporting.statistics import Filters, compute

UTC = timezone.utc
NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
PERIOD = Filters(start=date(2025, 9, 1), end=date(2026, 1, 20))


class Tickets:
    """Tickets written with chosen dates (the processor cannot open a ticket in the past)."""

    def __init__(self, session) -> None:
        self.session = session
        self.count = 0

    def scope(self, model, code: str):
        row = self.session.scalar(select(model).where(model.code == code))
        if row is None:
            row = model(code=code, name=f"{model.__name__} {code}")
            self.session.add(row)
            self.session.flush()
        return row

    def add(self, created: datetime, *, reply: datetime | None = None, closed: datetime | None = None,
            organisations=("CAF",), areas=("13",), usefulness: str | None = None) -> Ticket:
        self.count += 1
        ticket = Ticket(reference=f"T{self.count:06d}", subject="", status="closed" if closed else "open",
                        created_at=created, first_agent_reply_at=reply, closed_at=closed, usefulness=usefulness)
        self.session.add(ticket)
        self.session.flush()
        for code in organisations:
            self.session.add(TicketOrganisation(ticket_id=ticket.id, organisation_id=self.scope(Organisation, code).id))
        for code in areas:
            self.session.add(TicketArea(ticket_id=ticket.id, area_id=self.scope(Area, code).id, role=""))
        return ticket


def figures(database, filters=PERIOD, **kwargs):
    with database.begin() as session:
        return compute(session, filters, now=NOW, **kwargs)


def test_holidays_follow_the_area_alsace_moselle_included(database):
    wednesday = datetime(2025, 12, 24, 9, 0, tzinfo=UTC)  # 25 Dec holiday; 26 Dec only in Alsace-Moselle
    monday = datetime(2025, 12, 29, 9, 0, tzinfo=UTC)
    with database.begin() as session:
        tickets = Tickets(session)
        tickets.add(wednesday, reply=monday, areas=("13",))
        tickets.add(wednesday, reply=monday, areas=("67",), organisations=("CPAM",))
    result = figures(database)
    by_area = {row.code: row.first_reply.median for row in result.areas}
    assert by_area == {"13": 2.0, "67": 1.0}


def test_a_late_evening_in_paris_is_already_the_next_day(database):
    thursday_night = datetime(2025, 10, 2, 22, 30, tzinfo=UTC)  # Friday 00:30 in Paris
    with database.begin() as session:
        Tickets(session).add(thursday_night, reply=datetime(2025, 10, 3, 9, 0, tzinfo=UTC))
    assert figures(database).first_reply.median == 0.0


def test_late_share_counts_slow_first_replies_and_long_waits(database):
    monday = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with database.begin() as session:
        tickets = Tickets(session)
        tickets.add(monday, reply=monday + timedelta(days=1))  # 1 business day: on time
        tickets.add(monday, reply=monday + timedelta(days=4))  # Friday, 4 business days: late
        tickets.add(monday)  # no reply, waiting since 5 January: late
        tickets.add(NOW - timedelta(hours=2))  # no reply, opened today: not late
    result = figures(database, late_after=3)
    assert (result.tickets, result.late, result.late_share) == (4, 2, 0.5)
    assert result.organisations[0].late == 2


def test_weeks_run_monday_to_sunday_and_empty_weeks_are_shown(database):
    with database.begin() as session:
        tickets = Tickets(session)
        tickets.add(datetime(2026, 1, 5, 8, tzinfo=UTC), closed=datetime(2026, 1, 12, 8, tzinfo=UTC))  # Monday
        tickets.add(datetime(2026, 1, 11, 20, tzinfo=UTC))  # Sunday evening, same week
    result = figures(database, Filters(start=date(2025, 12, 22), end=date(2026, 1, 18)))
    assert [(w.monday, w.opened, w.closed) for w in result.weeks] == [
        (date(2025, 12, 22), 0, 0), (date(2025, 12, 29), 0, 0), (date(2026, 1, 5), 2, 0), (date(2026, 1, 12), 0, 1),
    ]


def test_filters_by_organisation_and_area_and_usefulness_answers(database):
    day = datetime(2025, 11, 3, 9, tzinfo=UTC)
    with database.begin() as session:
        tickets = Tickets(session)
        tickets.add(day, closed=day + timedelta(days=2), usefulness="oui", organisations=("CAF", "CPAM"))
        tickets.add(day, closed=day + timedelta(days=2), usefulness="non", organisations=("CPAM",), areas=("75",))
        tickets.add(day, closed=day + timedelta(days=2), organisations=("MSA",))
        tickets.add(day)
    everything = figures(database)
    assert everything.usefulness == {"oui": 1, "ne_sait_pas": 0, "non": 1, "sans_reponse": 1}
    assert [(row.code, row.tickets) for row in everything.organisations] == [("CAF", 2), ("CPAM", 2), ("MSA", 1)]
    cpam = figures(database, Filters(PERIOD.start, PERIOD.end, organisation="CPAM"))
    assert (cpam.tickets, cpam.closed, cpam.usefulness["non"]) == (2, 2, 1)
    paris = figures(database, Filters(PERIOD.start, PERIOD.end, area="75"))
    assert (paris.tickets, [row.code for row in paris.areas]) == (1, ["75"])


def test_aggregates_match_a_ticket_by_ticket_computation(database):
    rng = random.Random(9)
    areas = ["13", "57", "75", "974", "971"]
    expected_reply, expected_close, opened = [], [], 0
    with database.begin() as session:
        tickets = Tickets(session)
        for _ in range(300):
            created = datetime(2025, 9, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 140 * 24 * 60))
            area = rng.choice(areas)
            reply = created + timedelta(minutes=rng.randrange(0, 20 * 24 * 60)) if rng.random() < 0.8 else None
            closed = reply + timedelta(minutes=rng.randrange(0, 30 * 24 * 60)) if reply and rng.random() < 0.6 else None
            if (reply and reply > NOW) or (closed and closed > NOW):
                continue
            opened += 1
            tickets.add(created, reply=reply, closed=closed, areas=(area,))
            calendar = area if area in ("57", "974", "971") else None
            if reply:
                expected_reply.append(business_days_between(created, reply, calendar))
            if closed:
                expected_close.append(business_days_between(created, closed, calendar))
    result = figures(database)
    assert result.tickets == opened and result.first_reply.count == len(expected_reply)
    assert result.first_reply.median == pystats.median_low(expected_reply)
    assert result.first_reply.mean == pytest.approx(pystats.mean(expected_reply), abs=0.05)
    assert result.closing.median == pystats.median_low(expected_close)
    assert sum(n for _, n in result.first_reply.buckets) == len(expected_reply)
