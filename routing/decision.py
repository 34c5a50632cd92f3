"""The routing decision and its evidence, as value objects.

An agent trusts being brought into a case when it can see *why*; every score
therefore carries the words (or sender domain) that produced it, with their
position in the text. ``aplus explain``, the ticket history and the admin all
show these objects as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Evidence:
    """One trigger: the matched text, where it stands, and why it counts."""

    text: str
    start: int  # offset in the analysed text, -1 for non-text evidence (sender domain)
    end: int
    reason: str  # short English tag, e.g. "alias", "benefit:RSA", "sender-domain", "negated", "postal-code"
    weight: float = 1.0

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "reason": self.reason, "weight": self.weight}


@dataclass
class OrganisationScore:
    code: str  # catalog code: CAF, CPAM, CARSAT, CNAV, MSA, MDPH, FT, ...
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "score": round(self.score, 3), "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class AreaMatch:
    code: str  # INSEE département code: "13", "2A", "974"
    evidence: list[Evidence] = field(default_factory=list)
    role: str = "person"  # "person" (where the person lives/lived) or "aidant" (hint from a signature)

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "role": self.role, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class Decision:
    """Which organisations and areas a request involves, and how sure we are."""

    organisations: list[OrganisationScore]  # selected ones, best first
    areas: list[AreaMatch]  # best first
    confidence: float  # 0..1
    triage: bool  # True when confidence is below the threshold: send to a triage group

    @property
    def organisation_codes(self) -> list[str]:
        return [o.code for o in self.organisations]

    @property
    def area_codes(self) -> list[str]:
        return [a.code for a in self.areas]

    def to_dict(self) -> dict[str, object]:
        return {
            "organisations": [o.to_dict() for o in self.organisations],
            "areas": [a.to_dict() for a in self.areas],
            "confidence": round(self.confidence, 3),
            "triage": self.triage,
        }
