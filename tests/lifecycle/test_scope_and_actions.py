"""The relational scope written at opening, and the lifecycle functions the admin calls."""

from __future__ import annotations

import json

from sqlalchemy import select

from gateway.models import AuditEvent, Group, Participant, Ticket, TicketArea, TicketGroup
from gateway.processing import lifecycle
from tests.support.gateway import AWA, MARIE, request_mail


def _audit(session, ticket_id):
    return [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket_id)
                                              .order_by(AuditEvent.id))]


def test_opening_writes_organisations_areas_and_groups(post):
    post.deliver(request_mail())
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert [o.code for o in ticket.organisations] == ["CAF"]
        assert [a.code for a in ticket.areas] == ["13"]
        assert [g.name for g in ticket.groups] == ["CAF 13", "CAF 13 encadrement"]
        assert {link.active for link in ticket.group_links} == {True}


def test_a_move_records_origin_and_destination(post):
    post.deliver(request_mail(text="Bonjour,\nJ'ai déménagé de Paris à Marseille et mon RSA de la CAF est bloqué.\n"))
    with post.database.begin() as session:
        rows = session.execute(select(TicketArea.role, TicketArea.area_id)).all()
        roles = {role for role, _ in rows}
        assert roles == {"origin", "destination"}, rows


def test_close_asks_the_requester_and_audits(post):
    post.deliver(request_mail())
    post.new()
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        awa = next(p for p in ticket.participants if p.email == AWA)
        lifecycle.take_ticket(session, post.settings, ticket, awa)
        lifecycle.close_ticket(session, post.settings, ticket, actor=AWA, participant=awa, note="Dossier débloqué.")
        assert ticket.status == "closed" and ticket.closed_at is not None and ticket.taken_by_id == awa.id
        ticket_id = ticket.id
    mails = post.new()
    closing = [m for m in post.to(MARIE, mails) if "utile" in m.text]
    assert len(closing) == 1
    text = closing[0].text
    assert "Cette réponse vous a-t-elle été utile ?" in text
    assert "Oui : aplus+uo" in text and "Je ne sais pas : aplus+us" in text and "Non : aplus+un" in text
    assert "Dossier débloqué." in text
    assert "Awa Diallo (CAF 13) s'occupe de votre demande." in post.to(MARIE, mails)[0].text
    with post.database.begin() as session:
        assert _audit(session, ticket_id)[-2:] == ["ticket.taken", "ticket.closed"]


def test_invite_group_and_remove_participant_keep_the_scope(post):
    post.deliver(request_mail())
    post.new()
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        cpam = session.scalars(select(Group).where(Group.name == "CPAM 75")).one()
        added = lifecycle.invite_group(session, post.settings, ticket, cpam, actor="admin:nina")
        assert {p.email for p in added} == {"lea.petit@cpam75.example", "bal@cpam75.example"}
        assert all(p.token for p in added)
        assert "CPAM" in [o.code for o in ticket.organisations] and "75" in [a.code for a in ticket.areas]
        for participant in added:
            lifecycle.remove_participant(session, post.settings, ticket, participant, actor="admin:nina",
                                         reason="erreur d'orientation")
        link = session.get(TicketGroup, (ticket.id, cpam.id))
        assert link.active is False and link.removed_at is not None
        assert cpam.name not in [g.name for g in ticket.groups]
        ticket_id = ticket.id
    mails = post.new()
    invitation = post.to("lea.petit@cpam75.example", mails)[0]
    assert "Vous êtes invité(e) dans le dossier" in invitation.text and "RSA est suspendu" in invitation.text
    assert post.to(AWA, mails), "the agents already there are told"
    with post.database.begin() as session:
        actions = _audit(session, ticket_id)
        assert actions.count("participant.removed") == 2 and "ticket.group_invited" in actions


def test_usefulness_answer_is_replaced_by_a_later_one(post):
    post.deliver(request_mail())
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        lifecycle.record_usefulness(session, ticket, "non")
        lifecycle.record_usefulness(session, ticket, "oui")
        assert ticket.usefulness == "oui"
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.usefulness")
                                 .order_by(AuditEvent.id)).all()
        assert [json.loads(e.detail)["previous"] for e in events] == [None, "non"]


def test_backfill_reads_the_routing_json(post):
    """The migration's backfill (scope_from_record) on a ticket as older versions stored it."""
    from gateway.processing.scope import scope_from_record

    post.deliver(request_mail())
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        scope = scope_from_record(ticket.routing)
        assert scope.organisations == ["CAF"] and scope.areas == [("13", "")]
        assert sorted(scope.group_ids) == sorted(g.id for g in ticket.groups)


def test_directory_csv_reads_and_writes_the_role_of_a_member(database):
    from routing.directory.csv_file import export_directory, import_directory

    text = ("Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL;Rôle\n"
            "Chloé;Resp;chloe@caf13.example;CAF 13;CAF;13;;Responsable\n"
            "Awa;Diallo;awa@caf13.example;CAF 13;CAF;13;;\n"
            "Jo;Durand;jo@caf13.example;CAF 13;CAF;13;;chef suprême\n")
    with database.begin() as session:
        report = import_directory(session, text)
        assert [r.line for r in report.rejected] == [4]
        assert "rôle inconnu « chef suprême »" in report.rejected[0].reasons[0]
        exported = export_directory(session)
    assert exported.splitlines()[0].endswith(";Rôle")
    assert "Chloé;Resp;chloe@caf13.example;CAF 13;CAF;13;;;responsable" in exported.splitlines()
    with database.begin() as session:  # the exported file imports again unchanged
        again = import_directory(session, exported)
        assert again.memberships.created == 0 and again.memberships.updated == 0
