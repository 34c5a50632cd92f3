"""Answer types and commands, written at the top of replies from real mail clients."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.models import AuditEvent, Participant, Ticket
from tests.lifecycle.clients import CLIENTS
from tests.support.gateway import AWA, MARIE, request_mail

LUC = "luc.martin@cpam13.example"
PAUL = "paul.chef@caf13.example"


@pytest.fixture
def opened(post):
    """A request from Marie, routed to CAF 13 (Awa) and CAF 13 encadrement (Paul)."""
    post.deliver(request_mail())
    mails = post.new()
    return {m.recipient: m for m in mails}


def _actions(post, ticket_id=None):
    with post.database.begin() as session:
        statement = select(AuditEvent.action).order_by(AuditEvent.id)
        if ticket_id:
            statement = statement.where(AuditEvent.ticket_id == ticket_id)
        return list(session.scalars(statement))


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_je_men_occupe_from_every_client(post, opened, client):
    raw = CLIENTS[client](opened[AWA], AWA, "Awa Diallo", "Bonjour,\n\nJe m'en occupe.\n\nBonne journée")
    post.deliver(raw)
    ticket = post.ticket()
    with post.database.begin() as session:
        taker = session.get(Participant, ticket.taken_by_id) if ticket.taken_by_id else None
        assert taker is not None and taker.email == AWA, client
    mails = post.new()
    assert "Awa Diallo (CAF 13) s'occupe de votre demande." in post.to(MARIE, mails)[0].text
    assert "s'occupe de ce dossier" in post.to(PAUL, mails)[0].text
    assert ticket.status == "open" and ticket.first_agent_reply_at is not None
    assert "command.take" in _actions(post)


@pytest.mark.parametrize("client", ["outlook", "html_only", "zimbra"])
def test_traite_closes_and_relays_the_answer(post, opened, client):
    typed = "#traite\nLe versement du RSA reprend le 5 décembre, la suspension est levée."
    post.deliver(CLIENTS[client](opened[AWA], AWA, "Awa Diallo", typed))
    ticket = post.ticket()
    assert ticket.status == "closed"
    marie = post.to(MARIE, post.new())
    relayed = [m for m in marie if "Le versement du RSA reprend" in m.text]
    assert relayed and "#traite" not in relayed[0].text.split("--")[0]
    assert any("Cette réponse vous a-t-elle été utile ?" in m.text for m in marie)


def test_plain_message_with_commands_in_the_quoted_footer_is_only_relayed(post, opened):
    """The quoted notification lists #traite and #pasmoi: only the author's own text is read."""
    post.deliver(CLIENTS["gmail"](opened[AWA], AWA, "Awa Diallo", "Je regarde votre dossier cet après-midi."))
    ticket = post.ticket()
    assert ticket.status == "open" and ticket.taken_by_id is None
    assert "Je regarde votre dossier" in post.to(MARIE, post.new())[0].text


@pytest.mark.parametrize("client", ["thunderbird", "orange", "outlook"])
def test_pasmoi_removes_the_group_with_reason_and_suggestion(post, opened, client):
    typed = "#pasmoi\nRaison : la personne dépend de la caisse d'assurance maladie\nÀ inviter plutôt : CPAM 13"
    post.deliver(CLIENTS[client](opened[AWA], AWA, "Awa Diallo", typed))
    ticket = post.ticket()
    with post.database.begin() as session:
        ticket = session.get(Ticket, ticket.id)
        awa = next(p for p in ticket.participants if p.email == AWA)
        assert awa.removed_at is not None
        assert "CAF 13" not in [g.name for g in ticket.groups]
        assert "CAF 13 encadrement" in [g.name for g in ticket.groups]
    mails = post.new()
    assert not post.to(MARIE, mails), "the person is not told about internal reorganisation"
    notice = post.to(PAUL, mails)[0].text
    assert "Raison : la personne dépend de la caisse d'assurance maladie" in notice
    assert "#inviter CPAM 13" in notice
    # Awa's later replies are refused: she left the ticket.
    post.deliver(CLIENTS["thunderbird"](opened[AWA], AWA, "Awa Diallo", "Finalement je regarde."))
    assert not post.to(MARIE, post.new())


def test_not_me_sentence_and_last_group_leaving_brings_the_national_team(post, opened):
    post.deliver(CLIENTS["outlook"](opened[AWA], AWA, "Awa Diallo", "Ce n'est pas pour nous, voir avec la CPAM 13."))
    post.deliver(CLIENTS["gmail"](opened[PAUL], PAUL, "Paul Chef", "Je ne suis pas le bon interlocuteur."))
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert [g.name for g in ticket.groups] == [post.settings.default_group]
        assert any(p.email == "nina.roux@aplus.example" and p.active for p in ticket.participants)


@pytest.mark.parametrize("line", ["#inviter CPAM 13", "#inviter la CPAM des Bouches-du-Rhône", "#inviter cpam 13"])
def test_inviter_resolves_through_the_directory_with_evidence(post, opened, line):
    post.deliver(CLIENTS["zimbra"](opened[AWA], AWA, "Awa Diallo", f"{line}\nPouvez-vous vérifier ses droits ?"))
    mails = post.new()
    invitation = post.to(LUC, mails)
    assert invitation, [m.recipient for m in mails]
    text = invitation[0].text
    assert "Vous êtes invité(e) dans le dossier" in text and "RSA est suspendu" in text
    assert "Pourquoi vous" in text
    assert not any("Pouvez-vous vérifier" in m.text for m in post.to(MARIE, mails)), "the note stays internal"
    with post.database.begin() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "command.invite")).one()
        assert "CPAM 13" in event.detail and "evidence" in event.detail


def test_inviter_a_group_by_its_name(post, opened):
    post.deliver(CLIENTS["thunderbird"](opened[AWA], AWA, "Awa Diallo", "#inviter CPAM 75"))
    assert post.to("lea.petit@cpam75.example", post.new())


@pytest.mark.parametrize("typed, words", [
    ("#inviter Caisse des dépôts et des ours", "ne désigne aucun groupe"),
    ("#inviter", "il manque le groupe"),
    ("#maintenant tout de suite", "n'existe pas"),
])
def test_a_command_not_understood_gets_one_answer_and_changes_nothing(post, opened, typed, words):
    before = post.ticket()
    for _ in range(2):
        post.deliver(CLIENTS["outlook"](opened[AWA], AWA, "Awa Diallo", typed))
    mails = post.new()
    answers = post.to(AWA, mails)
    assert len(answers) == 1 and words in answers[0].text, [m.text for m in answers]
    assert answers[0].mail["Auto-Submitted"] == "auto-replied"
    assert [m.recipient for m in mails] == [AWA]
    after = post.ticket()
    assert (after.status, after.taken_by_id) == (before.status, before.taken_by_id)


def test_a_usager_trying_a_command_is_told_why(post, opened):
    post.deliver(CLIENTS["orange"](opened[MARIE], MARIE, "Marie Durand", "#inviter CPAM 13\nmerci"))
    mails = post.new()
    assert [m.recipient for m in mails] == [MARIE]
    assert "Seuls les agents A+ peuvent utiliser les commandes" in mails[0].text
    assert post.ticket().status == "new"
    assert "command.refused" in _actions(post)


def test_a_usager_writing_dossier_traite_is_just_a_message(post, opened):
    post.deliver(CLIENTS["gmail"](opened[MARIE], MARIE, "Marie Durand", "Dossier traité ? Je n'ai rien reçu."))
    assert post.ticket().status == "new"
    assert post.to(AWA, post.new())


def test_the_aidant_may_close(post):
    from tests.lifecycle.test_reopen_and_usefulness import aidant_forward

    post.deliver(aidant_forward())
    mails = post.new()
    aidant = next(m for m in mails if m.recipient == "sophie.bernard@mairie-bapaume.example.fr")
    post.deliver(CLIENTS["outlook"](aidant, "sophie.bernard@mairie-bapaume.example.fr", "Sophie Bernard",
                                    "#traite\nMme Leroy a reçu son attestation, merci à tous."))
    assert post.ticket().status == "closed"


def test_a_colleague_in_cc_joins_and_a_stranger_waits_for_the_admin(post, opened):
    cc = "Luc Martin <luc.martin@cpam13.example>, Jean Inconnu <jean@ailleurs.example>"
    post.deliver(CLIENTS["outlook"](opened[AWA], AWA, "Awa Diallo", "Je mets mon collègue de la CPAM en copie.", cc=cc))
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        emails = {p.email for p in ticket.participants}
        assert LUC in emails and "jean@ailleurs.example" not in emails
        notes = [m.text for m in ticket.messages if m.kind == "system"]
        assert any("jean@ailleurs.example" in n and "L'administrateur décide" in n for n in notes)
    actions = _actions(post)
    assert "ticket.agent_invited" in actions and "participant.cc_pending" in actions
    assert not post.to("jean@ailleurs.example", post.new())


def test_every_notification_to_an_agent_offers_the_quick_answers(post, opened):
    from urllib.parse import unquote

    text, page = opened[AWA].text, opened[AWA].html
    assert "Je m'en occupe : mailto:aplus+r" in text
    assert "body=%23jemenoccupe" in text and "subject=Re%3A%20%5BA%2B%20%23" in text
    assert 'href="mailto:aplus+r' in page and "Dossier traité" in page
    link = next(line for line in text.splitlines() if line.startswith("- Dossier traité"))
    assert unquote(link).split("body=")[1].startswith("#traite")
    assert "mailto:" not in opened[MARIE].text, "the usager is offered no agent command"


def test_an_automatic_mail_carrying_a_command_gets_no_answer(post, opened):
    """An out-of-office that quotes "#pasmoi" (or anything) is never answered nor obeyed."""
    raw = CLIENTS["outlook"](opened[AWA], AWA, "Awa Diallo", "#pasmoi\nJe suis absente jusqu'au 15 décembre.")
    raw = raw.replace(b"X-Mailer:", b"Auto-Submitted: auto-replied\r\nX-Mailer:", 1) if b"\r\n" in raw else \
        raw.replace(b"X-Mailer:", b"Auto-Submitted: auto-replied\nX-Mailer:", 1)
    post.deliver(raw)
    assert not post.new()
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert all(p.active for p in ticket.participants)
