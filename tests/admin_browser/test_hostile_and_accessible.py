"""Hostile mail shown inert in a real browser, and axe-core on the main pages."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.processing.processor import drain
from gateway.storage import spool
from tests.admin.builders import directory, open_ticket
from tests.admin.conftest import PASSWORD, make_account
from tests.admin_browser.conftest import axe_violations, screenshot
from tests.admin_browser.test_journey import EMAIL, log_in

RLO = "\u202e"
HOSTILE_TEXT = (
    "Bonjour, ma CAF de Marseille (13001) bloque mon RSA.\n"
    "<script>window.__pwned = 'script'</script>\n"
    '<a href="javascript:window.__pwned=\'lien\'">cliquez ici</a>\n'
    "<style>body { display: none !important; }</style>\n"
    '<img src="x" onerror="window.__pwned=\'img\'">\n'
    f"Pièce jointe : facture{RLO}fdp.exe\n"
    + "A" * 50_000 + "\n"
    "Fin du message."
)
HOSTILE_HTML = (
    "<html><head><style>body{display:none}</style><script>window.__pwned='html'</script></head><body>"
    "<p>Bonjour, ma CAF de Marseille (13001) bloque mon RSA.</p>"
    "<img src=x onerror=\"window.__pwned='html-img'\"><a href=\"javascript:alert(1)\">lien</a></body></html>"
)


def hostile_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = '"<img src=x onerror=alert(1)>" <pirate@example.org>'
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = f"<script>window.__pwned='sujet'</script> RSA {RLO}gpj.exe"
    mail["Message-ID"] = "<hostile@example.org>"
    mail.set_content(HOSTILE_TEXT)
    mail.add_alternative(HOSTILE_HTML, subtype="html")
    mail.add_attachment(b"MZ not really", maintype="application", subtype="octet-stream", filename=f"facture{RLO}fdp.exe")
    return mail.as_bytes()


@pytest.fixture
def hostile_ticket(database, settings):
    directory(database, settings)
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    spool.enqueue(database, hostile_mail(), mail_from="pirate@example.org", rcpt_tos=[settings.address], source="import")
    drain(database, settings)
    from sqlalchemy import select

    from gateway.models import Ticket

    with database.begin() as session:
        return session.scalars(select(Ticket)).one().reference


def test_hostile_content_is_shown_inert_and_the_page_stays_usable(page, hostile_ticket):
    log_in(page)
    page.wait_for_url("**/tickets")
    assert page.evaluate("window.__pwned") is None
    page.goto(f"/tickets/{hostile_ticket}")
    assert page.evaluate("window.__pwned") is None
    assert page.get_by_role("heading", name=f"Dossier {hostile_ticket}").is_visible()  # no <style> hid the body
    assert page.get_by_text("<script>window.__pwned = 'script'</script>").count() >= 1  # shown as text
    scripts = page.evaluate("[...document.scripts].map(s => s.src)")
    assert all("/static/dsfr/" in src for src in scripts), scripts
    assert page.evaluate("document.querySelectorAll('[onerror], [onclick], [onload]').length") == 0
    assert page.evaluate("[...document.links].filter(a => a.href.startsWith('javascript:')).length") == 0
    assert page.evaluate("document.querySelectorAll('main style, main img').length") == 0
    assert page.locator(".aplus-control", has_text="[U+202E]").count() >= 2  # the override is visible, not obeyed
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"the 50,000-character line widens the page to {width}px"
    page.get_by_label("Clore le dossier").fill("Dossier clos malgré tout.")
    page.get_by_role("button", name="Clore le dossier").click()
    assert page.get_by_text("Dossier clos.").is_visible()
    screenshot(page, "07-dossier-hostile")
    assert page.csp_violations == []


@pytest.fixture
def ordinary(database, settings):
    directory(database, settings)
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    return open_ticket(database, settings, "marie.durand@example.org", "RSA bloqué depuis mon déménagement",
                       "Bonjour, mon RSA est bloqué à la CAF de Marseille (13001) depuis trois mois.",
                       name="Marie Durand",
                       attachments=[("avis.pdf", "application/pdf", b"%PDF-1.4 avis de situation")])


def test_no_serious_or_critical_accessibility_violation_on_the_main_pages(page, ordinary, database, settings):
    from sqlalchemy import select

    from admin.magic_links import create_link
    from gateway.models import Account

    with database.begin() as session:
        link = create_link(session, settings, session.scalars(select(Account)).one())
    problems = {}
    page.goto("/connexion")
    problems["/connexion"] = axe_violations(page)
    page.goto("/connexion/lien")
    problems["/connexion/lien"] = axe_violations(page)
    page.goto(link[len(settings.admin_base_url):])
    problems["/connexion/lien/<jeton>"] = axe_violations(page)
    screenshot(page, "08-lien-de-connexion")
    log_in(page)
    page.wait_for_url("**/tickets")
    for path, name in (("/tickets", None), ("/tickets?status=new&sort=ancien", None),
                       (f"/tickets/{ordinary.reference}", None), ("/comptes", "06-comptes")):
        page.goto(path)
        problems[path] = axe_violations(page)
        if name:
            screenshot(page, name)
    assert not any(problems.values()), "\n".join(f"{path}: {v}" for path, found in problems.items() for v in found)


def test_the_accessibility_check_does_find_violations(page):
    """The check above can fail: axe-core reports an image without text and an unlabelled field."""
    page.set_content('<html lang="fr"><body><main><img src="data:,"><input type="text"></main></body></html>')
    found = " ".join(axe_violations(page))
    assert "image-alt" in found and "label" in found
