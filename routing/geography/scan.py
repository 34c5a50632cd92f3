"""One pass over one text, from tokens to ordered areas: the passes in the order they must run.

``Scan`` is assembled from one mixin per step so that each rule lives in a
module named after it; the state they share is ``TokenContext``'s.
"""

from __future__ import annotations

from routing.decision import AreaMatch, Evidence
from routing.geography.arrondissements import Arrondissements
from routing.geography.cues import PlaceCues
from routing.geography.misspellings import MisspeltTowns
from routing.geography.moves import MoveOrder
from routing.geography.names import NameMentions
from routing.geography.numbers import NumberMentions
from routing.geography.resolution import Resolution
from routing.geography.signature import SignatureWeight
from routing.geography.tables import tables
from routing.geography.token_context import TokenContext
from routing.geography.vocabulary import CUE_REASONS
from routing.geography.weights import W_MOVE


class Scan(NameMentions, MisspeltTowns, Arrondissements, NumberMentions, PlaceCues, Resolution, MoveOrder,
           SignatureWeight, TokenContext):
    """One pass over one text: tokens, hits, then areas."""

    def areas(self, role: str) -> list[AreaMatch]:
        self.scan_names()
        self.scan_misspelt_towns()
        self.scan_lone_arrondissements()
        self.scan_numbers()
        evidence = self.resolve()
        if role == "person":
            self.lower_signature_weight(evidence)
        destinations, origins = self.move_order(evidence) if role == "person" and len(evidence) > 1 else ([], [])
        cue = (self.move_cue() or self.current_cue(evidence)) if destinations else None
        for code in destinations:
            evidence[code].append(Evidence(cue.raw, cue.start, cue.end, "move-destination", W_MOVE))
        for code in origins:
            evidence[code].append(Evidence(cue.raw, cue.start, cue.end, "move-origin", 0.0))

        def rank(code: str) -> tuple[float, float]:
            first_seen = min(e.start for e in evidence[code] if e.reason not in CUE_REASONS)
            if destinations:  # a move: where the person comes from, then where they go, then the rest
                return (0 if code in origins else 1 if code in destinations else 2, first_seen)
            return (-sum(e.weight for e in evidence[code]), first_seen)

        ordered = sorted(evidence, key=rank)
        # Place evidence first (in text order), then the cues that weigh on it (residence, move, ...).
        return [AreaMatch(code, sorted(evidence[code], key=lambda e: (e.reason in CUE_REASONS, e.start)), role)
                for code in ordered]


def areas_in(text: str, role: str) -> list[AreaMatch]:
    if not isinstance(text, str) or not text.strip():
        return []
    return Scan(text, tables()).areas(role)
