"""CSV import and export of the directory, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from gateway.models import Agent, Group, Membership, Organisation
from routing.directory.csv_file import DirectoryFileError, export_directory, import_directory, match_header

HEADER = "Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL"

SAMPLE = f"""{HEADER}
Awa;Diallo;Awa.Diallo@CAF13.example;CAF 13;CAF;13;aplus.caf13@caf13.example
Julien;Roux;julien.roux@caf13.example;CAF 13;CAF;13;
Awa;Diallo;awa.diallo@caf13.example;MDPH 13;MDPH;Bouches-du-Rhône;
Sophie;Leroy;sophie.leroy@cnav.example;CNAV Île-de-France;CNAV;75, 77/78 91 92,93,94,95;
Chloé;Nguyen;chloe.nguyen@dgfip.example;DGFiP national;DGFiP;national;
Karim;Haddad;karim.haddad@carsat.example;CARSAT Sud-Est;CARSAT;2a 2B 13;
"""


def run(database, text, **kwargs):
    with database.begin() as session:
        return import_directory(session, text, **kwargs)


def count(database, model) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def groups(database) -> dict[str, dict]:
    with database.begin() as session:
        return {
            g.name: {
                "organisation": g.organisation.code if g.organisation else None,
                "areas": sorted(a.code for a in g.areas),
                "national": g.is_national,
                "triage": g.is_triage,
                "mailbox": g.mailbox,
                "agents": sorted(m.agent.email for m in g.memberships),
            }
            for g in session.scalars(select(Group))
        }


def reasons(report) -> dict[int, str]:
    return {r.line: " ; ".join(r.reasons) for r in report.rejected}


# -- headers and encodings ----------------------------------------------------
@pytest.mark.parametrize(
    "header, field",
    [
        ("Prénom", "first_name"), ("prenom", "first_name"), ("PRENOM NOM", "full_name"), ("NOM", "last_name"),
        ("E-mail", "email"), ("Courriel", "email"), ("Adresse e-mail", "email"), ("Email de l'agent", "email"),
        ("Groupe", "group"), (" groupe ", "group"), ("Organisation", "organisation"), ("Organisme", "organisation"),
        ("Territoire", "territory"), ("Territoires", "territory"), ("Territoire(s)", "territory"),
        ("Départements", "territory"), ("BAL", "mailbox"), ("Boîte aux lettres", "mailbox"),
        ("BAL partagée", "mailbox"), ("adresse mail générique", "mailbox"), ("Type", "kind"),
        ("Téléphone", None), ("Qualité", None), ("", None),
    ],
)
def test_header_matching_tolerates_accents_case_and_spaces(header, field):
    assert match_header(header) == field


def test_import_sample(database):
    report = run(database, SAMPLE)
    assert report.ok, report.summary()
    assert (report.lines, report.accepted) == (6, 6)
    assert (report.groups.created, report.agents.created, report.memberships.created) == (5, 5, 6)
    found = groups(database)
    assert found["CAF 13"] == {
        "organisation": "CAF", "areas": ["13"], "national": False, "triage": False,
        "mailbox": "aplus.caf13@caf13.example",
        "agents": ["awa.diallo@caf13.example", "julien.roux@caf13.example"],
    }
    assert found["MDPH 13"]["areas"] == ["13"]
    assert found["CNAV Île-de-France"]["areas"] == ["75", "77", "78", "91", "92", "93", "94", "95"]
    assert found["DGFiP national"] == {
        "organisation": "DGFIP", "areas": [], "national": True, "triage": False, "mailbox": None,
        "agents": ["chloe.nguyen@dgfip.example"],
    }
    assert found["CARSAT Sud-Est"]["areas"] == ["13", "2A", "2B"]


def test_agent_in_several_groups_is_one_agent_with_lower_case_email(database):
    run(database, SAMPLE)
    with database.begin() as session:
        awa = session.scalar(select(Agent).where(Agent.email == "awa.diallo@caf13.example"))
        assert sorted(m.group.name for m in awa.memberships) == ["CAF 13", "MDPH 13"]
        assert (awa.first_name, awa.last_name) == ("Awa", "Diallo")


def test_tolerant_headers_bom_and_comma_delimiter(database):
    text = "\ufeffprenom,NOM,E-mail,groupe,ORGANISATION,Territoires,Boîte aux lettres,Téléphone\n" \
           "Awa,Diallo,awa@caf13.example,CAF 13,caf,13,,01 02 03 04 05\n"
    report = run(database, text.encode("utf-8"))
    assert report.ok and report.agents.created == 1
    assert report.ignored_columns == ["Téléphone"]


def test_cp1252_file(database, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_bytes(f"{HEADER}\r\nHélène;Fabre;helene@pref93.example;Préfecture 93;Préfecture;Seine-Saint-Denis;\r\n"
                     .encode("cp1252"))
    report = run(database, path)
    assert report.ok and report.encoding == "cp1252"
    with database.begin() as session:
        agent = session.scalar(select(Agent))
        assert agent.first_name == "Hélène"
        assert session.scalar(select(Group)).name == "Préfecture 93"
    assert groups(database)["Préfecture 93"]["organisation"] == "PREF"


def test_utf8_with_bom_file(database, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_text(SAMPLE, encoding="utf-8-sig")
    report = run(database, str(path))
    assert report.ok and report.encoding == "utf-8" and report.groups.created == 5


def test_full_name_column_and_address_with_display_name(database):
    text = "Prénom Nom;Mail;Groupe;Organisation;Département\nJean Dupont;Jean Dupont <Jean.Dupont@caf13.example>;CAF 13;CAF;13\n"
    assert run(database, text).ok
    with database.begin() as session:
        agent = session.scalar(select(Agent))
        assert (agent.email, agent.first_name, agent.last_name) == ("jean.dupont@caf13.example", "Jean", "Dupont")


# -- rejections ---------------------------------------------------------------
def test_every_rejection_reason_with_its_line_number(database):
    text = f"""{HEADER};Type
Awa;Diallo;awa@caf13.example;CAF 13;CAF;13;;
Jean;Dupont;jean.dupont@;CAF 13;CAF;13;;

Marie;Curie;marie@cpam13.example;CPAM 13;CAFX;13;;
Paul;Henri;paul@cpam13.example;CPAM 13;CPAM;13x;;
Léa;Morel;lea@cpam13.example;;CPAM;13;;
Zoé;Lin;;CPAM 13;CPAM;13;;
Tom;Tim;tom@caf13.example;CAF 13;CPAM;13;;
Ana;Bel;ana@caf13.example;CAF 13;CAF;13;bal@;
Rémi;Roy;remi@x.example;Nouveau groupe;;;;
Ivan;Ivanov;ivan@fs.example;France Services 13;France Services;13;;
Eva;Costa;eva@caf2a.example;CAF Corse;CAF;20;;
Max;Ray;max@caf13.example;CAF 13;CAF;13;;bizarre
Luc;Ors;luc@caf13.example;CAF 13;CAF;13;;;en trop
Noé;Dor;noe@caf75.example;CAF 75;CAF;75;;
Sam;Vu;sam@caf75.example;CAF 75;CAF;75, 92;;
"""
    report = run(database, text)
    assert not report.ok
    assert reasons(report) == {
        3: "adresse e-mail invalide « jean.dupont@ »",
        5: "organisation inconnue « CAFX »",
        6: "territoire inconnu « 13x »",
        7: "nom de groupe manquant (colonne « Groupe »)",
        8: "adresse e-mail manquante pour Zoé Lin",
        9: "le groupe « CAF 13 » a l'organisation « CAF » à la ligne 2, pas « CPAM »",
        10: "adresse de boîte aux lettres (BAL) invalide « bal@ »",
        11: "organisation manquante pour le nouveau groupe « Nouveau groupe » (ou Type « triage » pour un groupe "
            "de triage) ; territoire manquant pour le nouveau groupe « Nouveau groupe » (un département ou « national »)",
        12: "« France Services » (FRANCE_SERVICES) est une structure d'aidants, pas une organisation destinataire",
        13: "territoire « 20 » ambigu : la Corse s'écrit 2A ou 2B",
        14: "type de groupe inconnu « bizarre » (laisser vide ou écrire « triage »)",
        15: "9 colonnes au lieu de 8 (un « ; » de trop ?)",
        17: "le groupe « CAF 75 » a le territoire « 75 » à la ligne 16, pas « 75, 92 »",
    }
    assert [r.message for r in report.rejected][0] == "ligne 3 : adresse e-mail invalide « jean.dupont@ »"
    assert (report.lines, report.accepted) == (15, 2)
    # the valid lines are imported all the same
    assert sorted(groups(database)) == ["CAF 13", "CAF 75"]
    assert any(line.startswith("Rejetée, ligne 3 :") for line in report.summary())


def test_line_numbers_count_physical_lines_of_quoted_cells(database):
    text = f'{HEADER}\n"Awa";"Dia\nllo";awa@caf13.example;CAF 13;CAF;13;\nX;Y;bad;CAF 13;CAF;13;\n'
    assert reasons(run(database, text)) == {4: "adresse e-mail invalide « bad »"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "vide"),
        ("Prénom;Nom;Email\nA;B;a@b.example\n", "colonne « Groupe » introuvable"),
        (b"\x81\x8d\x8f\x90\x9d;\n", "ni UTF-8 ni Windows-1252"),
    ],
)
def test_unreadable_files(database, tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(DirectoryFileError, match=message):
        run(database, path)


def test_missing_file(database, tmp_path):
    with pytest.raises(DirectoryFileError, match="impossible de lire"):
        run(database, tmp_path / "absent.csv")


# -- groups without agents, triage, national ------------------------------------
def test_group_lines_triage_and_organisation_from_group_name(database):
    text = """Groupe;Organisation;Territoire;BAL;Type
Équipe nationale A+;;national;;triage
Triage 13;;13;triage13@aplus.example;triage
CAF 84;;84;aplus@caf84.example;
"""
    report = run(database, text)
    assert report.ok, report.summary()
    assert report.warnings == ["ligne 4 : organisation CAF déduite du nom du groupe « CAF 84 »"]
    found = groups(database)
    assert found["Équipe nationale A+"] == {
        "organisation": None, "areas": [], "national": True, "triage": True, "mailbox": None, "agents": []}
    assert found["Triage 13"]["triage"] and found["Triage 13"]["areas"] == ["13"]
    assert found["CAF 84"]["organisation"] == "CAF" and found["CAF 84"]["mailbox"] == "aplus@caf84.example"


def test_agents_added_to_an_existing_group_without_repeating_its_cells(database):
    run(database, SAMPLE)
    report = run(database, "Prénom;Nom;Email;Groupe\nNina;Simon;nina@caf13.example;CAF 13\n")
    assert report.ok and report.groups.unchanged == 1 and report.memberships.created == 1
    assert "nina@caf13.example" in groups(database)["CAF 13"]["agents"]


def test_later_lines_inherit_group_cells_and_name_conflicts_are_warnings(database):
    text = f"""{HEADER}
Awa;Diallo;awa@caf13.example;CAF 13;CAF;13;bal@caf13.example
Bob;Lee;bob@caf13.example;CAF 13;;;
Awa;Diallo-Sy;awa@caf13.example;MDPH 13;MDPH;13;
"""
    report = run(database, text)
    assert report.ok
    assert report.warnings[0].startswith("ligne 4 : awa@caf13.example porte un autre nom")
    with database.begin() as session:
        assert session.scalar(select(Agent).where(Agent.email == "awa@caf13.example")).last_name == "Diallo"


# -- dry run, idempotence, updates, round trip ----------------------------------------
def test_dry_run_writes_nothing_and_reports_what_would_change(database):
    report = run(database, SAMPLE, dry_run=True)
    assert report.dry_run and report.ok
    assert (report.groups.created, report.agents.created, report.memberships.created) == (5, 5, 6)
    assert count(database, Group) == count(database, Agent) == count(database, Membership) == 0
    assert count(database, Organisation) == 0
    assert report.summary()[0].startswith("Simulation")


def test_second_import_changes_nothing(database):
    run(database, SAMPLE)
    report = run(database, SAMPLE)
    assert report.ok and not report.changed
    assert (report.groups.unchanged, report.agents.unchanged, report.memberships.unchanged) == (5, 5, 6)


def test_updates_are_counted(database):
    run(database, SAMPLE)
    changed = SAMPLE.replace("Julien;Roux", "Julien;Roux-Martin").replace(
        "CNAV;75, 77/78 91 92,93,94,95", "CNAV;75").replace("aplus.caf13@caf13.example", "bal13@caf13.example")
    report = run(database, changed)
    assert (report.agents.updated, report.groups.updated) == (1, 2)
    assert groups(database)["CNAV Île-de-France"]["areas"] == ["75"]
    assert groups(database)["CAF 13"]["mailbox"] == "bal13@caf13.example"


def test_export_then_reimport_round_trip(database):
    run(database, SAMPLE)
    run(database, "Groupe;Type;Territoire\nÉquipe nationale A+;triage;national\nTriage 13;triage;13\n")
    with database.begin() as session:
        first = export_directory(session)
    assert first.splitlines()[0] == "Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL;Type"
    assert "Chloé;Nguyen;chloe.nguyen@dgfip.example;DGFiP national;DGFIP;national;;" in first.splitlines()
    assert ";;;Triage 13;;13;;triage" in first.splitlines()
    # importing the export into the same directory changes nothing
    report = run(database, first)
    assert report.ok and not report.changed
    # into an emptied directory it rebuilds the same directory
    before = groups(database)
    with database.begin() as session:
        session.execute(delete(Membership))
        session.execute(delete(Agent))
        for group in session.scalars(select(Group)):
            session.delete(group)
    assert run(database, first).ok
    assert groups(database) == before
    with database.begin() as session:
        assert export_directory(session) == first
