"""Directory, mail flow, statistics and journal in a real browser: the actions work, axe finds nothing serious.

Screenshots 10 to 16 go to the folder of tests/admin_browser/conftest.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.models import InboundMail, Ticket, utcnow
from gateway.processing.processor import drain
from gateway.storage import spool
from tests.admin.builders import directory, open_ticket
from tests.admin.conftest import PASSWORD, make_account
from tests.admin_browser.conftest import axe_violations, screenshot
from tests.admin_browser.test_journey import EMAIL, log_in
from tests.admin_flow.conftest import newsletter

CSV = ("Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL\n"
       "Lina;Or;lina.or@msa06.example;MSA 06;MSA;06;bal@msa06.example\n"
       "Zoé;Faux;pas-une-adresse;MSA 06;MSA;06;\n")


@pytest.fixture
def oversight(database, settings):
    directory(database, settings)
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    ticket = open_ticket(database, settings, "marie.durand@example.org", "RSA bloqué depuis mon déménagement",
                         "Bonjour, mon RSA est bloqué à la CAF de Marseille (13001) depuis trois mois.", name="Marie Durand")
    with database.begin() as session:  # a little history for the statistics
        row = session.get_one(Ticket, ticket.id)
        row.created_at = utcnow() - timedelta(days=9)
        row.first_agent_reply_at = utcnow() - timedelta(days=6)
    quarantined = spool.enqueue(database, newsletter().as_bytes(), mail_from="lettre@newsletter.example",
                                rcpt_tos=[settings.address])
    drain(database, settings)
    return {"quarantined": quarantined, "reference": ticket.reference}


def test_discard_a_quarantined_mail_from_its_page(page, database, oversight):
    log_in(page)
    page.wait_for_url("**/tickets")
    page.goto("/courrier")
    screenshot(page, "10-courrier")
    page.get_by_role("link", name="En quarantaine").first.click()
    page.get_by_role("link", name=f"{oversight['quarantined']} : voir le message").click()
    assert page.get_by_text("Courrier de masse").first.is_visible()
    screenshot(page, "11-courrier-message")
    page.get_by_label("Raison").fill("Lettre d'information sans rapport")
    page.get_by_role("button", name="Écarter").click()
    assert page.get_by_text("Le message est écarté").is_visible()
    with database.begin() as session:
        assert session.get_one(InboundMail, oversight["quarantined"]).state == "discarded"
    assert page.csp_violations == []


def test_import_a_directory_file_after_reviewing_it(page, database, oversight, tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text(CSV, encoding="utf-8")
    log_in(page)
    page.wait_for_url("**/tickets")
    page.goto("/annuaire/import")
    page.get_by_label("Fichier CSV").set_input_files(str(path))
    page.get_by_role("button", name="Voir ce que l'import ferait").click()
    assert page.get_by_text("adresse e-mail invalide « pas-une-adresse »").is_visible()
    screenshot(page, "14-annuaire-import-revue")
    page.get_by_role("button", name="Importer les lignes acceptées").click()
    assert page.get_by_text("Import terminé").is_visible()
    assert page.get_by_role("link", name="MSA 06").is_visible()
    screenshot(page, "13-annuaire")


def test_no_serious_or_critical_accessibility_violation_on_the_oversight_pages(page, oversight):
    log_in(page)
    page.wait_for_url("**/tickets")
    problems = {}
    for path, name in (
        ("/courrier", None), (f"/courrier/entree/{oversight['quarantined']}", None),
        ("/courrier/entree?etat=quarantined", None), ("/courrier/sortie?etat=queued", "16-courrier-sortie"),
        ("/courrier/rebonds", None), ("/statistiques", "12-statistiques"), ("/annuaire", None),
        ("/annuaire/groupes/1", None), ("/annuaire/agents", None), ("/annuaire/organismes", None),
        ("/annuaire/territoires", None), ("/annuaire/import", None), ("/journal", "15-journal"),
    ):
        page.goto(path)
        problems[path] = axe_violations(page)
        if name:
            screenshot(page, name)
    assert page.csp_violations == []
    assert not any(problems.values()), "\n".join(f"{path}: {v}" for path, found in problems.items() for v in found)
