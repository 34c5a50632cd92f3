"""A person's morning in the admin, in a real browser: log in, filter, search, open, invite, close."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from gateway.models import Area, OutboundMail, Ticket
from tests.admin.builders import directory, open_ticket
from tests.admin.conftest import PASSWORD, make_account
from tests.admin_browser.conftest import screenshot

EMAIL = "equipe@aplus.example.gouv.fr"


@pytest.fixture
def cases(database, settings):
    directory(database, settings)
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    marseille = open_ticket(database, settings, "marie.durand@example.org", "RSA bloqué depuis mon déménagement",
                            "Bonjour, mon RSA est bloqué à la CAF de Marseille (13001) depuis trois mois.\n\n"
                            "Merci de votre aide,\nMarie Durand", name="Marie Durand")
    paris = open_ticket(database, settings, "paul.leroy@example.org", "Allocation logement suspendue",
                        "Bonjour, mon APL est suspendue par la CAF de Paris (75011).", name="Paul Leroy")
    return marseille, paris


def log_in(page, email=EMAIL, password=PASSWORD):
    page.goto("/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_log_in_filter_search_open_invite_close_and_see_the_mail(page, database, settings, cases):
    marseille, paris = cases
    page.goto("/")
    assert page.title() == "Connexion — A+ passerelle"
    screenshot(page, "01-connexion")
    log_in(page)
    page.wait_for_url("**/tickets")
    assert page.get_by_role("heading", name="Tickets", level=1).is_visible()
    assert page.get_by_role("link", name=marseille.reference).is_visible()
    assert page.get_by_role("link", name=paris.reference).is_visible()
    screenshot(page, "02-tickets")

    with database.begin() as session:
        area_13 = session.scalars(select(Area.id).where(Area.code == "13")).one()
    page.get_by_label("Département").select_option(str(area_13))
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(f"**/tickets?*area={area_13}*")
    assert page.get_by_role("link", name=marseille.reference).is_visible()
    assert page.get_by_role("link", name=paris.reference).count() == 0
    screenshot(page, "03-tickets-filtres")

    page.get_by_role("link", name="Effacer les filtres").click()
    page.get_by_label("Rechercher dans les objets et les messages").fill("suspendue")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/tickets?q=suspendue*")
    assert page.get_by_role("link", name=paris.reference).is_visible()
    assert page.get_by_role("link", name=marseille.reference).count() == 0

    page.goto("/tickets")
    page.get_by_role("link", name=marseille.reference).click()
    page.wait_for_url(f"**/tickets/{marseille.reference}")
    assert page.get_by_role("heading", name=f"Dossier {marseille.reference}").is_visible()
    assert page.locator("mark.aplus-evidence", has_text="13001").first.is_visible()
    screenshot(page, "04-dossier")

    page.get_by_label("Inviter un groupe").select_option(label="CPAM 13")
    page.get_by_role("button", name="Inviter le groupe").click()
    page.wait_for_url(f"**/tickets/{marseille.reference}#participants")
    assert page.get_by_text("Groupe CPAM 13 invité").is_visible()
    assert page.locator("#table-participants tbody tr", has_text="luc.martin@cpam13.example").count() == 1

    page.get_by_label("Clore le dossier").fill("La CAF a rétabli le versement.")
    page.get_by_role("button", name="Clore le dossier").click()
    assert page.get_by_text("Dossier clos.").is_visible()
    assert page.get_by_role("button", name="Rouvrir le dossier").is_visible()
    screenshot(page, "05-dossier-clos")

    with database.begin() as session:
        assert session.get(Ticket, marseille.id).status == "closed"
        outbox = session.scalars(select(OutboundMail).where(OutboundMail.ticket_id == marseille.id)).all()
    invited = [m for m in outbox if m.recipient == "luc.martin@cpam13.example"]
    closing = [m for m in outbox if m.recipient == "marie.durand@example.org"
               and "utile" in message_from_bytes(m.raw, policy=policy.default).get_body(("plain",)).get_content()]
    assert invited and closing, [m.recipient for m in outbox]
    assert page.csp_violations == []


def test_every_action_works_without_javascript(browser, live_server, database, settings, cases):
    marseille, _ = cases
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page)
        page.wait_for_url("**/tickets")
        page.get_by_label("Statut").select_option("new")
        page.get_by_role("button", name="Filtrer").click()
        page.get_by_role("link", name=marseille.reference).click()
        page.get_by_label("Message").fill("Bonjour, nous suivons votre dossier.")
        page.get_by_role("button", name="Envoyer le message").click()
        assert page.get_by_text("Message envoyé").is_visible()
        page.get_by_role("button", name="Clore le dossier").click()
        assert page.get_by_text("Dossier clos.").is_visible()
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url("**/connexion")
    finally:
        context.close()
    with database.begin() as session:
        assert session.get(Ticket, marseille.id).status == "closed"
