"""/annuaire: lists and search, scope of managers, edits and deactivation (audited), CSV import after review."""

from __future__ import annotations

import base64
import io
import re

import pytest
from sqlalchemy import select

from gateway.models import Agent, AuditEvent, Group, Organisation
from tests.admin.builders import directory
from tests.admin.conftest import csrf_token

CSV = (
    "Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL\n"
    "Awa;Diallo-Sy;awa.diallo@caf13.example;CAF 13;CAF;13;\n"  # a new last name: a change
    "Paul;Neuf;paul.neuf@caf13.example;CAF 13;;;\n"  # a new agent in an existing group
    "Lina;Or;lina.or@msa06.example;MSA 06;MSA;06;bal@msa06.example\n"  # a new group
    "Zoé;Faux;pas-une-adresse;MSA 06;MSA;06;\n"  # rejected
).encode()


@pytest.fixture
def filled(database, settings):
    directory(database, settings)
    return database


def group_id(database, name: str) -> int:
    with database.begin() as session:
        return session.scalars(select(Group.id).where(Group.name == name)).one()


def post(client, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def test_search_groups_and_agents(client, login_as, filled):
    login_as("admin")
    html = client.get("/annuaire?q=caf").get_data(as_text=True)
    assert "CAF 13" in html and "CAF 75" in html and "CPAM 13" not in html and "bal@caf75.example" in html
    html = client.get("/annuaire/agents?q=diallo").get_data(as_text=True)
    assert "awa.diallo@caf13.example" in html and "luc.martin" not in html


def test_a_manager_reads_only_the_groups_and_agents_of_their_scope(client, login_as, filled, database):
    login_as("manager", areas=["13"], organisations=["CAF"])
    html = client.get("/annuaire").get_data(as_text=True)
    assert "CAF 13" in html and "CAF 75" not in html and "CPAM 13" not in html
    assert client.get(f"/annuaire/groupes/{group_id(database, 'CAF 75')}").status_code == 404
    page = client.get(f"/annuaire/groupes/{group_id(database, 'CAF 13')}").get_data(as_text=True)
    assert "awa.diallo@caf13.example" in page and "Enregistrer" not in page and "Désactiver" not in page
    assert "jean.petit" not in client.get("/annuaire/agents").get_data(as_text=True)


def test_editing_a_group_changes_routing_fields_and_audits_before_and_after(client, login_as, filled, database):
    login_as("admin")
    page = f"/annuaire/groupes/{group_id(database, 'CAF 13')}"
    answer = post(client, f"/annuaire/groupes/{group_id(database, 'CAF 13')}", page,
                  name="CAF 13", organisation="CAF", areas="13, 84", mailbox="bal@caf13.example")
    assert answer.status_code == 302
    assert "est modifié" in client.get(page).get_data(as_text=True)
    with database.begin() as session:
        group = session.scalars(select(Group).where(Group.name == "CAF 13")).one()
        assert sorted(a.code for a in group.areas) == ["13", "84"] and group.mailbox == "bal@caf13.example"
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "directory.updated")).one()
    assert event.details["changes"]["areas"] == [["13"], ["13", "84"]]
    assert event.details["client_address"] == "127.0.0.1" and event.actor.startswith("admin:")


def test_a_wrong_field_changes_nothing_and_says_why(client, login_as, filled, database):
    login_as("admin")
    gid = group_id(database, "CAF 13")
    page = f"/annuaire/groupes/{gid}"
    post(client, f"/annuaire/groupes/{gid}", page, name="CAF 13", organisation="CAF", areas="13, 999", mailbox="")
    assert "territoire inconnu" in client.get(page).get_data(as_text=True)
    post(client, f"/annuaire/groupes/{gid}", page, name="CPAM 13", organisation="CAF", areas="13")
    assert "s&#39;appelle déjà" in client.get(page).get_data(as_text=True)
    with database.begin() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "directory.updated")).first() is None


def test_deactivate_and_reactivate_an_agent(client, login_as, filled, database):
    login_as("admin")
    with database.begin() as session:
        agent_id = session.scalars(select(Agent.id).where(Agent.email == "awa.diallo@caf13.example")).one()
    page = f"/annuaire/agents/{agent_id}"
    post(client, f"/annuaire/agents/{agent_id}/desactiver", page)
    assert "désactivé" in client.get(page).get_data(as_text=True)
    assert "awa.diallo" not in client.get("/annuaire/agents").get_data(as_text=True)
    assert "awa.diallo" in client.get("/annuaire/agents?inactifs=1").get_data(as_text=True)
    post(client, f"/annuaire/agents/{agent_id}/reactiver", page)
    with database.begin() as session:
        assert session.get_one(Agent, agent_id).active
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("directory."))).all()
    assert actions == ["directory.deactivated", "directory.reactivated"]


def test_rename_an_organisation_and_deactivate_it(client, login_as, filled, database):
    login_as("admin")
    with database.begin() as session:
        caf = session.scalars(select(Organisation.id).where(Organisation.code == "CAF")).one()
    post(client, f"/annuaire/organismes/{caf}", "/annuaire/organismes", name="Caisse d'allocations familiales",
         aliases="caisse d'allocations\nallocations familiales")
    post(client, f"/annuaire/organismes/{caf}/desactiver", "/annuaire/organismes")
    with database.begin() as session:
        row = session.get_one(Organisation, caf)
        assert (row.name, row.active, row.aliases.splitlines()) == (
            "Caisse d'allocations familiales", False, ["caisse d'allocations", "allocations familiales"])


def review(client, content: bytes = CSV):
    return client.post("/annuaire/import", data={
        "csrf_token": csrf_token(client, "/annuaire/import"), "fichier": (io.BytesIO(content), "agents.csv"),
    }, content_type="multipart/form-data")


def test_import_shows_what_it_would_do_before_changing_anything(client, login_as, filled, database):
    login_as("admin")
    html = review(client).get_data(as_text=True)
    assert "Rien n'est encore enregistré" in html
    assert "le nom « Diallo » → « Diallo-Sy »" in html  # a change, before and after
    assert "paul.neuf@caf13.example" in html and "MSA 06" in html  # additions
    assert "adresse e-mail invalide « pas-une-adresse »" in html  # a rejection and why
    with database.begin() as session:
        assert session.scalars(select(Group).where(Group.name == "MSA 06")).first() is None  # nothing written yet


def test_import_applies_what_was_reviewed_and_audits_it(client, login_as, filled, database):
    login_as("admin")
    html = review(client).get_data(as_text=True)
    form = dict(re.findall(r'name="(fichier|nom|empreinte)" value="([^"]*)"', html))
    assert base64.b64decode(form["fichier"]) == CSV
    answer = client.post("/annuaire/import/appliquer", data={"csrf_token": csrf_token(client, "/annuaire/import"), **form})
    assert answer.status_code == 302
    assert "Import terminé" in client.get("/annuaire").get_data(as_text=True)
    with database.begin() as session:
        assert session.scalars(select(Group).where(Group.name == "MSA 06")).one().mailbox == "bal@msa06.example"
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "directory.imported")).one()
    assert event.details["rejected"] == [5] and event.details["groups"]["created"] == 1


def test_import_reviews_again_when_the_directory_changed_meanwhile(client, login_as, filled, database):
    login_as("admin")
    html = review(client).get_data(as_text=True)
    form = dict(re.findall(r'name="(fichier|nom|empreinte)" value="([^"]*)"', html))
    with database.begin() as session:  # someone adds the agent in between
        session.scalars(select(Agent).where(Agent.email == "awa.diallo@caf13.example")).one().last_name = "Diallo-Sy"
    answer = client.post("/annuaire/import/appliquer", data={"csrf_token": csrf_token(client, "/annuaire/import"), **form})
    assert answer.status_code == 200 and "L'annuaire a changé depuis votre vérification" in answer.get_data(as_text=True)
    with database.begin() as session:
        assert session.scalars(select(Group).where(Group.name == "MSA 06")).first() is None


def test_an_unreadable_file_is_explained(client, login_as, filled):
    login_as("admin")
    answer = review(client, b"\x00\x01\x02 pas un csv")
    assert answer.status_code == 302
    assert "ne peut pas être importé" in client.get("/annuaire/import").get_data(as_text=True)


def test_export_is_the_import_format(client, login_as, filled):
    login_as("admin")
    answer = client.get("/annuaire/export.csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True).lstrip("\ufeff")
    assert text.startswith("Prénom;Nom;Email;Groupe;") and "awa.diallo@caf13.example;CAF 13;CAF;13" in text
