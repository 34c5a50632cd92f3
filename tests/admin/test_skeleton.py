"""The app factory, the layout, the assets and the security headers every answer carries."""

from __future__ import annotations

from tests.admin.conftest import csrf_token


def test_the_login_page_is_french_dsfr_and_served_with_strict_headers(client):
    page = client.get("/connexion")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr"' in html and "A+ passerelle" in html and "Connexion à l'administration" in html
    assert "/static/dsfr/dsfr.min.css" in html
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in html and " onclick=" not in html and " style=" not in html


def test_the_design_system_is_served_by_the_app_itself(client):
    css = client.get("/static/dsfr/dsfr.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and b".fr-header" in css.data
    js = client.get("/static/dsfr/dsfr.module.min.js")
    assert js.status_code == 200
    assert client.get("/static/dsfr/../../package.json").status_code == 404


def test_home_sends_strangers_to_the_login_and_people_to_the_tickets(client, login_as):
    assert client.get("/").headers["Location"].endswith("/connexion")
    login_as("admin")
    assert client.get("/").headers["Location"].endswith("/tickets")


def test_the_header_has_the_menu_and_a_logout_form(client, login_as):
    login_as("admin")
    html = client.get("/tickets").get_data(as_text=True)
    for label in ("Tickets", "Annuaire", "Courrier", "Statistiques", "Journal"):
        assert f">{label}</a>" in html
    assert 'action="/deconnexion"' in html


def test_a_form_without_its_csrf_token_is_refused(client, login_as):
    login_as("admin")
    refused = client.post("/deconnexion")
    assert refused.status_code == 400 and "jeton de sécurité" in refused.get_data(as_text=True)
    assert client.get("/tickets").status_code == 200  # still logged in
    token = csrf_token(client, "/tickets")
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    assert client.get("/tickets").status_code == 302


def test_session_cookie_flags(client, settings, database):
    from tests.admin.conftest import PASSWORD, make_account

    make_account(database, "admin", email="cookie@aplus.example.gouv.fr", password=PASSWORD)
    token = csrf_token(client, "/connexion")
    answer = client.post("/connexion", data={"csrf_token": token, "email": "cookie@aplus.example.gouv.fr",
                                             "password": PASSWORD})
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
