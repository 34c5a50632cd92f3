"""Logging in: password, rate limits held in the database, revocable sessions, one-time links by mail."""

from __future__ import annotations

import re
from html import unescape
from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import select, update

from admin import create_app
from gateway.models import AdminSession, LoginAttempt, MagicLink, OutboundMail, utcnow
from tests.admin.conftest import PASSWORD, csrf_token, make_account

EMAIL = "chef@aplus.example.gouv.fr"


def _login(client, email=EMAIL, password=PASSWORD, **extra):
    token = csrf_token(client, "/connexion")
    return client.post("/connexion", data={"csrf_token": token, "email": email, "password": password, **extra})


def test_a_good_password_logs_in_and_goes_where_it_was_going(client, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    assert client.get("/tickets?status=open").headers["Location"].endswith("/connexion?next=/tickets?status%3Dopen")
    answer = _login(client, next="/tickets?status=open")
    assert answer.status_code == 302 and answer.headers["Location"] == "/tickets?status=open"
    assert client.get("/tickets").status_code == 200


def test_next_never_leads_to_another_site(client, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        answer = _login(client, next=target)
        assert answer.headers["Location"] == "/tickets", target
        client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/tickets")})


def test_a_wrong_password_or_unknown_account_gets_the_same_french_answer(client, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    wrong = _login(client, password="pas le bon mot de passe")
    nobody = _login(client, email="personne@example.fr")
    assert wrong.status_code == nobody.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect." in wrong.get_data(as_text=True)
    assert "Adresse électronique ou mot de passe incorrect." in nobody.get_data(as_text=True)


def test_a_deactivated_account_cannot_log_in(client, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD, active=False)
    assert _login(client).status_code == 401


def test_failures_are_limited_per_account_even_with_the_right_password_after(client, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    for attempt in range(5):
        assert _login(client, password=f"mauvais {attempt}").status_code == 401
    limited = _login(client)
    assert limited.status_code == 429 and "Trop de tentatives" in limited.get_data(as_text=True)
    with database.begin() as session:  # a quarter of an hour later it works again
        session.execute(update(LoginAttempt).values(at=utcnow() - timedelta(minutes=16)))
    assert _login(client).status_code == 302


def test_failures_are_limited_per_address_across_accounts(app, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for attempt in range(20):
        _login(attacker, email=f"compte{attempt}@example.fr", password="x" * 12)
    assert _login(attacker).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _login(other).status_code == 302  # the real owner elsewhere is not locked out


def test_the_limit_holds_across_processes_since_it_is_in_the_database(settings, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    first = create_app(settings, database).test_client()
    for attempt in range(5):
        _login(first, password=f"mauvais {attempt}")
    second = create_app(settings, database).test_client()  # another app, as another process would be
    assert _login(second).status_code == 429


def test_a_revoked_session_stops_at_the_next_request(app, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    victim, chief = app.test_client(), app.test_client()
    _login(victim)
    _login(chief, email=EMAIL)
    assert victim.get("/tickets").status_code == 200
    with database.begin() as session:
        victim_session = session.scalars(select(AdminSession).order_by(AdminSession.id)).first()
    page = chief.get("/comptes").get_data(as_text=True)
    assert f"/comptes/sessions/{victim_session.id}/revoquer" in page
    answer = chief.post(f"/comptes/sessions/{victim_session.id}/revoquer", data={"csrf_token": csrf_token(chief, "/comptes")})
    assert answer.status_code == 302
    assert victim.get("/tickets").headers["Location"].startswith("/connexion")
    assert chief.get("/tickets").status_code == 200


def test_logout_revokes_the_server_side_session(client, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    _login(client)
    cookie = client.get_cookie("aplus_admin").value
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/tickets")})
    with database.begin() as session:
        assert session.scalars(select(AdminSession)).one().revoked_at is not None
    client.set_cookie("aplus_admin", cookie)  # replaying the old cookie does not bring the session back
    assert client.get("/tickets").status_code == 302


def _request_link(client, email=EMAIL):
    return client.post("/connexion/lien", data={"csrf_token": csrf_token(client, "/connexion/lien"), "email": email})


def _link_from_outbox(database) -> str:
    with database.begin() as session:
        mail = session.scalars(select(OutboundMail).where(OutboundMail.recipient == EMAIL)).one()
    message = message_from_bytes(mail.raw, policy=policy.default)
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+/connexion/lien/\S+", body).group(0)


def test_a_magic_link_comes_by_mail_through_the_outbox_and_serves_once(client, app, database, settings):
    make_account(database, "manager", email=EMAIL, areas=[], organisations=[])
    sent = _request_link(client)
    assert "un lien de connexion vient d'y être envoyé" in unescape(sent.get_data(as_text=True))
    link = _link_from_outbox(database)
    assert link.startswith(settings.admin_base_url)
    path = link[len(settings.admin_base_url):]
    browser = app.test_client()
    landing = browser.get(path)
    assert landing.status_code == 200 and "Me connecter" in landing.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', landing.get_data(as_text=True)).group(1)
    assert browser.post(path, data={"csrf_token": token}).status_code == 302
    assert browser.get("/tickets").status_code == 200
    again = app.test_client()
    assert again.get(path).status_code == 410
    assert "n'est plus valable" in unescape(again.get(path).get_data(as_text=True))


def test_a_link_scanner_opening_the_link_uses_nothing_up(app, client, database, settings):
    make_account(database, "admin", email=EMAIL)
    _request_link(client)
    path = _link_from_outbox(database)[len(settings.admin_base_url):]
    for _ in range(3):  # Outlook Safe Links, Gmail: GET, no cookie, no form, sometimes HEAD
        scanner = app.test_client()
        assert scanner.get(path).status_code == 200
        assert scanner.head(path).status_code == 200
        assert scanner.get("/tickets").status_code == 302  # the scanner is not logged in
    assert scanner.post(path).status_code == 400  # a POST without the page's token is refused
    with database.begin() as session:
        assert session.scalars(select(MagicLink)).one().used_at is None
    person = app.test_client()
    landing = person.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', landing).group(1)
    assert person.post(path, data={"csrf_token": token}).status_code == 302


def test_an_expired_link_does_not_log_in(app, client, database, settings):
    make_account(database, "admin", email=EMAIL)
    _request_link(client)
    path = _link_from_outbox(database)[len(settings.admin_base_url):]
    with database.begin() as session:
        session.execute(update(MagicLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert app.test_client().get(path).status_code == 410


def test_asking_a_link_for_nobody_says_the_same_and_sends_nothing(client, database):
    answer = _request_link(client, email="personne@example.fr")
    assert "un lien de connexion vient d'y être envoyé" in unescape(answer.get_data(as_text=True))
    with database.begin() as session:
        assert session.scalars(select(OutboundMail)).first() is None


def test_link_requests_are_rate_limited(client, database):
    make_account(database, "admin", email=EMAIL)
    for _ in range(3):
        assert _request_link(client).status_code == 200
    assert _request_link(client).status_code == 429
    with database.begin() as session:
        assert len(session.scalars(select(OutboundMail)).all()) == 3


def test_deactivating_an_account_ends_its_sessions_and_its_logins(app, database):
    make_account(database, "admin", email=EMAIL, password=PASSWORD)
    other = make_account(database, "observer", email="obs@example.fr", password=PASSWORD)
    chief, observer = app.test_client(), app.test_client()
    _login(chief)
    _login(observer, email="obs@example.fr")
    assert observer.get("/tickets").status_code == 200
    assert chief.post(f"/comptes/{other.id}/desactiver", data={"csrf_token": csrf_token(chief, "/comptes")}).status_code == 302
    assert observer.get("/tickets").status_code == 302
    assert _login(app.test_client(), email="obs@example.fr").status_code == 401
    me = chief.post("/comptes/1/desactiver", data={"csrf_token": csrf_token(chief, "/comptes")}, follow_redirects=True)
    assert "propre compte" in me.get_data(as_text=True) and chief.get("/tickets").status_code == 200
