"""Every statement a mail causes finds its rows through an index, on tables that grow with the years.

The hot path runs for real (spool, processor, outbox, delivery to the
captured outbox) on a database that already holds a history of tickets
(``tests.support.history``) with the planner's statistics taken. Every
statement issued meanwhile is captured (SQLAlchemy's
``before_cursor_execute``) and explained by the backend itself: SQLite's
``EXPLAIN QUERY PLAN``, PostgreSQL's ``EXPLAIN``. A full scan of a growing
table, or a search on ``state`` alone (a handful of values for millions of
rows), fails the test with the statement and its plan. Deterministic: plans,
not timings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from email import message_from_bytes, policy

import pytest
from sqlalchemy import event, select

from gateway import addresses
from gateway.models import Base, OutboundMail, Participant, Ticket
from gateway.outbound.outbox import deliver_due
from gateway.outbound.transports import CaptureTransport
from gateway.processing.processor import drain
from gateway.storage import spool, statistics
from tests.support.gateway import small_directory
from tests.support.history import fill_history

HISTORY_TICKETS = 800
#: The directory and reference tables: small, and read through a cached snapshot.
STATIC_TABLES = {"groups", "agents", "areas", "organisations", "memberships", "group_areas", "directory_revision",
                 "alembic_version"}
GROWING = sorted(set(Base.metadata.tables) - STATIC_TABLES)


@dataclass
class Captured:
    statement: str
    parameters: object


class StatementLog:
    """Statements sent to the database while ``recording``."""

    def __init__(self, engine) -> None:
        self.recording = False
        self.statements: list[Captured] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _connection, _cursor, statement, parameters, _context, executemany) -> None:
        if self.recording and not executemany:
            self.statements.append(Captured(statement, parameters))


def request(settings, sender: str = "marie.durand@example.org") -> bytes:
    return (
        f"From: Marie Durand <{sender}>\r\nTo: {settings.address}\r\nSubject: Mon RSA est bloqué\r\n"
        f"Message-ID: <plan-request@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Bonjour, mon RSA est suspendu depuis trois mois, la CAF ne répond pas. J'habite à Marseille (13001).\r\n"
    ).encode("utf-8")


def reply(*, sender: str, to: str, subject: str, message_id: str, in_reply_to: str = "", references: str = "") -> bytes:
    threading = f"In-Reply-To: {in_reply_to}\r\nReferences: {references}\r\n" if in_reply_to else ""
    return (
        f"From: <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n{threading}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nMerci, je regarde le dossier cet après-midi.\r\n"
    ).encode("utf-8")


def run_hot_path(database, settings, log: StatementLog, tmp_path) -> Ticket:
    """A new request, replies by token, by References and by subject tag, and their delivery."""
    transport = CaptureTransport(tmp_path / "outbox")

    def step(raw: bytes, rcpt: str) -> None:
        log.recording = True
        spool.enqueue(database, raw, mail_from="someone@example.org", rcpt_tos=[rcpt])
        assert drain(database, settings) == 1
        deliver_due(database, settings, transport, batch=50)
        log.recording = False

    step(request(settings), settings.address)
    with database.begin() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
        assert len(ticket.reference) == 6, "the request must open a new ticket (history references have 8 characters)"
        requester = session.scalars(select(Participant).where(
            Participant.ticket_id == ticket.id, Participant.role == "requester")).one()
        agent = session.scalars(select(Participant).where(
            Participant.ticket_id == ticket.id, Participant.role == "agent").order_by(Participant.id)).first()
        to_agent = session.scalars(select(OutboundMail).where(OutboundMail.participant_id == agent.id)).one()
        sent = message_from_bytes(to_agent.raw, policy=policy.default)
    by_token = addresses.personal_address(settings, "reply", ticket.id, requester.id)
    step(reply(sender=requester.email, to=by_token, subject=f"Re: {ticket.tag}", message_id="<r1@example.org>"), by_token)
    step(reply(sender=agent.email, to=settings.address, subject="RE: dossier", message_id="<r2@caf13.example>",
               in_reply_to=sent["Message-ID"], references=f"{sent['References']} {sent['Message-ID']}"), settings.address)
    step(reply(sender=agent.email, to=settings.address, subject=f"RE: {ticket.tag} suite", message_id="<r3@caf13.example>"),
         settings.address)
    return ticket


def plan_problems(database, captured: Captured) -> list[str]:
    """What is wrong with one statement's plan (nothing: an empty list)."""
    if database.is_postgres:
        return _postgres_problems(database, captured)
    return _sqlite_problems(database, captured)


def _worth_explaining(statement: str) -> bool:
    head = statement.lstrip().split(None, 1)[0].upper()
    if head in ("SELECT", "UPDATE", "DELETE", "WITH"):
        return True
    return head == "INSERT" and " SELECT " in statement.upper()


SQLITE_SCAN = re.compile(r"^SCAN (\w+)")
SQLITE_STATE_ONLY = re.compile(r"^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(state=\?\)$")


def _sqlite_problems(database, captured: Captured) -> list[str]:
    raw = database.engine.raw_connection()
    try:
        rows = raw.driver_connection.execute("EXPLAIN QUERY PLAN " + captured.statement, captured.parameters).fetchall()
    finally:
        raw.close()
    problems = []
    for row in rows:
        detail = row[-1]
        scan = SQLITE_SCAN.match(detail)
        if scan and scan.group(1) in GROWING:
            problems.append(detail)
        state_only = SQLITE_STATE_ONLY.match(detail)
        if state_only and state_only.group(1) in GROWING:
            problems.append(detail)
    return problems


def _postgres_problems(database, captured: Captured) -> list[str]:
    raw = database.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        cursor.execute("EXPLAIN (FORMAT JSON) " + captured.statement, captured.parameters)
        plan = cursor.fetchone()[0]
        raw.driver_connection.rollback()
    finally:
        raw.close()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    problems = []

    def walk(node: dict) -> None:
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in GROWING:
            problems.append(f"Seq Scan on {node['Relation Name']} (filter: {node.get('Filter', '')})")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return problems


@pytest.fixture
def history(database, settings):
    """The demo-like directory, a history of tickets, and fresh planner statistics."""
    small_directory(database, settings)
    fill_history(database, HISTORY_TICKETS)
    if database.is_postgres:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        statistics.refresh(database)
    return database


@pytest.fixture
def hot_path(history, settings, tmp_path):
    """The hot path run once on the filled database: (database, captured statements, the new ticket)."""
    log = StatementLog(history.engine)
    ticket = run_hot_path(history, replace(settings, delivery="capture"), log, tmp_path)
    return history, log.statements, ticket


def test_every_statement_of_the_hot_path_uses_an_index(hot_path):
    database, statements, _ = hot_path
    explained = [c for c in statements if _worth_explaining(c.statement)]
    assert len(explained) > 20, "the hot path was not captured"
    problems = {c.statement: found for c in explained if (found := plan_problems(database, c))}
    assert not problems, "\n\n".join(f"{statement}\n  -> {found}" for statement, found in problems.items())


def test_the_hot_path_is_the_real_one_and_reads_each_thing_once(hot_path):
    """Token, References and subject tag each matched; each quoted Message-ID looked up once, and
    none after the ticket is found; relaying never reads every message of the ticket."""
    database, statements, ticket = hot_path
    from gateway.models import InboundMail

    with database.begin() as session:
        outcomes = list(session.scalars(
            select(InboundMail.outcome).where(InboundMail.ticket_id == ticket.id).order_by(InboundMail.id)))
    assert outcomes[0].startswith(f"opened ticket {ticket.reference}")
    assert [o.split(" via ")[1].split()[0] for o in outcomes[1:]] == ["token", "references", "subject"], outcomes
    lookups = [c for c in statements if "FROM outbound_mail" in c.statement and "message_id_header" in c.statement
               and c.statement.lstrip().upper().startswith("SELECT")]
    # the reply quotes the Message-ID we sent its author: its HMAC names the participant, no lookup at all
    # (gateway.outbound.message_ids); an unsigned id would be looked up once
    assert len(lookups) <= 1, [c.statement for c in lookups]
    unbounded = [c.statement for c in statements
                 if re.search(r"FROM messages\b", c.statement) and "WHERE messages.ticket_id" in c.statement
                 and "LIMIT" not in c.statement.upper() and "count(" not in c.statement.lower()]
    assert not unbounded, unbounded
