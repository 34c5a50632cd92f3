"""Reading what people type in a directory file: organisations and territories.

Directory files are written by hand in spreadsheets: "Bouches-du-Rhône (13)",
"2a", "1" (Excel ate the leading zero of "01"), "Seine Saint Denis",
"CARSAT Sud-Est", "France Travail". These resolvers turn such cells into
catalog codes and INSEE département codes, or say exactly which part they could
not read. They lean on ``routing.catalog`` and ``routing.geography`` and fall
back to bare codes when those modules are not importable.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterable

from unidecode import unidecode

log = logging.getLogger(__name__)

DEPARTEMENT_CODE = re.compile(r"^(0[1-9]|1[0-9]|2[1-9]|[3-8][0-9]|9[0-5]|2A|2B|97[1-6])$")  # "20" is not a code since 1976
NATIONAL_WORDS = {"national", "nationale", "france", "france entiere", "toute la france", "tout le territoire", "nat"}
ARTICLES = ("la ", "le ", "les ", "l ")


def fold(text: str) -> str:
    """Lower case, no accents, any run of non letters/digits as one space."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(text or "").lower()).split())


# -- territories ------------------------------------------------------------
@dataclass(frozen=True)
class Territory:
    """A parsed Territoire cell: département codes, the national flag, and what was not understood."""

    codes: tuple[str, ...] = ()
    national: bool = False
    unknown: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.codes and not self.national and not self.unknown


@dataclass
class TerritoryReader:
    """Départements by code and by name; built once per import."""

    names: dict[str, str] = field(default_factory=dict)  # code -> official name
    by_name: dict[str, str] = field(default_factory=dict)  # folded name -> code

    @classmethod
    def load(cls) -> "TerritoryReader":
        reader = cls()
        for code, name in departements():
            reader.names[code] = name
            folded = fold(name)
            reader.by_name[folded] = code
            reader.by_name[folded.replace(" ", "")] = code
            for article in ARTICLES:
                if folded.startswith(article):
                    reader.by_name[folded[len(article):]] = code
                    reader.by_name[folded[len(article):].replace(" ", "")] = code
        return reader

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def is_code(self, code: str) -> bool:
        return code in self.names if self.names else bool(DEPARTEMENT_CODE.match(code))

    def read(self, cell: str) -> Territory:
        """Parse "13", "2A, 2B", "75/92", "Bouches-du-Rhône (13)", "national"."""
        codes: list[str] = []
        unknown: list[str] = []
        national = False
        cell = re.sub(r"[()\[\]]", " ", cell or "")
        for chunk in re.split(r"[,;/+|\n]|\s+et\s+|\s-\s", cell):
            chunk = chunk.strip(" -.")
            if not chunk:
                continue
            if fold(chunk) in NATIONAL_WORDS:
                national = True
                continue
            chunk_codes, chunk_unknown = self._read_chunk(chunk)
            codes.extend(chunk_codes)
            unknown.extend(chunk_unknown)
        return Territory(tuple(dict.fromkeys(codes)), national, tuple(unknown))

    def _read_chunk(self, chunk: str) -> tuple[list[str], list[str]]:
        whole = self._by_name(chunk)
        if whole:
            return [whole], []
        tokens = chunk.split()
        codes: list[str] = []
        unknown: list[str] = []
        pending: list[str] = []
        i = 0
        while i < len(tokens):
            match = self._longest_name(tokens, i)
            if match:
                code, i = match
                codes.append(code)
            elif (code := self._code(tokens[i])) is not None:
                codes.append(code)
                i += 1
            else:
                pending.append(tokens[i])
                i += 1
                continue
            if pending:
                unknown.append(" ".join(pending))
                pending = []
        if pending:
            unknown.append(" ".join(pending))
        return codes, unknown

    def _longest_name(self, tokens: list[str], start: int) -> tuple[str, int] | None:
        for end in range(len(tokens), start, -1):
            code = self._by_name(" ".join(tokens[start:end]))
            if code and not (end == start + 1 and self._code(tokens[start])):
                return code, end
        return None

    def _by_name(self, text: str) -> str | None:
        folded = fold(text)
        if not folded or folded.isdigit():
            return None
        return self.by_name.get(folded) or self.by_name.get(folded.replace(" ", ""))

    def _code(self, token: str) -> str | None:
        token = token.strip(" .-").upper()
        if token.isdigit() and len(token) == 1:
            token = "0" + token  # a spreadsheet turned "01" into 1
        return token if self.is_code(token) else None


def departements() -> list[tuple[str, str]]:
    """(code, name) of the 101 départements, or [] when geography is not available."""
    try:
        from routing import geography
    except ImportError:
        log.info("routing.geography is not available: départements are read by code only")
        return []
    return list(_as_pairs(geography.all_departements()))


def _as_pairs(items) -> Iterable[tuple[str, str]]:
    if isinstance(items, dict):
        items = items.items()
    for item in items:
        if isinstance(item, tuple):
            yield str(item[0]), str(item[1])
        else:
            yield str(item.code), str(item.name)


# -- organisations ----------------------------------------------------------
@dataclass
class OrganisationReader:
    """Organisation codes from the cell people type: code, name, alias or acronym."""

    names: dict[str, str] = field(default_factory=dict)  # code -> official name
    terms: dict[str, set[str]] = field(default_factory=dict)  # folded term -> codes
    helpers: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, extra: Iterable[tuple[str, str, Iterable[str]]] = ()) -> "OrganisationReader":
        """From the catalog, plus ``extra`` (code, name, aliases) rows from the database."""
        reader = cls()
        for code, name, aliases, helper in catalog_organisations():
            reader.add(code, name, aliases)
            if helper:
                reader.helpers.add(code)
        for code, name, aliases in extra:
            reader.add(code, name, aliases)
        return reader

    def add(self, code: str, name: str, aliases: Iterable[str]) -> None:
        self.names.setdefault(code, name)
        for term in (code, name, *aliases):
            folded = fold(term)
            if folded:
                self.terms.setdefault(folded, set()).add(code)

    def read(self, cell: str) -> tuple[str | None, str | None]:
        """(code, None) when understood, else (None, French reason)."""
        folded = fold(cell)
        codes = self.terms.get(folded)
        if not codes:
            codes = self._leading_term(folded)
        if not codes:
            return None, f"organisation inconnue « {cell.strip()} »"
        if len(codes) > 1:
            return None, f"organisation ambiguë « {cell.strip()} » ({' ou '.join(sorted(codes))})"
        return next(iter(codes)), None

    def _leading_term(self, folded: str) -> set[str] | None:
        """"carsat sud est" -> CARSAT: the longest known term the cell starts with."""
        words = folded.split()
        for end in range(len(words) - 1, 0, -1):
            codes = self.terms.get(" ".join(words[:end]))
            if codes:
                return codes
        return None


def catalog_organisations() -> list[tuple[str, str, tuple[str, ...], bool]]:
    """(code, name, aliases and acronyms, helper) of the catalog, or [] when unavailable."""
    try:
        from routing.catalog import load_catalog

        catalog = load_catalog()
    except Exception as error:  # missing module or unreadable data: codes from the database only
        log.warning("organisation catalog not available (%s): organisations are read by code only", error)
        return []
    return [(o.code, o.name, (*o.aliases, *o.acronyms), o.helper) for o in catalog.organisations.values()]
