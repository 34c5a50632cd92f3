"""Checking directory rows and planning what to write: each rejected line gets its French reasons.

The plan is built before anything is written, so a file's lines can be checked
against each other (one group, one organisation) and a dry run counts exactly
what a real run would. The database is only read here (known organisations and
groups); ``directory_apply.py`` writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gateway.models import Group, Organisation
from routing.directory.names import OrganisationReader, TerritoryReader, fold
from routing.directory.report import ImportReport, Rejection
from routing.directory.rows import TRIAGE, Row

#: Role cells as teams write them -> the membership role (gateway.models.directory.MEMBERSHIP_ROLES).
ROLE_WORDS = {
    "agent": "", "membre": "", "responsable": "manager", "manager": "manager", "gestionnaire": "manager",
    "responsable de territoire": "manager", "expert": "expert", "experte": "expert", "referent": "expert",
    "referente": "expert",
}

CONFLICT_LABELS = {
    "organisation": ("l'organisation", str),
    "areas": ("le territoire", lambda codes: ", ".join(codes) or "aucun département"),
    "national": ("la portée", lambda national: "national" if national else "local"),
    "triage": ("le type", lambda triage: TRIAGE if triage else "normal"),
    "mailbox": ("la BAL", str),
}


@dataclass
class GroupPlan:
    name: str
    line: int
    organisation: str | None = None
    areas: tuple[str, ...] | None = None
    national: bool | None = None
    triage: bool | None = None
    mailbox: str | None = None
    lines: dict[str, int] = field(default_factory=dict)  # attribute -> line that set it


@dataclass
class AgentPlan:
    email: str
    first_name: str
    last_name: str
    line: int


@dataclass
class Plan:
    groups: dict[str, GroupPlan] = field(default_factory=dict)
    agents: dict[str, AgentPlan] = field(default_factory=dict)
    memberships: dict[tuple[str, str], int] = field(default_factory=dict)  # (group name, email) -> first line
    roles: dict[tuple[str, str], str] = field(default_factory=dict)  # (group name, email) -> "", "manager", "expert"


class RowChecker:
    """Validates the rows one by one and builds the plan of what to write."""

    def __init__(self, session: Session, report: ImportReport) -> None:
        self.session = session
        self.report = report
        self.plan = Plan()
        database_organisations = [
            (o.code, o.name, [a for a in (o.aliases or "").splitlines() if a.strip()])
            for o in session.scalars(select(Organisation))
        ]
        self.organisations = OrganisationReader.load(database_organisations)
        self.territories = TerritoryReader.load()
        self.existing_groups = {
            g.name: g
            for g in session.scalars(select(Group).options(selectinload(Group.areas), selectinload(Group.memberships)))
        }

    def check(self, row: Row) -> None:
        reasons: list[str] = []
        name = row.get("group")
        email = self._email(row, reasons)
        first_name, last_name = self._names(row)
        organisation = self._organisation(row, reasons)
        territory = self._territory(row, reasons)
        mailbox = self._mailbox(row, reasons)
        triage = self._kind(row, reasons)
        role = self._role(row, reasons)
        if not name:
            reasons.append("nom de groupe manquant (colonne « Groupe »)")
        elif len(name) > 200:
            reasons.append("nom de groupe trop long (200 caractères au plus)")
        if (first_name or last_name) and not email and not row.get("email"):
            reasons.append("adresse e-mail manquante pour " + " ".join(filter(None, [first_name, last_name])))
        if not reasons and organisation is None and not triage:
            organisation = self._organisation_from_group_name(row.line, name)
        if not reasons:
            reasons += self._merge_group(row.line, name, organisation, territory, mailbox, triage)
        if reasons:
            self.report.rejected.append(Rejection(row.line, tuple(reasons)))
            return
        self.report.accepted += 1
        if email:
            self._add_agent(row.line, email, first_name, last_name)
            self.plan.memberships.setdefault((name, email), row.line)
            if role is not None:
                self.plan.roles[(name, email)] = role

    # -- cells ----------------------------------------------------------
    @staticmethod
    def _role(row: Row, reasons: list[str]) -> str | None:
        """The member's role: None when the cell is empty or absent (an existing role is kept)."""
        cell = row.get("role")
        if not cell:
            return None
        role = ROLE_WORDS.get(fold(cell))
        if role is None:
            reasons.append(f"rôle inconnu « {cell} » (attendu : agent, responsable ou expert)")
        return role

    def _email(self, row: Row, reasons: list[str]) -> str | None:
        raw = bare_address(row.get("email"))
        if not raw:
            return None
        address = valid_address(raw)
        if address is None:
            reasons.append(f"adresse e-mail invalide « {raw} »")
        return address

    @staticmethod
    def _names(row: Row) -> tuple[str, str]:
        first, last = row.get("first_name"), row.get("last_name")
        if not first and not last and row.get("full_name"):
            first, _, last = row.get("full_name").partition(" ")
        return first[:100], last[:100]

    def _organisation(self, row: Row, reasons: list[str]) -> str | None:
        cell = row.get("organisation")
        if not cell:
            return None
        code, problem = self.organisations.read(cell)
        if problem:
            reasons.append(problem)
        elif code in self.organisations.helpers:
            reasons.append(f"« {cell} » ({code}) est une structure d'aidants, pas une organisation destinataire")
            return None
        return code

    def _organisation_from_group_name(self, line: int, name: str) -> str | None:
        """A new group "CAF 13" with an empty Organisation cell is a CAF group, as in A+."""
        if name in self.existing_groups or name in self.plan.groups:
            return None
        code, problem = self.organisations.read(name)
        if problem or code in self.organisations.helpers:
            return None
        self.report.warnings.append(f"ligne {line} : organisation {code} déduite du nom du groupe « {name} »")
        return code

    def _territory(self, row: Row, reasons: list[str]):
        cell = row.get("territory")
        if not cell:
            return None
        territory = self.territories.read(cell)
        for piece in territory.unknown:
            if piece.strip() == "20":
                reasons.append("territoire « 20 » ambigu : la Corse s'écrit 2A ou 2B")
            else:
                reasons.append(f"territoire inconnu « {piece} »")
        return None if territory.unknown or territory.empty else territory

    def _mailbox(self, row: Row, reasons: list[str]) -> str | None:
        raw = bare_address(row.get("mailbox"))
        if not raw:
            return None
        address = valid_address(raw)
        if address is None:
            reasons.append(f"adresse de boîte aux lettres (BAL) invalide « {raw} »")
        return address

    @staticmethod
    def _kind(row: Row, reasons: list[str]) -> bool | None:
        cell = fold(row.get("kind"))
        if not cell:
            return None
        if cell in ("triage", "tri", "accueil", "orientation"):
            return True
        if cell in ("normal", "standard", "groupe", "agents"):
            return False
        reasons.append(f"type de groupe inconnu « {row.get('kind')} » (laisser vide ou écrire « triage »)")
        return None

    # -- group consistency ---------------------------------------------
    def _merge_group(self, line: int, name: str, organisation, territory, mailbox, triage) -> list[str]:
        """Fold one line's group cells into the plan; reasons when they contradict earlier lines."""
        plan = self.plan.groups.get(name)
        proposed = {
            "organisation": organisation,
            "areas": territory.codes if territory else None,
            "national": territory.national if territory else None,
            "triage": triage,
            "mailbox": mailbox,
        }
        if plan is not None:
            conflicts = [
                self._conflict(name, plan, key, value)
                for key, value in proposed.items()
                if value is not None and getattr(plan, key) is not None and getattr(plan, key) != value
            ]
            if conflicts:
                return conflicts
        else:
            problems = self._new_group_problems(name, proposed)
            if problems:
                return problems
            plan = self.plan.groups[name] = GroupPlan(name, line)
        for key, value in proposed.items():
            if value is not None and getattr(plan, key) is None:
                setattr(plan, key, value)
                plan.lines[key] = line
        return []

    def _new_group_problems(self, name: str, proposed: dict) -> list[str]:
        """A group not yet in the directory needs an organisation and a territory (triage: neither)."""
        if name in self.existing_groups or proposed["triage"]:
            return []
        problems = []
        if proposed["organisation"] is None:
            problems.append(
                f"organisation manquante pour le nouveau groupe « {name} » "
                "(ou Type « triage » pour un groupe de triage)"
            )
        if proposed["areas"] is None:
            problems.append(f"territoire manquant pour le nouveau groupe « {name} » (un département ou « national »)")
        return problems

    def _conflict(self, name: str, plan: GroupPlan, key: str, value) -> str:
        label, show = CONFLICT_LABELS[key]
        return (
            f"le groupe « {name} » a {label} « {show(getattr(plan, key))} » à la ligne {plan.lines[key]}, "
            f"pas « {show(value)} »"
        )

    def _add_agent(self, line: int, email: str, first_name: str, last_name: str) -> None:
        known = self.plan.agents.get(email)
        if known is None:
            self.plan.agents[email] = AgentPlan(email, first_name, last_name, line)
            return
        if (first_name and first_name != known.first_name) or (last_name and last_name != known.last_name):
            self.report.warnings.append(
                f"ligne {line} : {email} porte un autre nom (« {first_name} {last_name} ») "
                f"qu'à la ligne {known.line} (« {known.first_name} {known.last_name} ») ; le premier est gardé"
            )
        known.first_name = known.first_name or first_name
        known.last_name = known.last_name or last_name


def bare_address(cell: str) -> str:
    """"Jean Dupont <jean@caf.fr>" or "mailto:jean@caf.fr" -> "jean@caf.fr"."""
    match = re.search(r"<([^<>]*)>", cell)
    address = match.group(1) if match else cell
    address = address.strip()
    return address[7:] if address.lower().startswith("mailto:") else address


def valid_address(raw: str) -> str | None:
    """The lower-cased address when it is a deliverable-looking ASCII address, else None."""
    try:
        result = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    address = result.normalized.lower()
    return address if len(address) <= 320 else None
