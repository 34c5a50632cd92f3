"""A mail the processor cannot handle is retried, then quarantined with the reason."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from gateway.storage import spool
from gateway.models import InboundMail, Ticket
from gateway.processing.processor import drain
from tests.support.gateway import request_mail


def test_a_failing_mail_is_retried_then_quarantined_and_can_be_requeued(database, settings):
    settings = replace(settings, process_max_attempts=3, retry_base_seconds=0.0)
    settings.data_dir.mkdir(parents=True)
    settings.attachments_dir.write_text("a file where the attachment folder should be")
    mail = request_mail()
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="avis.pdf")
    spool.enqueue(database, mail.as_bytes(), rcpt_tos=[settings.address])

    drain(database, settings)
    with database.begin() as session:
        row = session.scalars(select(InboundMail)).one()
        assert (row.state, row.attempts) == ("quarantined", 3)
        assert "erreur d'accès aux fichiers" in row.error and "quarantaine après 3 tentatives" in row.error
        assert "Error" not in row.error  # French for the admin, the exception is in the log
        assert session.scalars(select(Ticket)).all() == []  # nothing half-done
        inbound_id = row.id

    settings.attachments_dir.unlink()  # the fault is repaired
    spool.requeue(database, inbound_id)
    drain(database, settings)
    with database.begin() as session:
        assert session.get(InboundMail, inbound_id).state == "done"
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_aliases_added_in_the_database_route_requests(database, settings):
    """The national team can teach the classifier a local name without a release."""
    from gateway.processing.processor import drain
    from gateway.models import Organisation
    from tests.support.gateway import add_group

    with database.begin() as session:
        add_group(session, "CAF 13", "CAF", ["13"], [("Awa", "Diallo", "awa.diallo@caf13.example")])
        add_group(session, settings.default_group, None, [], [("Nina", "Roux", "nina.roux@aplus.example")], triage=True)
    text = "Bonjour, la Maison Bleue de Marseille 13001 ne me répond plus depuis deux mois pour mon dossier."
    spool.enqueue(database, request_mail(subject="Aide", text=text).as_bytes(), rcpt_tos=[settings.address])
    drain(database, settings)
    with database.begin() as session:
        session.scalars(select(Organisation).where(Organisation.code == "CAF")).one().aliases = "maison bleue"
    spool.enqueue(database, request_mail(sender="autre@example.org", subject="Aide", text=text).as_bytes(),
                  rcpt_tos=[settings.address])
    drain(database, settings)
    with database.begin() as session:
        first, second = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        groups = [sorted(p.organisation_label for p in t.participants if p.role == "agent") for t in (first, second)]
    assert groups[0] == [settings.default_group]
    assert groups[1] == ["CAF 13"]


def test_new_requests_are_classified_before_the_transaction_and_replies_are_not(settings):
    """The guess made outside the write turn: requests yes, replies to us and automatic mail no."""
    from gateway.processing.conversation import classify_if_new_request
    from gateway.understand import read_mail

    request = read_mail(request_mail().as_bytes(), own_domain=settings.domain)
    ahead = classify_if_new_request(settings, request)
    assert ahead is not None and "CAF" in ahead.decision.organisation_codes

    reply = request_mail(subject="RE: [A+ #K7P3QD] Mon RSA est bloqué")
    reply["In-Reply-To"] = f"<m.k7p3qd.0123456789ab@{settings.domain}>"
    assert classify_if_new_request(settings, read_mail(reply.as_bytes(), own_domain=settings.domain)) is None

    personal = request_mail()
    personal.replace_header("To", f"{settings.local_part}+r12-34-0123456789abcdef@{settings.domain}")
    assert classify_if_new_request(settings, read_mail(personal.as_bytes(), own_domain=settings.domain)) is None

    automatic = request_mail()
    automatic["Auto-Submitted"] = "auto-replied"
    assert classify_if_new_request(settings, read_mail(automatic.as_bytes(), own_domain=settings.domain)) is None
