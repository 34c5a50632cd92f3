"""Import and export the directory in the CSV format A+ teams already use.

The teams keep their agents in spreadsheets: ';' separated, French headers
(``Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL``), saved by Excel in
UTF-8 with a BOM or in Windows-1252, headers written in many ways ("E-mail",
"Courriel", "Territoire(s)", "Boîte aux lettres"...). One line is one agent in
one group (an agent in several groups has several lines); a line without an
e-mail declares a group alone. An optional ``Type`` column marks triage groups
(``triage``); ``Territoire`` may say ``national``.

Import is a plan then an apply: every line is checked first and each rejected
line is reported with its number and a French reason, then the accepted lines
are written. It only adds and updates, never deletes, and importing the same
file twice changes nothing the second time. ``dry_run`` applies inside a
savepoint that is rolled back, so its counts are exactly those of a real run.

The csv module does the CSV; what is hand-written here is the tolerance to
hand-made headers and cells, which no library knows about.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gateway.models import Agent, Area, Group, Membership, Organisation
from routing.directory_names import OrganisationReader, TerritoryReader, fold

HEADERS = ("Prénom", "Nom", "Email", "Groupe", "Organisation", "Territoire", "BAL", "Type")
TRIAGE = "triage"

# Folded header (see ``fold``, spaces removed) -> field. A header also matches
# when it starts with one of these ("Email de l'agent", "Territoire(s)"); the
# longest one wins, so "adresse mail générique" is the BAL, not the e-mail.
HEADER_ALIASES = {
    "first_name": ("prenom", "prenomagent", "prenomdelagent"),
    "last_name": ("nom", "nomdefamille", "nomagent", "nomdelagent", "nomdusage"),
    "full_name": ("prenomnom", "nomprenom", "nomcomplet", "nometprenom", "prenometnom", "agent"),
    "email": ("email", "mail", "courriel", "adressemail", "adresseemail", "adressecourriel", "adresseelectronique",
              "emailagent", "contactmailagent", "mel"),
    "group": ("groupe", "nomdugroupe", "equipe", "operateurpartenaire", "nomdelastructurelabellisable"),
    "organisation": ("organisation", "organisme", "administration", "structure"),
    "territory": ("territoire", "territoires", "departement", "departements", "dept", "dep", "zone"),
    "mailbox": ("bal", "balpartagee", "boiteauxlettres", "boiteauxlettrespartagee", "boitealettres",
                "boitepartagee", "adressemailgenerique", "emailgenerique", "mailgenerique", "adressegenerique"),
    "kind": ("type", "typedegroupe", "typegroupe"),
}


CONFLICT_LABELS = {
    "organisation": ("l'organisation", str),
    "areas": ("le territoire", lambda codes: ", ".join(codes) or "aucun département"),
    "national": ("la portée", lambda national: "national" if national else "local"),
    "triage": ("le type", lambda triage: TRIAGE if triage else "normal"),
    "mailbox": ("la BAL", str),
}


class DirectoryFileError(ValueError):
    """The file cannot be read as a directory at all (French message for people)."""


# -- report -----------------------------------------------------------------
@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True)
class Rejection:
    line: int
    reasons: tuple[str, ...]

    @property
    def message(self) -> str:
        return f"ligne {self.line} : {' ; '.join(self.reasons)}"


@dataclass
class ImportReport:
    dry_run: bool = False
    encoding: str = "utf-8"
    lines: int = 0  # data lines read (blank lines not counted)
    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    groups: Counts = field(default_factory=Counts)
    agents: Counts = field(default_factory=Counts)
    memberships: Counts = field(default_factory=Counts)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.groups, self.agents, self.memberships))

    def summary(self) -> list[str]:
        """The report as French lines for the person who ran the import."""
        lines = [
            "Simulation (--dry-run) : rien n'a été enregistré, voici ce que l'import ferait."
            if self.dry_run else "Import terminé.",
            f"{self.lines} ligne(s) lue(s), {self.accepted} acceptée(s), {len(self.rejected)} rejetée(s).",
            f"Groupes : {self._counts(self.groups)}.",
            f"Agents : {self._counts(self.agents)}.",
            f"Appartenances à un groupe : {self._counts(self.memberships)}.",
        ]
        if self.ignored_columns:
            lines.append("Colonnes ignorées : " + ", ".join(f"« {c} »" for c in self.ignored_columns) + ".")
        lines += [f"Attention, {w}" for w in self.warnings]
        lines += [f"Rejetée, {r.message}" for r in self.rejected]
        return lines

    @staticmethod
    def _counts(counts: Counts) -> str:
        return f"{counts.created} nouveau(x), {counts.updated} modifié(s), {counts.unchanged} inchangé(s)"

    def to_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "lines": self.lines,
            "accepted": self.accepted,
            "rejected": [{"line": r.line, "reasons": list(r.reasons)} for r in self.rejected],
            "warnings": list(self.warnings),
            "groups": self.groups.to_dict(),
            "agents": self.agents.to_dict(),
            "memberships": self.memberships.to_dict(),
        }


# -- reading the file -------------------------------------------------------
def read_text(path_or_text: str | Path | bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    A ``str`` containing a line break is the CSV itself; any other ``str`` or
    a ``Path`` is a file name. UTF-8 (BOM or not) first, then Windows-1252,
    which is what Excel writes on French Windows.
    """
    text, encoding = _decode(path_or_text)
    return text.replace("\x00", ""), encoding  # PostgreSQL refuses NUL in text


def _decode(path_or_text: str | Path | bytes) -> tuple[str, str]:
    if isinstance(path_or_text, str) and ("\n" in path_or_text or "\r" in path_or_text):
        return path_or_text.lstrip("\ufeff"), "utf-8"
    if isinstance(path_or_text, bytes):
        data = path_or_text
    else:
        try:
            data = Path(path_or_text).read_bytes()
        except (OSError, ValueError) as error:  # ValueError: a NUL in the name
            reason = getattr(error, "strerror", None) or error
            raise DirectoryFileError(f"impossible de lire le fichier « {path_or_text} » : {reason}") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise DirectoryFileError("fichier illisible : ni UTF-8 ni Windows-1252 (est-ce bien un fichier CSV ?)")


def detect_delimiter(header_line: str) -> str:
    """';' as the teams write it; ',' or a tab when a tool exported it so."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def match_header(header: str) -> str | None:
    """The field a header names, or None for a column we do not use."""
    key = fold(header).replace(" ", "")
    if not key:
        return None
    for name, aliases in HEADER_ALIASES.items():
        if key in aliases:
            return name
    best: tuple[int, str] | None = None
    for name, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if len(alias) >= 3 and key.startswith(alias) and (best is None or len(alias) > best[0]):
                best = (len(alias), name)
    return best[1] if best else None


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return " ".join((self.values.get(name) or "").split())


def read_rows(text: str) -> tuple[list[Row], list[str], list[Rejection]]:
    """Rows keyed by field, the ignored headers, and lines with a wrong number of cells."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise DirectoryFileError("le fichier est vide")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(first))
    header: list[str] | None = None
    fields: list[str | None] = []
    rows: list[Row] = []
    bad: list[Rejection] = []
    start = 1
    for cells in _records(reader):
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
            fields = [match_header(h) for h in header]
            _check_header(header, fields)
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            bad.append(Rejection(line, (f"{len(cells)} colonnes au lieu de {len(header)} (un « ; » de trop ?)",)))
            continue
        values: dict[str, str] = {}
        for name, cell in zip(fields, cells):
            if name and not values.get(name):
                values[name] = cell
        rows.append(Row(line, values))
    ignored = [h.strip() for h, f in zip(header or [], fields) if f is None and h.strip()]
    return rows, ignored, bad


def _records(reader):
    """The reader's records; a file the csv module cannot cut into cells is unreadable."""
    try:
        yield from reader
    except csv.Error as error:
        raise DirectoryFileError(f"fichier CSV mal formé vers la ligne {reader.line_num} ({error})") from None


def _check_header(header: list[str], fields: list[str | None]) -> None:
    if "group" not in fields:
        found = ", ".join(f"« {h.strip()} »" for h in header)
        raise DirectoryFileError(
            f"colonne « Groupe » introuvable dans l'en-tête ({found}) ; "
            f"en-tête attendu : {';'.join(HEADERS)}"
        )


# -- checking lines ---------------------------------------------------------
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


class _Checker:
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
        self._existing = {
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

    # -- cells ----------------------------------------------------------
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
        if name in self._existing or name in self.plan.groups:
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
        if name in self._existing or proposed["triage"]:
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


# -- writing ----------------------------------------------------------------
class _Writer:
    """Applies a checked plan: get-or-create, compare, update, count."""

    def __init__(self, session: Session, report: ImportReport, checker: _Checker) -> None:
        self.session = session
        self.report = report
        self.checker = checker
        self._organisations = {o.code: o for o in session.scalars(select(Organisation))}
        self._areas = {a.code: a for a in session.scalars(select(Area))}

    def apply(self, plan: Plan) -> None:
        with self.session.no_autoflush:  # one flush per phase, not one per lookup
            self._apply(plan)
        self.session.flush()

    def _apply(self, plan: Plan) -> None:
        groups = {name: self._group(g) for name, g in plan.groups.items()}
        existing_agents = self._existing_agents(plan.agents)
        agents = {email: self._agent(a, existing_agents.get(email)) for email, a in plan.agents.items()}
        self.session.flush()
        for group_name, email in plan.memberships:
            group = groups.get(group_name) or self.checker._existing[group_name]
            agent = agents[email]
            if any(m.agent_id == agent.id for m in group.memberships):
                self.report.memberships.unchanged += 1
            else:
                group.memberships.append(Membership(agent=agent))
                self.report.memberships.created += 1

    def _group(self, plan: GroupPlan) -> Group:
        group = self.checker._existing.get(plan.name)
        created = group is None
        if created:
            group = Group(name=plan.name, is_national=False, is_triage=False)
            self.session.add(group)
        changed = False
        if plan.organisation is not None:
            organisation = self._organisation(plan.organisation)
            if group.organisation is not organisation:
                group.organisation = organisation
                changed = True
        if plan.triage is not None and group.is_triage != plan.triage:
            group.is_triage = plan.triage
            changed = True
        if plan.national is not None and group.is_national != plan.national:
            group.is_national = plan.national
            changed = True
        if plan.areas is not None and {a.code for a in group.areas} != set(plan.areas):
            group.areas = [self._area(code) for code in plan.areas]
            changed = True
        if plan.mailbox is not None and group.mailbox != plan.mailbox:
            group.mailbox = plan.mailbox
            changed = True
        counts = self.report.groups
        if created:
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
        return group

    def _existing_agents(self, plans: dict[str, AgentPlan]) -> dict[str, Agent]:
        emails = list(plans)
        found: dict[str, Agent] = {}
        for start in range(0, len(emails), 500):
            statement = select(Agent).where(Agent.email.in_(emails[start:start + 500]))
            found.update((a.email, a) for a in self.session.scalars(statement))
        return found

    def _agent(self, plan: AgentPlan, agent: Agent | None) -> Agent:
        counts = self.report.agents
        if agent is None:
            agent = Agent(email=plan.email, first_name=plan.first_name, last_name=plan.last_name, active=True)
            self.session.add(agent)
            counts.created += 1
            return agent
        changed = False
        for key in ("first_name", "last_name"):
            value = getattr(plan, key)
            if value and getattr(agent, key) != value:
                setattr(agent, key, value)
                changed = True
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
        return agent

    def _organisation(self, code: str) -> Organisation:
        if code not in self._organisations:
            name = self.checker.organisations.names.get(code, code)
            self._organisations[code] = Organisation(code=code, name=name, aliases="")
            self.session.add(self._organisations[code])
        return self._organisations[code]

    def _area(self, code: str) -> Area:
        if code not in self._areas:
            self._areas[code] = Area(code=code, name=self.checker.territories.name(code))
            self.session.add(self._areas[code])
        return self._areas[code]


# -- public entry points ----------------------------------------------------
def import_directory(session: Session, path_or_text: str | Path | bytes, *, dry_run: bool = False) -> ImportReport:
    """Import groups and agents; raises DirectoryFileError when the file is unreadable."""
    text, encoding = read_text(path_or_text)
    rows, ignored, bad = read_rows(text)
    report = ImportReport(dry_run=dry_run, encoding=encoding, ignored_columns=ignored)
    report.lines = len(rows) + len(bad)
    report.rejected.extend(bad)
    savepoint = session.begin_nested() if dry_run else None
    try:
        checker = _Checker(session, report)
        for row in rows:
            checker.check(row)
        report.rejected.sort(key=lambda r: r.line)
        _Writer(session, report, checker).apply(checker.plan)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    return report


def export_directory(session: Session) -> str:
    """The whole directory in the import format: one line per (group, active agent), stable order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    statement = select(Group).options(
        selectinload(Group.organisation),
        selectinload(Group.areas),
        selectinload(Group.memberships).selectinload(Membership.agent),
    )
    groups = sorted(session.scalars(statement), key=lambda g: (fold(g.name), g.name))  # same order on every backend
    for group in groups:
        cells = [
            group.name,
            group.organisation.code if group.organisation else "",
            territory_cell(group),
            group.mailbox or "",
            TRIAGE if group.is_triage else "",
        ]
        agents = sorted((m.agent for m in group.memberships if m.agent.active), key=lambda a: a.email)
        if not agents:
            writer.writerow(["", "", "", *cells])
        for agent in agents:
            writer.writerow([agent.first_name, agent.last_name, agent.email, *cells])
    return buffer.getvalue()


def territory_cell(group: Group) -> str:
    codes = sorted((a.code for a in group.areas), key=_area_order)
    return ", ".join((["national"] if group.is_national else []) + codes)


def _area_order(code: str) -> tuple[str, str]:
    """INSEE order: 01..19, 2A, 2B, 21..95, 971..976."""
    return (code.replace("2A", "20A").replace("2B", "20B").zfill(3), code)
