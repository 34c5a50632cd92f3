"""From evidence to a decision: which organisations are selected, and how confident we are.

Organisations whose raw weight reaches ``SELECT_MIN`` and ``SELECT_RATIO`` of
the best are selected, best first. Confidence is ``1 - exp(-best raw weight)``,
lowered when the retirement area is unknown; below ``THRESHOLD`` the decision
asks for triage.
"""

from __future__ import annotations

import math

from routing.catalog import Catalog
from routing.decision import AreaMatch, Decision, Evidence, OrganisationScore

#: Below this confidence the ticket goes to a triage group. One explicit name or
#: one benefit term (raw weight 1.0 -> confidence 0.63) routes directly; a lone
#: hint (0.5 -> 0.39), a mention in passing or a negation does not; an unknown
#: area for a retirement case (x0.75) needs two clear terms. Checked on the dev
#: set with benchmarks/routing_eval.py (triage rate and accuracy of the rest).
THRESHOLD = 0.5
#: An organisation is selected when its raw weight reaches SELECT_MIN ...
SELECT_MIN = 0.6
#: ... and SELECT_RATIO of the best organisation's weight.
SELECT_RATIO = 0.3
#: Below SELECT_MIN, the best organisation is still returned (for the triage
#: group to see) when its weight reaches HINT_MIN; else none.
HINT_MIN = 0.3
#: At most this many organisations are brought in.
SELECT_MAX = 4

UNKNOWN_RETIREMENT_AREA_FACTOR = 0.75
RETIREMENT = ("CARSAT", "CNAV")


def raw_weight(items: list[Evidence]) -> float:
    return max(0.0, sum(e.weight for e in items))

def decide(
    evidence: dict[str, list[Evidence]], areas: list[AreaMatch], retirement_area_unknown: bool, catalog: Catalog
) -> Decision:
    raw = {code: raw_weight(items) for code, items in evidence.items() if code in catalog.organisations}
    ranked = sorted((code for code in raw if raw[code] > 0 and not catalog.get(code).helper), key=lambda c: -raw[c])
    if not ranked:
        return Decision(organisations=[], areas=areas, confidence=0.0, triage=True)
    best = raw[ranked[0]]
    chosen = [c for c in ranked if raw[c] >= SELECT_MIN and raw[c] >= SELECT_RATIO * best][:SELECT_MAX]
    if not chosen and best >= HINT_MIN:  # a hint only: kept for the triage group to see
        chosen = [ranked[0]]
    if not chosen:
        return Decision(organisations=[], areas=areas, confidence=0.0, triage=True)
    confidence = 1.0 - math.exp(-best)
    if retirement_area_unknown and any(c in RETIREMENT for c in chosen):
        confidence *= UNKNOWN_RETIREMENT_AREA_FACTOR
    organisations = [OrganisationScore(code, round(1.0 - math.exp(-raw[code]), 3), evidence[code]) for code in chosen]
    return Decision(organisations=organisations, areas=areas, confidence=round(confidence, 3), triage=confidence < THRESHOLD)
