"""What a directory import did, line by line, for the person who ran it (French) and for scripts (dict).
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Change:
    """One thing an import adds or changes, for the review screen before it applies.

    ``kind``: "group", "agent" or "membership"; ``action``: "created" or
    "updated"; ``fields``: (label, before, after) of each changed attribute,
    labels in French ("l'organisation", "le territoire"...).
    """

    kind: str
    action: str
    name: str
    line: int
    fields: tuple[tuple[str, str, str], ...] = ()


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
    changes: list[Change] = field(default_factory=list)

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
