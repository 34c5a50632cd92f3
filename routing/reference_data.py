"""Reference rows every directory needs, and the demo directory of ``make run``.

Organisations and areas are reference data: the catalog and the INSEE list say
what exists, the database holds a row for each so groups can point at them
and the admin can add aliases. Seeding is idempotent (insert what is missing,
never overwrite what the national team changed).

The demo directory is written in the import CSV format and loaded through
``import_directory``: the demo then exercises the real import path, and a
person reading this file sees exactly what a directory file looks like. Every
address is on a reserved domain (RFC 2606 ``.example``), so nothing demo can
ever reach a real mailbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import Agent, Area, Group, Organisation
from routing.directory.csv_file import ImportReport, import_directory
from routing.directory.names import catalog_organisations, departements

log = logging.getLogger(__name__)

DEMO_DIRECTORY = """\
Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL;Type
Camille;Martin;camille.martin@aplus.example;{default_group};;national;;triage
Awa;Diallo;awa.diallo@caf13.example;CAF 13;CAF;13;aplus.caf13@caf13.example;
Julien;Roux;julien.roux@caf13.example;CAF 13;CAF;13;aplus.caf13@caf13.example;
Nadia;Benali;nadia.benali@cpam13.example;CPAM 13;CPAM;13;;
Thomas;Petit;thomas.petit@caf75.example;CAF 75;CAF;75;;
Sophie;Leroy;sophie.leroy@cnav.example;CNAV Île-de-France;CNAV;75, 77, 78, 91, 92, 93, 94, 95;;
Karim;Haddad;karim.haddad@carsat-sudest.example;CARSAT Sud-Est;CARSAT;04, 05, 06, 13, 83, 84, 2A, 2B;;
Léa;Moreau;lea.moreau@francetravail93.example;France Travail 93;FT;93;;
Yacine;Bouzid;yacine.bouzid@francetravail93.example;France Travail 93;FT;93;;
Hélène;Fabre;helene.fabre@pref93.example;Préfecture 93;PREF;93;;
Marc;Giraud;marc.giraud@mdph13.example;MDPH 13;MDPH;13;;
Chloé;Nguyen;chloe.nguyen@dgfip.example;DGFiP national;DGFIP;national;;
"""


@dataclass
class SeedReport:
    organisations: list[str] = field(default_factory=list)  # codes inserted
    areas: list[str] = field(default_factory=list)  # codes inserted


def seed_reference_data(session: Session) -> SeedReport:
    """Insert the catalog's organisations and the 101 départements that are missing."""
    report = SeedReport()
    known = set(session.scalars(select(Organisation.code)))
    for code, name, _aliases, _helper in catalog_organisations():
        if code not in known:
            session.add(Organisation(code=code, name=name, aliases=""))
            report.organisations.append(code)
    pairs = departements()
    if not pairs:
        log.warning("routing.geography is not available yet: no area seeded")
    known = set(session.scalars(select(Area.code)))
    for code, name in pairs:
        if code not in known:
            session.add(Area(code=code, name=name))
            report.areas.append(code)
    session.flush()
    return report


def directory_is_empty(session: Session) -> bool:
    groups = session.scalar(select(func.count()).select_from(Group))
    agents = session.scalar(select(func.count()).select_from(Agent))
    return not groups and not agents


def load_demo_directory(session: Session, *, default_group: str) -> ImportReport | None:
    """Seed reference data and, when no group or agent exists, load the demo directory.

    Returns the import report (what was created), or None when the directory
    already had content and was left alone.
    """
    seed_reference_data(session)
    if not directory_is_empty(session):
        return None
    quoted = '"' + default_group.replace('"', '""') + '"'
    report = import_directory(session, DEMO_DIRECTORY.format(default_group=quoted))
    if report.rejected:  # a bug in this file, not an input error: say it loudly
        raise RuntimeError("demo directory rejected: " + "; ".join(r.message for r in report.rejected))
    log.info("demo directory loaded: %d groups, %d agents", report.groups.created, report.agents.created)
    return report
