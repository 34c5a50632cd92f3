"""From hits to evidence per département: homonyms chosen, then cue evidence added.

A homonym commune is decided by an adjacent number, else by the nearest
département evidenced without ambiguity, else by population: that needs the
whole text read first, hence a step of its own after the passes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

from routing.decision import Evidence
from routing.geography.hits import Hit
from routing.geography.weights import (BIRTHPLACE_FACTOR, W_CURRENT, W_HOMONYM_CONTEXT, W_HOMONYM_POPULATION,
                                       W_RESIDENCE)


class Resolution:
    """Mixin of ``Scan``: ``resolve`` turns the hits into evidence."""

    def resolve(self) -> dict[str, list[Evidence]]:
        self.drop_retracted()
        evidence: dict[str, list[Evidence]] = defaultdict(list)
        sure = [h for h in self.hits if len(h.candidates) == 1]
        for hit in sorted(self.hits, key=lambda h: h.start):
            text = self.text[hit.start:hit.end]
            if len(hit.candidates) == 1:
                (code,) = hit.candidates
                reason, weight = hit.reason, hit.weight
            else:
                code, reason, weight = self.choose_homonym(hit, sure)
            if self.is_birthplace(hit):
                reason, weight = "birthplace", round(weight * BIRTHPLACE_FACTOR, 3)
            evidence[code].append(Evidence(text, hit.start, hit.end, reason, weight))
        for hit in self.hits:
            code = None
            for reason, weight, cue in (("current-place", W_CURRENT, self.current_place_cue(hit)),
                                        ("residence", W_RESIDENCE, self.residence_cue(hit))):
                if cue is None:
                    continue
                code = code or next(c for c, items in evidence.items() if any(e.start == hit.start for e in items))
                evidence[code].append(Evidence(self.raws[cue], self.starts[cue], self.ends[cue], reason, weight))
        return evidence

    def nearest_sure_departement(self, hit: Hit, sure: list[Hit]) -> str | None:
        """The candidate département evidenced without ambiguity closest to the hit, if any."""
        if self.sure_starts is None:
            by_code: dict[str, list[int]] = defaultdict(list)
            for h in sure:
                by_code[next(iter(h.candidates))].append(h.start)
            self.sure_starts = {code: sorted(starts) for code, starts in by_code.items()}
        best, best_distance = None, None
        for code in hit.candidates:
            starts = self.sure_starts.get(code)
            if not starts:
                continue
            k = bisect_left(starts, hit.start)
            distance = min(abs(starts[j] - hit.start) for j in (k - 1, k) if 0 <= j < len(starts))
            if best_distance is None or distance < best_distance or (distance == best_distance and code < best):
                best, best_distance = code, distance
        return best

    def choose_homonym(self, hit: Hit, sure: list[Hit]) -> tuple[str, str, float]:
        if hit.linked:
            return hit.linked, hit.reason, hit.weight
        nearest = self.nearest_sure_departement(hit, sure)
        if nearest is not None:
            code = nearest
            if code == hit.default:
                return code, hit.reason, hit.weight
            return code, "commune-homonym-by-context", W_HOMONYM_CONTEXT
        if hit.default:
            return hit.default, hit.reason, hit.weight
        code = max(hit.candidates, key=lambda d: hit.candidates[d])
        return code, "commune-homonym-by-population", W_HOMONYM_POPULATION
