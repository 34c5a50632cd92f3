"""Years of history in seconds: a bulk filler of tickets, for plans and benchmarks.

Used by ``tests/engine/test_hot_path_plans.py`` (so the planners see tables
of a realistic shape) and by ``benchmarks/scale.py`` (up to 100,000 tickets).
It writes with Core multi-row inserts, not through the pipeline: the
pipeline would take hours for 100,000 tickets, and what is measured is the
cost of the *next* mail, not of the filling.

The shape follows what the gateway writes for a ticket: five participants
(the requester, three agents of one or two groups, a shared mailbox), three
to eight messages, each received once (an ``inbound_mail`` row, compressed as
the gateway stores it) and relayed to the four other participants (four
``outbound_mail`` rows), an audit event per message, an attachment in one
message out of five. Agents come from a pool, so an agent's address appears
in thousands of tickets, as it does after years; requesters rarely repeat.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from gateway.models import AuditEvent, Attachment, Base, InboundMail, Message, OutboundMail, Participant, Ticket
from gateway.storage.compression import pack
from gateway.storage.db import Database

DOMAIN = "aplus.localhost"
AGENT_POOL = 400
BATCH_TICKETS = 500

REQUEST_TEXT = (
    "Bonjour,\n\nJe vous écris car mon dossier de RSA est bloqué depuis trois mois à la CAF de Paris "
    "alors que j'ai déménagé à Marseille en janvier. J'ai envoyé tous les justificatifs demandés "
    "(attestation de domicile, avis d'imposition, relevé d'identité bancaire) mais personne ne me répond "
    "et je n'ai plus aucune ressource. Pouvez-vous m'aider à savoir où en est mon dossier ?\n\n"
    "Je vous remercie par avance.\nCordialement,\n"
) * 3


def _raw_tables() -> dict[str, sa.Table]:
    """The two mail tables with ``raw`` as plain bytes: the filler packs once, the type would pack per row."""
    metadata = sa.MetaData()
    return {
        name: sa.Table(name, metadata, *[
            sa.Column(c.name, sa.LargeBinary if c.name == "raw" else c.type, primary_key=c.primary_key)
            for c in model.__table__.columns
        ])
        for name, model in (("inbound_mail", InboundMail), ("outbound_mail", OutboundMail))
    }


def _mail_bytes(kind: str, size_hint: int) -> bytes:
    header = (f"From: Quelqu'un <someone@example.org>\r\nTo: aplus@{DOMAIN}\r\nSubject: {kind}\r\n"
              "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
    body = (REQUEST_TEXT * (1 + size_hint // len(REQUEST_TEXT)))[:size_hint]
    return (header + body).encode("utf-8")


def fill_history(database: Database, tickets: int, *, start: int = 0, seed: int = 13,
                 now: datetime | None = None, progress=None) -> None:
    """Add ``tickets`` tickets numbered from ``start``, in their past (days to years ago)."""
    rng = random.Random(seed + start)
    now = now or datetime.now(timezone.utc)
    tables = _raw_tables()
    inbound_raw = pack(_mail_bytes("demande", 3700))
    outbound_raw = pack(_mail_bytes("relais", 5200))
    ids = _next_ids(database)
    directory = _directory_ids(database)
    for first in range(start, start + tickets, BATCH_TICKETS):
        rows = _batch(rng, ids, range(first, min(first + BATCH_TICKETS, start + tickets)), now, inbound_raw, outbound_raw)
        scopes = _scope_rows(rng, directory, rows["tickets"])
        with database.transaction() as connection:
            connection.execute(sa.insert(Ticket.__table__), rows["tickets"])
            for table, scope_rows in scopes.items():
                if scope_rows:
                    connection.execute(sa.insert(Base.metadata.tables[table]), scope_rows)
            connection.execute(sa.insert(Participant.__table__), rows["participants"])
            connection.execute(sa.insert(tables["inbound_mail"]), rows["inbound"])
            connection.execute(sa.insert(Message.__table__), rows["messages"])
            if rows["attachments"]:
                connection.execute(sa.insert(Attachment.__table__), rows["attachments"])
            connection.execute(sa.insert(tables["outbound_mail"]), rows["outbound"])
            connection.execute(sa.insert(AuditEvent.__table__), rows["audit"])
        if progress is not None:
            progress(min(first + BATCH_TICKETS, start + tickets))
    _advance_sequences(database)


def _directory_ids(database: Database) -> dict[str, list[int]]:
    """Ids of the directory's areas, organisations and groups, for the tickets' scope rows."""
    with database.engine.connect() as connection:
        return {name: list(connection.scalars(sa.select(Base.metadata.tables[name].c.id)))
                for name in ("areas", "organisations", "groups")}


def _scope_rows(rng, directory: dict[str, list[int]], tickets: list[dict]) -> dict[str, list[dict]]:
    """The relational scope of each ticket (areas, organisations, groups), where those tables exist."""
    scopes: dict[str, list[dict]] = {}
    tables = Base.metadata.tables
    if "ticket_areas" in tables and directory["areas"]:
        scopes["ticket_areas"] = [{"ticket_id": t["id"], "area_id": area, "role": ""} for t in tickets
                                  for area in rng.sample(directory["areas"], min(2, len(directory["areas"])))]
    if "ticket_organisations" in tables and directory["organisations"]:
        scopes["ticket_organisations"] = [{"ticket_id": t["id"], "organisation_id": rng.choice(directory["organisations"])}
                                          for t in tickets]
    if "ticket_groups" in tables and directory["groups"]:
        scopes["ticket_groups"] = [{"ticket_id": t["id"], "group_id": group, "active": True, "added_at": t["created_at"]}
                                   for t in tickets
                                   for group in rng.sample(directory["groups"], min(2, len(directory["groups"])))]
    return scopes


def _next_ids(database: Database) -> dict[str, int]:
    """Explicit ids (the batch's rows refer to each other), continuing after what exists."""
    names = {"tickets": Ticket, "participants": Participant, "inbound": InboundMail, "messages": Message,
             "attachments": Attachment, "outbound": OutboundMail, "audit": AuditEvent}
    with database.engine.connect() as connection:
        return {key: (connection.scalar(sa.select(sa.func.max(model.id))) or 0) + 1 for key, model in names.items()}


def _take(ids: dict[str, int], key: str) -> int:
    value = ids[key]
    ids[key] = value + 1
    return value


def _batch(rng, ids, numbers, now, inbound_raw, outbound_raw) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {k: [] for k in ("tickets", "participants", "inbound", "messages", "attachments",
                                                    "outbound", "audit")}
    for number in numbers:
        opened = now - timedelta(days=rng.uniform(1, 5 * 365))
        ticket_id = _take(ids, "tickets")
        reference = f"H{number:07d}"
        rows["tickets"].append({"id": ticket_id, "reference": reference, "subject": "Mon RSA est bloqué",
                                "status": rng.choice(("open", "closed", "closed")), "created_at": opened,
                                "routing": "{}", "note": ""})
        people = [("requester", f"usager{number % 90_000}@example.org", "")]
        for agent in rng.sample(range(AGENT_POOL), 3):
            people.append(("agent", f"agent{agent}@caf{agent % 100:02d}.example", f"CAF {agent % 100:02d}"))
        people.append(("agent", f"accueil{rng.randrange(100):02d}@caf.example", "CAF"))
        participants = []
        for role, email, label in people:
            participant_id = _take(ids, "participants")
            participants.append((participant_id, email))
            rows["participants"].append({
                "id": participant_id, "ticket_id": ticket_id, "role": role, "email": email, "display_name": "",
                "organisation_label": label, "token": f"r{ticket_id}-{participant_id}-{'0' * 16}",
                "bouncing": False, "bounce_detail": "", "created_at": opened,
            })
        for index in range(rng.randint(3, 8)):
            at = opened + timedelta(hours=index * rng.uniform(1, 48))
            author_id, author_email = participants[0] if index == 0 else rng.choice(participants)
            inbound_id, message_id = _take(ids, "inbound"), _take(ids, "messages")
            our_id = f"<m.{reference.lower()}.{index:02x}@{DOMAIN}>"
            rows["inbound"].append({
                "id": inbound_id, "raw": inbound_raw, "sha256": hashlib.sha256(b"%d" % inbound_id).hexdigest(),
                "size": 3700, "mail_from": author_email, "rcpt_tos": f"aplus@{DOMAIN}", "source": "smtp", "peer": "",
                "received_at": at, "state": "done", "attempts": 1, "next_attempt_at": at, "error": "",
                "outcome": "message", "ticket_id": ticket_id, "processed_at": at,
            })
            rows["messages"].append({
                "id": message_id, "ticket_id": ticket_id, "author_id": author_id, "visibility": "public",
                "kind": "message", "text": REQUEST_TEXT[:1500], "trimmed": REQUEST_TEXT[:1200], "elided": "",
                "html": None, "rfc_message_id": f"<{inbound_id}.{number}@client.example>", "our_message_id": our_id,
                "source": "mail", "inbound_id": inbound_id, "created_at": at,
            })
            if rng.random() < 0.2:
                rows["attachments"].append({
                    "id": _take(ids, "attachments"), "message_id": message_id, "filename": "justificatif.pdf",
                    "content_type": "application/pdf", "size": 120_000,
                    "sha256": hashlib.sha256(b"a%d" % message_id).hexdigest(), "content_id": None, "inline": False,
                })
            for recipient_id, recipient in participants:
                if recipient_id == author_id:
                    continue
                rows["outbound"].append({
                    "id": _take(ids, "outbound"), "dedup_key": f"message:{message_id}:{recipient}",
                    "ticket_id": ticket_id, "participant_id": recipient_id, "recipient": recipient,
                    "message_id_header": our_id, "raw": outbound_raw, "state": "sent", "attempts": 1,
                    "created_at": at, "next_attempt_at": at, "sent_at": at, "last_error": "",
                })
            rows["audit"].append({"id": _take(ids, "audit"), "at": at, "actor": "gateway", "action": "message.added",
                                  "ticket_id": ticket_id, "detail": "{}"})
    return rows


def _advance_sequences(database: Database) -> None:
    """PostgreSQL's id sequences past the explicit ids the filler wrote."""
    if not database.is_postgres:
        return
    with database.transaction() as connection:
        for model in (Ticket, Participant, InboundMail, Message, Attachment, OutboundMail, AuditEvent):
            table = model.__tablename__
            connection.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            ))
