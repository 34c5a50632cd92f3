"""Which fund handles a benefit: agricultural regime (MSA) and retirement funds split by area.

When the MSA is named, regime benefits (RSA, IJ, retraite, ...) go to it. CARSAT
and CNAV are pooled and split by the person's area: CNAV for Île-de-France,
CARSAT elsewhere, both for a move between the two.
"""

from __future__ import annotations

from unidecode import unidecode

from routing.catalog import Catalog
from routing.classify.scores import raw_weight
from routing.decision import AreaMatch, Evidence

ILE_DE_FRANCE = frozenset({"75", "77", "78", "91", "92", "93", "94", "95"})
REGIME_GENERAL = frozenset({"CAF", "CPAM", "CARSAT", "CNAV"})


def move_regime_benefits_to_msa(evidence: dict[str, list[Evidence]], catalog: Catalog) -> None:
    """An agricultural-regime person gets RSA, IJ, retraite, ... from the MSA."""
    msa = [e for e in evidence.get("MSA", []) if e.weight > 0 and not e.reason.startswith("benefit:")]
    if raw_weight(msa) < 0.5:
        return
    for code in REGIME_GENERAL:
        kept = []
        for item in evidence.get(code, []):
            benefit = item.reason.split(":", 1)[1].split("~")[0] if item.reason.startswith("benefit:") else ""
            if benefit and catalog.benefits[benefit].regime:
                evidence.setdefault("MSA", []).append(item)
            else:
                kept.append(item)
        if code in evidence:
            evidence[code] = kept


def _person_area_codes(areas: list[AreaMatch]) -> list[str]:
    person = [a.code for a in areas if getattr(a, "role", "person") == "person"]
    return person or [a.code for a in areas]


def split_retirement(evidence: dict[str, list[Evidence]], areas: list[AreaMatch]) -> bool:
    """Give pooled CARSAT/CNAV evidence to the fund(s) of the person's area(s).

    Returns True when no area is known, so the caller lowers the confidence.
    """
    pooled = evidence.pop("CARSAT", []) + evidence.pop("CNAV", [])
    if not pooled:
        return False
    codes = _person_area_codes(areas)
    funds: list[str] = []
    if any(c in ILE_DE_FRANCE for c in codes):
        funds.append("CNAV")
    if any(c not in ILE_DE_FRANCE for c in codes):
        funds.append("CARSAT")
    unknown = not funds
    if unknown:
        names_cnav = any(e.text and "cnav" in unidecode(e.text).lower() and e.weight > 0 for e in pooled)
        funds = ["CNAV" if names_cnav else "CARSAT"]
    for fund in funds:
        evidence[fund] = list(pooled)
    return unknown
