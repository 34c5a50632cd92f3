"""Fill a database with a realistic volume of tickets for ``benchmarks/admin.py``.

What a year or two of a national A+ looks like: 10 organisations, 40 areas,
a group per (organisation, area) with two agents each, and ``tickets`` tickets
spread over two years, each with 5 participants (requester, aidant, three
agents), 3 to 8 messages of realistic length (300 to 3,000 characters, a
quoted part cut away), one outbound notification per participant for the
first message, three audit events, and its relational scope (organisations,
areas, groups). About 60 % are closed, 85 % had an agent reply.

Rows are written with Core multi-row INSERTs and explicit ids, in batches: the
ORM would take an hour for the 1.5 million rows. The schema is made by the
migrations (``upgrade``), as in production, so triggers and indexes are the
real ones. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from typing import Iterator

from sqlalchemy import insert, text

from gateway.models import (
    Agent, Area, AuditEvent, Group, Membership, Message, Organisation, OutboundMail, Participant, Ticket, TicketArea,
    TicketGroup, TicketOrganisation,
)
from gateway.models.directory import group_areas
from gateway.storage.db import Database

ORGANISATIONS = ("CAF", "CPAM", "FT", "CNAV", "CARSAT", "MSA", "MDPH", "PREF", "DGFIP", "URSSAF")
AREAS = ("01", "06", "13", "14", "21", "29", "31", "33", "34", "35", "38", "44", "49", "54", "57", "59", "62",
         "63", "67", "68", "69", "75", "76", "77", "78", "83", "84", "91", "92", "93", "94", "95", "2A", "2B",
         "971", "972", "973", "974", "976", "87")
#: Words of any mail (greetings, linking words): in every ticket, as in real mail.
COMMON = (
    "bonjour je vous écris car mon dossier est toujours bloqué depuis plusieurs semaines et je ne reçois aucune "
    "réponse de votre part pourriez-vous me dire où en est ma demande merci de votre aide cordialement madame "
    "monsieur nous avons bien reçu les pièces le service a transmis votre situation sera examinée rapidement"
).split()
#: What a case is about: each ticket has one topic, whose words only its mails use (about 1 ticket in 12 each),
#: so a search for a word finds a realistic share of the tickets, not all of them.
TOPICS = (
    "rsa allocation suspendue revenu solidarité active", "retraite pension carsat relevé carrière trimestres",
    "déménagement changement adresse transfert dossier caisse", "carte vitale remboursement soins assurance maladie",
    "chômage indemnités inscription radiation france travail", "logement apl aide loyer bailleur quittance",
    "handicap aah reconnaissance taux incapacité mdph", "titre séjour renouvellement préfecture récépissé rendez-vous",
    "impôts prélèvement source avis imposition trop-perçu", "naissance enfant prestation familiale complément",
    "décès conjoint pension réversion veuvage", "urssaf cotisations auto-entrepreneur déclaration trimestrielle",
)
#: Rare words: a few tickets each (names of towns, a vocabulary of unusual words).
RARE = tuple(f"{stem}{n}" for stem in ("marseillette", "saintaubin", "villeneuvois", "quimperlé") for n in range(250))
BATCH = 5000


def fill(database: Database, *, tickets: int = 100_000, seed: int = 2026, progress=print) -> dict[str, int]:
    """Write the directory and ``tickets`` tickets; returns the row counts."""
    rng = random.Random(seed)
    started = time.monotonic()
    counts: dict[str, int] = {}
    directory = _directory(database, counts)
    now = datetime.now(timezone.utc)
    ids = {"participant": 0, "message": 0, "outbound": 0, "audit": 0}
    pending: dict[str, list[dict]] = {name: [] for name in TABLES}
    for number in range(1, tickets + 1):
        for table, row in _ticket_rows(rng, number, now, directory, ids):
            pending[table].append(row)
        if number % BATCH == 0 or number == tickets:
            _flush(database, pending, counts)
            progress(f"  {number} tickets ({time.monotonic() - started:.0f} s)")
    _after_bulk_load(database)
    return counts


TABLES = {
    "tickets": Ticket.__table__, "ticket_organisations": TicketOrganisation.__table__,
    "ticket_areas": TicketArea.__table__, "ticket_groups": TicketGroup.__table__,
    "participants": Participant.__table__, "messages": Message.__table__,
    "outbound_mail": OutboundMail.__table__, "audit_events": AuditEvent.__table__,
}


def _directory(database: Database, counts: dict[str, int]) -> dict:
    with database.transaction() as connection:
        connection.execute(insert(Organisation), [
            {"id": i, "code": code, "name": code, "aliases": "", "active": True}
            for i, code in enumerate(ORGANISATIONS, 1)
        ])
        connection.execute(insert(Area), [
            {"id": i, "code": code, "name": f"Département {code}", "active": True} for i, code in enumerate(AREAS, 1)
        ])
        groups, areas, agents, memberships = [], [], [], []
        for o, code in enumerate(ORGANISATIONS, 1):
            for a, area in enumerate(AREAS, 1):
                group_id = len(groups) + 1
                groups.append({"id": group_id, "name": f"{code} {area}", "organisation_id": o, "mailbox": None,
                               "is_national": False, "is_triage": False, "active": True,
                               "created_at": datetime(2024, 1, 1, tzinfo=timezone.utc)})
                areas.append({"group_id": group_id, "area_id": a})
                for n in range(2):
                    agent_id = len(agents) + 1
                    agents.append({"id": agent_id, "email": f"agent{n}.{code.lower()}{area.lower()}@{code.lower()}.example",
                                   "first_name": f"Agent{n}", "last_name": f"{code} {area}", "active": True,
                                   "created_at": datetime(2024, 1, 1, tzinfo=timezone.utc)})
                    memberships.append({"group_id": group_id, "agent_id": agent_id, "role": ""})
        for table, rows in ((Group, groups), (group_areas, areas), (Agent, agents), (Membership, memberships)):
            connection.execute(insert(table), rows)
    counts.update(groups=len(groups), agents=len(agents))
    return {"groups": groups, "agents": agents}


def _ticket_rows(rng: random.Random, number: int, now: datetime, directory: dict, ids: dict) -> Iterator[tuple[str, dict]]:
    created = now - timedelta(minutes=rng.randrange(30, 730 * 24 * 60))
    organisation_numbers = rng.sample(range(1, len(ORGANISATIONS) + 1), rng.choice((1, 1, 1, 2)))
    area_numbers = rng.sample(range(1, len(AREAS) + 1), rng.choice((1, 1, 2)))
    replied = rng.random() < 0.85
    reply_at = created + timedelta(minutes=rng.randrange(20, 12 * 24 * 60)) if replied else None
    closed = replied and rng.random() < 0.7
    closed_at = reply_at + timedelta(minutes=rng.randrange(60, 40 * 24 * 60)) if closed else None
    if reply_at and reply_at > now:
        reply_at, closed, closed_at = None, False, None
    if closed_at and closed_at > now:
        closed, closed_at = False, None
    status = "closed" if closed else ("open" if replied else "new")
    late = status != "closed" and not replied and (now - created) > timedelta(days=5)
    topic = TOPICS[number % len(TOPICS)].split()
    subject = " ".join(rng.choice(topic) for _ in range(rng.randrange(2, 5))).capitalize()
    yield "tickets", {
        "id": number, "reference": f"B{number:07d}", "subject": subject, "status": status, "created_at": created,
        "first_agent_reply_at": reply_at, "closed_at": closed_at, "routing": '{"decision": {}, "steps": []}',
        "note": "", "taken_by_id": None,
        "usefulness": rng.choice(("oui", "oui", "non", "ne_sait_pas", None)) if closed else None,
        "usefulness_at": closed_at, "late_since": created + timedelta(days=3) if late else None,
        "previous_ticket_id": None, "purged_at": None,
    }
    for o in organisation_numbers:
        yield "ticket_organisations", {"ticket_id": number, "organisation_id": o}
    for a in area_numbers:
        yield "ticket_areas", {"ticket_id": number, "area_id": a, "role": ""}
    groups = [(o - 1) * len(AREAS) + a for o in organisation_numbers for a in area_numbers][:3]
    for g in groups:
        yield "ticket_groups", {"ticket_id": number, "group_id": g, "active": True, "added_at": created, "removed_at": None}
    participants = []
    people = [("requester", f"usager{number}@example.org", f"Usager {number}", ""),
              ("aidant", f"aidant{number % 500}@franceservices.example", f"Aidant {number % 500}", "France Services")]
    agents = [directory["agents"][(g - 1) * 2 + n] for g in groups for n in range(2)][:3]
    while len(agents) < 3:
        agents.append(directory["agents"][rng.randrange(len(directory["agents"]))])
    people += [("agent", agent["email"], f"{agent['first_name']} {agent['last_name']}", agent["last_name"]) for agent in agents]
    seen = set()
    for role, email, name, label in people:
        if email in seen:
            continue
        seen.add(email)
        ids["participant"] += 1
        participants.append(ids["participant"])
        yield "participants", {
            "id": ids["participant"], "ticket_id": number, "role": role, "email": email, "display_name": name,
            "organisation_label": label, "group_id": None, "agent_id": None, "token": f"{number:x}{len(seen)}",
            "bouncing": False, "bounce_detail": "", "created_at": created,
        }
    moment = created
    for index in range(rng.randrange(3, 9)):
        ids["message"] += 1
        author = participants[0] if index == 0 else rng.choice(participants)
        body = _text(rng, topic)
        yield "messages", {
            "id": ids["message"], "ticket_id": number, "author_id": author,
            "visibility": "internal" if index and rng.random() < 0.2 else "public", "kind": "message",
            "text": body + "\n\n> " + _text(rng, topic, 200, 1200).replace("\n", "\n> "), "trimmed": body,
            "elided": "", "html": None, "rfc_message_id": f"<m{ids['message']}@example.org>",
            "our_message_id": f"<o{ids['message']}@aplus.localhost>", "source": "mail", "inbound_id": None,
            "created_at": moment,
        }
        if index == 0:
            for participant in participants[1:]:
                ids["outbound"] += 1
                yield "outbound_mail", {
                    "id": ids["outbound"], "dedup_key": f"bench:{ids['outbound']}", "ticket_id": number,
                    "participant_id": participant, "recipient": f"p{participant}@example.org",
                    "message_id_header": f"<n{ids['outbound']}@aplus.localhost>",
                    "raw": ("Subject: " + subject + "\r\n\r\n" + body).encode(), "state": "sent", "attempts": 1,
                    "created_at": moment, "next_attempt_at": moment, "sent_at": moment, "last_error": "",
                }
        moment += timedelta(minutes=rng.randrange(5, 3 * 24 * 60))
    for action in ("ticket.opened", "routing.decided", "mail.acknowledged"):
        ids["audit"] += 1
        yield "audit_events", {"id": ids["audit"], "at": created, "actor": "gateway", "action": action,
                               "ticket_id": number, "detail": "{}"}


def _text(rng: random.Random, topic: list[str], low: int = 300, high: int = 3000) -> str:
    """A mail body of a realistic length: mostly common words, some of the ticket's topic, rarely a rare one."""
    size = int(min(high, max(low, rng.lognormvariate(6.6, 0.6))))
    words: list[str] = []
    length = 0
    while length < size:
        draw = rng.random()
        word = rng.choice(topic) if draw < 0.15 else (rng.choice(RARE) if draw < 0.152 else rng.choice(COMMON))
        words.append(word)
        length += len(word) + 1
        if rng.random() < 0.08:
            words[-1] += ".\n" if rng.random() < 0.3 else "."
    return "Bonjour,\n" + " ".join(words) + "\nCordialement"


def _flush(database: Database, pending: dict[str, list[dict]], counts: dict[str, int]) -> None:
    with database.transaction() as connection:
        for name, table in TABLES.items():
            rows = pending[name]
            if rows:
                connection.execute(insert(table), rows)
                counts[name] = counts.get(name, 0) + len(rows)
                rows.clear()


def _after_bulk_load(database: Database) -> None:
    """Sequences past the explicit ids (PostgreSQL), planner statistics on both backends."""
    with database.transaction() as connection:
        if database.is_postgres:
            for name in (*TABLES, "organisations", "areas", "groups", "agents"):
                if name in ("ticket_organisations", "ticket_areas", "ticket_groups"):
                    continue
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                ))
    with database.engine.connect() as connection:
        if database.is_postgres:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            connection.exec_driver_sql("ANALYZE")
