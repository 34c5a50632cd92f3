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
Where things are: ``directory_rows`` reads the file, ``directory_plan``
checks the rows and plans, ``directory_apply`` writes, ``directory_report``
counts; this module runs them in order and exports.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gateway.models import Group, Membership
from routing.directory.apply import PlanWriter
from routing.directory.names import fold
from routing.directory.plan import RowChecker, bare_address, valid_address
from routing.directory.report import Counts, ImportReport, Rejection
from routing.directory.rows import (HEADER_ALIASES, HEADERS, ROLE_CELLS, ROLE_HEADER, TRIAGE, DirectoryFileError,
                                    Row, detect_delimiter, match_header, read_rows, read_text)

__all__ = ["import_directory", "export_directory", "territory_cell", "DirectoryFileError", "ImportReport", "Counts",
           "Rejection", "Row", "HEADERS", "HEADER_ALIASES", "TRIAGE", "read_text", "read_rows", "detect_delimiter",
           "match_header", "bare_address", "valid_address"]


def import_directory(session: Session, path_or_text: str | Path | bytes, *, dry_run: bool = False) -> ImportReport:
    """Import groups and agents; raises DirectoryFileError when the file is unreadable."""
    text, encoding = read_text(path_or_text)
    rows, ignored, bad = read_rows(text)
    report = ImportReport(dry_run=dry_run, encoding=encoding, ignored_columns=ignored)
    report.lines = len(rows) + len(bad)
    report.rejected.extend(bad)
    savepoint = session.begin_nested() if dry_run else None
    try:
        checker = RowChecker(session, report)
        for row in rows:
            checker.check(row)
        report.rejected.sort(key=lambda r: r.line)
        PlanWriter(session, report, checker).apply(checker.plan)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    return report


def export_directory(session: Session) -> str:
    """The whole directory in the import format: one line per (active group, active agent), stable order.

    The format has no column for "deactivated", and an import never
    deactivates: a deactivated group or agent is left out, as it is of routing.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    statement = select(Group).where(Group.active.is_(True)).options(
        selectinload(Group.organisation),
        selectinload(Group.areas),
        selectinload(Group.memberships).selectinload(Membership.agent),
    )
    groups = sorted(session.scalars(statement), key=lambda g: (fold(g.name), g.name))  # same order on every backend
    with_roles = any(m.role for g in groups for m in g.memberships)
    if with_roles:  # the optional column, only when some member has a role (older files stay identical)
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([*HEADERS, ROLE_HEADER])
    for group in groups:
        cells = [
            group.name,
            group.organisation.code if group.organisation else "",
            territory_cell(group),
            group.mailbox or "",
            TRIAGE if group.is_triage else "",
        ]
        members = sorted((m for m in group.memberships if m.agent.active), key=lambda m: m.agent.email)
        if not members:
            writer.writerow(["", "", "", *cells, *([""] if with_roles else [])])
        for member in members:
            agent = member.agent
            role = [ROLE_CELLS.get(member.role, "")] if with_roles else []
            writer.writerow([agent.first_name, agent.last_name, agent.email, *cells, *role])
    return buffer.getvalue()


def territory_cell(group: Group) -> str:
    codes = sorted((a.code for a in group.areas), key=_area_order)
    return ", ".join((["national"] if group.is_national else []) + codes)


def _area_order(code: str) -> tuple[str, str]:
    """INSEE order: 01..19, 2A, 2B, 21..95, 971..976."""
    return (code.replace("2A", "20A").replace("2B", "20B").zfill(3), code)
