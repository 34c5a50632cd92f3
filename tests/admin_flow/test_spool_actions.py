"""Reprocess, release as a new ticket, discard: the admin's and the console's actions on the spool."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.models import AuditEvent, InboundMail, OutboundMail, Ticket
from gateway.processing import spool_actions
from gateway.processing.processor import drain
from gateway.processing.spool_actions import SpoolActionError
from gateway.storage import spool
from tests.support.gateway import request_mail


def events(database, action: str) -> list[AuditEvent]:
    with database.begin() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_release_opens_a_ticket_with_its_mail_and_audits_who_did_it(directory, settings, quarantined):
    with directory.begin() as session:
        ticket = spool_actions.release_as_ticket(session, settings, quarantined, actor="admin@aplus.example",
                                                 client_address="192.0.2.7")
        reference = ticket.reference
    with directory.begin() as session:
        row = session.get_one(InboundMail, quarantined)
        ticket = session.scalars(select(Ticket)).one()
        assert (row.state, row.ticket_id, ticket.reference) == ("done", ticket.id, reference)
        assert ticket.subject == "Les actualités du mois" and ticket.messages[0].inbound_id == quarantined
        acknowledgement = session.scalars(select(OutboundMail).where(OutboundMail.recipient == "lettre@newsletter.example"))
        assert acknowledgement.first() is not None  # the same fan-out as any new request
    [event] = events(directory, "spool.release")
    assert (event.actor, event.details["client_address"], event.details["inbound"]) == ("admin@aplus.example", "192.0.2.7", quarantined)
    assert "masse" in event.details["previous_reason"] and event.ticket_id == ticket.id


def test_release_is_refused_for_a_mail_that_is_not_quarantined(directory, settings):
    inbound_id = spool.enqueue(directory, request_mail().as_bytes(), rcpt_tos=[settings.address])
    drain(directory, settings)
    with pytest.raises(SpoolActionError, match="seul un message en quarantaine"):
        with directory.begin() as session:
            spool_actions.release_as_ticket(session, settings, inbound_id, actor="admin")
    with directory.begin() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1  # no second ticket
    assert events(directory, "spool.release") == []


def test_release_ignores_the_hourly_limit_that_quarantined_the_mail(directory, settings):
    from dataclasses import replace

    strict = replace(settings, sender_hourly_limit=1)
    first = spool.enqueue(directory, request_mail().as_bytes(), rcpt_tos=[settings.address])
    second = spool.enqueue(directory, request_mail(subject="Encore moi").as_bytes(), rcpt_tos=[settings.address])
    drain(directory, strict)
    with directory.begin() as session:
        assert session.get_one(InboundMail, second).state == "quarantined"
        spool_actions.release_as_ticket(session, strict, second, actor="admin")
    with directory.begin() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 2
        assert session.get_one(InboundMail, first).state == "done"


def test_release_of_a_mail_without_any_sender_says_why_and_changes_nothing(directory, settings):
    raw = b"Subject: sans expediteur\r\nTo: aplus@aplus.localhost\r\n\r\nBonjour\r\n"
    inbound_id = spool.enqueue(directory, raw, rcpt_tos=[settings.address])
    drain(directory, settings)
    with directory.begin() as session:
        assert session.get_one(InboundMail, inbound_id).state == "quarantined"
    with pytest.raises(SpoolActionError, match="expéditeur"):
        with directory.begin() as session:
            spool_actions.release_as_ticket(session, settings, inbound_id, actor="admin")
    with directory.begin() as session:
        assert session.get_one(InboundMail, inbound_id).state == "quarantined"


def test_discard_keeps_the_raw_mail_and_the_reason_in_the_journal(directory, settings, quarantined):
    with directory.begin() as session:
        spool_actions.discard(session, quarantined, actor="admin@aplus.example", reason="  Lettre d'information\n sans objet ",
                              client_address="192.0.2.7")
    with directory.begin() as session:
        row = session.get_one(InboundMail, quarantined)
        assert row.state == "discarded" and b"List-Unsubscribe" in row.raw and row.size == len(row.raw)
    [event] = events(directory, "spool.discard")
    assert event.details["reason"] == "Lettre d'information sans objet"
    assert event.details["previous_state"] == "quarantined" and event.details["client_address"] == "192.0.2.7"
    drain(directory, settings)  # the processor leaves a discarded mail alone
    with directory.begin() as session:
        assert session.get_one(InboundMail, quarantined).state == "discarded"


def test_discard_without_a_reason_is_refused(directory, settings, quarantined):
    with pytest.raises(SpoolActionError, match="Indiquez pourquoi"):
        with directory.begin() as session:
            spool_actions.discard(session, quarantined, actor="admin", reason="   ")
    with directory.begin() as session:
        assert session.get_one(InboundMail, quarantined).state == "quarantined"


def test_reprocess_runs_the_mail_through_the_processor_again(directory, settings, quarantined):
    with directory.begin() as session:
        spool_actions.discard(session, quarantined, actor="admin", reason="erreur")
    with directory.begin() as session:
        spool_actions.reprocess(session, quarantined, actor="admin", client_address="192.0.2.7")
        row = session.get_one(InboundMail, quarantined)
        assert (row.state, row.attempts) == ("queued", 0)
    assert drain(directory, settings) == 1
    with directory.begin() as session:  # still bulk mail: quarantined again, with its reason
        row = session.get_one(InboundMail, quarantined)
        assert row.state == "quarantined" and "masse" in row.error
    [event] = events(directory, "spool.reprocess")
    assert event.details["previous_state"] == "discarded"


def test_reprocess_of_a_processed_mail_is_refused(directory, settings):
    inbound_id = spool.enqueue(directory, request_mail().as_bytes(), rcpt_tos=[settings.address])
    drain(directory, settings)
    with pytest.raises(SpoolActionError, match="est traité"):
        with directory.begin() as session:
            spool_actions.reprocess(session, inbound_id, actor="admin")


def test_an_unknown_mail_is_a_clear_refusal(directory, settings):
    for action in (lambda s: spool_actions.reprocess(s, 999, actor="a"),
                   lambda s: spool_actions.discard(s, 999, actor="a", reason="x"),
                   lambda s: spool_actions.release_as_ticket(s, settings, 999, actor="a")):
        with pytest.raises(SpoolActionError, match="Aucun message n° 999"):
            with directory.begin() as session:
                action(session)


def test_a_discarded_mail_is_kept_until_the_raw_mail_retention_empties_it(directory, settings, quarantined):
    from datetime import timedelta

    from gateway.models import utcnow
    from gateway.processing.retention import purge

    with directory.begin() as session:
        spool_actions.discard(session, quarantined, actor="admin", reason="publicité")
    purge(directory, settings)
    with directory.begin() as session:
        row = session.get_one(InboundMail, quarantined)
        assert b"List-Unsubscribe" in row.raw  # still there for a wrong discard to be undone
        row.processed_at = utcnow() - timedelta(days=settings.raw_mail_retention_days + 1)
    purge(directory, settings)
    with directory.begin() as session:
        assert session.get_one(InboundMail, quarantined).raw == b""
