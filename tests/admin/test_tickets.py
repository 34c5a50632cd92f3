"""The ticket list and page: filters, search, scope, the thread as participants saw it."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models import Area, AuditEvent, Organisation


def _ids(database, model, code):
    with database.begin() as session:
        return session.scalars(select(model.id).where(model.code == code)).one()


def test_the_list_shows_every_ticket_to_an_admin(client, login_as, marseille_and_paris):
    marseille, paris = marseille_and_paris
    login_as("admin")
    html = client.get("/tickets").get_data(as_text=True)
    assert marseille.reference in html and paris.reference in html
    assert "2 tickets." in html


def test_filters_by_area_and_organisation_are_sql_on_the_scopes(client, login_as, database, marseille_and_paris):
    marseille, paris = marseille_and_paris
    login_as("admin")
    html = client.get(f"/tickets?area={_ids(database, Area, '13')}").get_data(as_text=True)
    assert marseille.reference in html and paris.reference not in html
    html = client.get(f"/tickets?organisation={_ids(database, Organisation, 'CAF')}&area={_ids(database, Area, '75')}").get_data(as_text=True)
    assert paris.reference in html and marseille.reference not in html
    html = client.get("/tickets?status=closed").get_data(as_text=True)
    assert "Aucun ticket ne correspond à ces filtres" in html


def test_search_finds_words_of_the_subject_and_of_the_messages(client, login_as, marseille_and_paris):
    marseille, paris = marseille_and_paris
    login_as("admin")
    html = client.get("/tickets?q=suspendue").get_data(as_text=True)
    assert paris.reference in html and marseille.reference not in html
    html = client.get("/tickets?q=trois+mois").get_data(as_text=True)  # in the message text only
    assert marseille.reference in html and paris.reference not in html
    html = client.get("/tickets?q=bloque").get_data(as_text=True)  # without the accent
    assert marseille.reference in html
    hostile = client.get('/tickets?q=" OR * NEAR( bloqué"')  # query syntax is only words here
    assert hostile.status_code == 200 and "Aucun ticket ne correspond" in hostile.get_data(as_text=True)
    nothing = client.get('/tickets?q=" * ( -').get_data(as_text=True)
    assert "La recherche ne contient aucun mot" in nothing


def test_a_manager_sees_only_the_tickets_of_their_scope(client, login_as, marseille_and_paris):
    marseille, paris = marseille_and_paris
    login_as("manager", areas=["13"], organisations=["CAF"])
    html = client.get("/tickets").get_data(as_text=True)
    assert marseille.reference in html and paris.reference not in html
    assert client.get(f"/tickets/{marseille.reference}").status_code == 200
    assert client.get(f"/tickets/{paris.reference}").status_code == 404  # out of scope looks absent
    assert paris.reference not in client.get("/tickets?q=suspendue").get_data(as_text=True)


def test_an_observer_sees_counts_and_never_content(client, login_as, marseille_and_paris):
    marseille, _ = marseille_and_paris
    login_as("observer")
    html = client.get("/tickets").get_data(as_text=True)
    assert "Nombre de tickets par statut" in html and marseille.reference not in html and "RSA" not in html
    assert client.get(f"/tickets/{marseille.reference}").status_code == 403


def test_the_ticket_page_shows_thread_participants_evidence_and_is_audited(client, login_as, database, marseille_and_paris):
    marseille, _ = marseille_and_paris
    account = login_as("admin")
    page = client.get(f"/tickets/{marseille.reference}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Marie Durand" in html and "awa.diallo@caf13.example" in html and "Demandeur" in html
    assert '<mark class="aplus-evidence" title="13 : code postal">13001</mark>' in html
    assert "Public" in html and "Décision d'orientation" in html
    with database.begin() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.viewed")).one()
        assert event.ticket_id == marseille.id and event.actor == f"admin:{account.email}"
        assert event.details["client_address"] == "127.0.0.1"
    assert "dossier consulté" in client.get(f"/tickets/{marseille.reference}").get_data(as_text=True)
