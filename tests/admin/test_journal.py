"""/journal: the audit log with its filters and pages."""

from __future__ import annotations

from datetime import timedelta

from gateway.models import AuditEvent, utcnow
from tests.admin.builders import directory, open_ticket


def test_the_journal_shows_who_when_from_where_and_filters(client, login_as, database, settings):
    directory(database, settings)
    ticket = open_ticket(database, settings, "marie.durand@example.org", "RSA bloqué", "Mon RSA est bloqué (13001).")
    account = login_as("admin")
    client.get(f"/tickets/{ticket.reference}")  # a view of its content: audited
    html = client.get("/journal").get_data(as_text=True)
    assert "dossier consulté" in html and f"admin:{account.email}" in html and "127.0.0.1" in html
    only_views = client.get(f"/journal?acteur={account.email.upper()}").get_data(as_text=True)
    assert "dossier consulté" in only_views and "dossier ouvert" not in only_views
    by_ticket = client.get(f"/journal?dossier={ticket.reference.lower()}&action=ticket").get_data(as_text=True)
    assert "dossier ouvert" in by_ticket and "dossier consulté" in by_ticket and "<td>connexion</td>" not in by_ticket
    assert "dossier consulté" not in client.get(f"/journal?dossier={ticket.reference}&action=spool").get_data(as_text=True)
    assert "Aucun évènement" in client.get("/journal?acteur=personne-inconnue").get_data(as_text=True)
    assert "illisible" in client.get("/journal?du=hier").get_data(as_text=True)


def test_the_journal_pages_and_dates(client, login_as, database):
    login_as("admin")
    with database.begin() as session:
        old = utcnow() - timedelta(days=400)
        session.add_all([AuditEvent(action="outbox.retry", actor=f"robot{n}", at=old, detail="{}") for n in range(60)])
    first = client.get("/journal?action=outbox").get_data(as_text=True)
    assert "60 évènements" in first and 'aria-current="page"' in first and "Page suivante" in first
    second = client.get("/journal?action=outbox&page=2").get_data(as_text=True)
    assert second.count("envoi relancé") == 10
    recent = (utcnow() - timedelta(days=30)).date().isoformat()
    assert "Aucun évènement" in client.get(f"/journal?action=outbox&du={recent}").get_data(as_text=True)
