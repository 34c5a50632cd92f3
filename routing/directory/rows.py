"""Reading a directory CSV into rows keyed by field: encodings, delimiters and hand-written headers.

Nothing here touches the database: a file that cannot be read at all raises
``DirectoryFileError``; a line with too many cells is a ``Rejection``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from routing.directory.names import fold
from routing.directory.report import Rejection

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
    "role": ("role", "roleagent", "roledanslegroupe", "roledelagent"),
}
ROLE_HEADER = "Rôle"  # optional: responsable / expert, brought into the area's late cases
ROLE_CELLS = {"": "", "manager": "responsable", "expert": "expert"}  # membership role -> how the file says it


class DirectoryFileError(ValueError):
    """The file cannot be read as a directory at all (French message for people)."""


def read_text(path_or_text: str | Path | bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    A ``str`` containing a line break is the CSV itself; any other ``str`` or
    a ``Path`` is a file name. UTF-8 (BOM or not) first, then Windows-1252,
    which is what Excel writes on French Windows.
    """
    text, encoding = decode(path_or_text)
    return text.replace("\x00", ""), encoding  # PostgreSQL refuses NUL in text


def decode(path_or_text: str | Path | bytes) -> tuple[str, str]:
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
    for cells in records(reader):
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
            fields = [match_header(h) for h in header]
            check_header(header, fields)
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


def records(reader):
    """The reader's records; a file the csv module cannot cut into cells is unreadable."""
    try:
        yield from reader
    except csv.Error as error:
        raise DirectoryFileError(f"fichier CSV mal formé vers la ligne {reader.line_num} ({error})") from None


def check_header(header: list[str], fields: list[str | None]) -> None:
    if "group" not in fields:
        found = ", ".join(f"« {h.strip()} »" for h in header)
        raise DirectoryFileError(
            f"colonne « Groupe » introuvable dans l'en-tête ({found}) ; "
            f"en-tête attendu : {';'.join(HEADERS)}"
        )
