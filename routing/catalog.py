"""The organisation catalog: who exists, how people name them, what they handle.

The catalog is data (``routing/data/organisations.toml``) so that the national
team can read and amend it without touching the classifier; the database can add
aliases on top (:meth:`Catalog.with_overrides`). This module only loads and
indexes it; deciding is ``routing/classify/``'s job.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable

CATALOG_PATH = Path(__file__).with_name("data") / "organisations.toml"

#: Weight of a term listed under ``weak``: a hint, not a name.
WEAK_WEIGHT = 0.5


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    upper_only: tuple[str, ...] = ()
    capitalised: tuple[str, ...] = ()  # count only when written with a capital ("le Département")
    domains: tuple[str, ...] = ()
    helper: bool = False
    benefits: tuple[str, ...] = ()  # codes of the benefits/procedures it handles

    def matches_domain(self, domain: str) -> bool:
        """True when ``domain`` is one of ours, a sub-domain of one, or fits a wildcard."""
        domain = domain.lower().strip(".")
        for pattern in self.domains:
            pattern = pattern.lower()
            if "*" in pattern:
                if fnmatch.fnmatchcase(domain, pattern) or fnmatch.fnmatchcase(domain, "*." + pattern):
                    return True
            elif domain == pattern or domain.endswith("." + pattern):
                return True
        return False


@dataclass(frozen=True)
class Benefit:
    code: str
    label: str
    terms: tuple[str, ...]
    organisations: tuple[str, ...]
    weak: tuple[str, ...] = ()
    upper_only: tuple[str, ...] = ()
    weight: float = 1.0
    regime: bool = False  # paid by the MSA instead when the person is in the agricultural regime


@dataclass(frozen=True)
class Catalog:
    organisations: dict[str, Organisation]
    benefits: dict[str, Benefit]
    ignore: tuple[str, ...] = ()
    _cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def get(self, code: str) -> Organisation:
        """The organisation with this code; KeyError names the unknown code."""
        try:
            return self.organisations[code]
        except KeyError:
            raise KeyError(f"unknown organisation code: {code!r}") from None

    def targets(self) -> list[Organisation]:
        """Organisations a request can be routed to (helpers excluded)."""
        return [o for o in self.organisations.values() if not o.helper]

    def helpers(self) -> list[Organisation]:
        return [o for o in self.organisations.values() if o.helper]

    def by_sender_domain(self, domain: str) -> Organisation | None:
        """The organisation whose agents write from ``domain`` (or an address at it).

        The most specific pattern wins: an exact domain beats a wildcard, so
        ``ants.gouv.fr`` is never taken for a broader rule.
        """
        if "@" in domain:
            domain = domain.rsplit("@", 1)[1]
        domain = domain.strip().strip(">").lower()
        if not domain:
            return None
        best: tuple[int, Organisation] | None = None
        for org in self.organisations.values():
            for pattern in org.domains:
                if Organisation(code="", name="", domains=(pattern,)).matches_domain(domain):
                    specificity = len(pattern.replace("*", ""))
                    if best is None or specificity > best[0]:
                        best = (specificity, org)
        return best[1] if best else None

    def with_overrides(self, rows: Iterable[dict]) -> "Catalog":
        """A new catalog with database rows merged in.

        Each row is a plain dict ``{"code": ..., "aliases": [...], "weak": [...],
        "acronyms": [...], "domains": [...], "name": ..., "helper": bool}``; lists are
        merged with the file's (union, file order first), scalars replace. A row
        for an unknown code adds an organisation (it needs a ``name``).
        """
        organisations = dict(self.organisations)
        for row in rows:
            code = str(row["code"]).strip().upper()
            current = organisations.get(code) or Organisation(code=code, name=str(row.get("name") or code))
            changes: dict[str, object] = {}
            for key in ("aliases", "weak", "acronyms", "upper_only", "capitalised", "domains"):
                extra = row.get(key) or []
                if isinstance(extra, str):
                    extra = [extra]
                merged = tuple(dict.fromkeys([*getattr(current, key), *(str(x) for x in extra)]))
                changes[key] = merged
            if row.get("name"):
                changes["name"] = str(row["name"])
            if "helper" in row and row["helper"] is not None:
                changes["helper"] = bool(row["helper"])
            organisations[code] = replace(current, **changes)
        return Catalog(organisations=organisations, benefits=self.benefits, ignore=self.ignore)


def parse_catalog(data: dict) -> Catalog:
    """Build a :class:`Catalog` from the TOML structure (also used by tests)."""
    benefits: dict[str, Benefit] = {}
    handled: dict[str, list[str]] = {}
    for code, raw in data.get("benefits", {}).items():
        benefit = Benefit(
            code=code,
            label=raw.get("label", code),
            terms=tuple(raw.get("terms", ())),
            organisations=tuple(raw.get("organisations", ())),
            weak=tuple(raw.get("weak", ())),
            upper_only=tuple(raw.get("upper_only", ())),
            weight=float(raw.get("weight", 1.0)),
            regime=bool(raw.get("regime", False)),
        )
        benefits[code] = benefit
        for org in benefit.organisations:
            handled.setdefault(org, []).append(code)
    organisations: dict[str, Organisation] = {}
    for code, raw in data.get("organisations", {}).items():
        organisations[code] = Organisation(
            code=code,
            name=raw.get("name", code),
            aliases=tuple(raw.get("aliases", ())),
            weak=tuple(raw.get("weak", ())),
            acronyms=tuple(raw.get("acronyms", ())),
            upper_only=tuple(raw.get("upper_only", ())),
            capitalised=tuple(raw.get("capitalised", ())),
            domains=tuple(raw.get("domains", ())),
            helper=bool(raw.get("helper", False)),
            benefits=tuple(handled.get(code, ())),
        )
    unknown = sorted(set(handled) - set(organisations))
    if unknown:
        raise ValueError(f"benefits name unknown organisations: {unknown}")
    return Catalog(organisations=organisations, benefits=benefits, ignore=tuple(data.get("ignore", {}).get("terms", ())))


def read_catalog(path: Path = CATALOG_PATH) -> Catalog:
    with path.open("rb") as handle:
        return parse_catalog(tomllib.load(handle))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with the code, read once per process."""
    return read_catalog()
