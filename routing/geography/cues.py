"""What the person says about a place: home ("je vis à"), birthplace ("né à"), current place, taken back.

These words change the weight of a place, not which département it is.
"""

from __future__ import annotations

from routing.geography.hits import Hit
from routing.geography.vocabulary import (ARTICLES, BIRTH_WORDS, CORRECTION_WORDS, FORMER_RESIDENCE_VERBS, NOW_WORDS,
                                          PLACE_PREPOSITIONS, RESIDENCE_VERBS, RETRACTION_WORDS)


class PlaceCues:
    """Mixin of ``Scan``: cue words around a hit."""

    def drop_retracted(self) -> None:
        """'J'habite Colmar... enfin Strasbourg': the person corrects themself; Colmar is withdrawn."""
        for hit in list(self.hits):
            k = hit.first - 1
            if hit.kind != "name" or k < 1 or self.norms[k] not in RETRACTION_WORDS:
                continue
            for j in (k - 1, k - 2):
                retracted = self.name_hit_at_last.get(j)
                if retracted is not None and retracted in self.hits and retracted is not hit:
                    self.hits.remove(retracted)
                    break

    def residence_cue(self, hit: Hit) -> int | None:
        """'je vis à Lyon', 'j'habite Marseille': the verb that makes the place the person's home."""
        if hit.kind not in ("name", "arrondissement", "fuzzy"):
            return None
        k = hit.first - 1
        if k >= 1 and self.norms[k] in ARTICLES:
            k -= 1
        if k >= 1 and self.norms[k] in PLACE_PREPOSITIONS:
            k -= 1
        word = self.norms[k] if k >= 0 else ""
        return k if word in RESIDENCE_VERBS and word not in FORMER_RESIDENCE_VERBS else None

    def is_birthplace(self, hit: Hit) -> bool:
        """'Né à Paris', 'originaire du Nord': where the person comes from, not where they live."""
        k = hit.first - 1
        if k >= 1 and self.norms[k] in ARTICLES:
            k -= 1
        if k >= 1 and self.norms[k] in PLACE_PREPOSITIONS | {"de", "du", "d"}:
            k -= 1
        return k >= 0 and self.norms[k] in BIRTH_WORDS

    def current_place_cue(self, hit: Hit) -> int | None:
        """'J'habite Colmar... enfin Strasbourg maintenant': the place said to be the current one."""
        if hit.kind not in ("name", "arrondissement"):
            return None
        k = hit.last + 1
        if k < self.n and self.norms[k] in NOW_WORDS and self.gap_before(k).strip(" .") == "":
            return k
        k = hit.first - 1
        if k >= 1 and self.norms[k] in PLACE_PREPOSITIONS:
            k -= 1
        if k >= 0 and self.norms[k] in CORRECTION_WORDS and self.gap_after(k).strip(" ,:") == "":
            return k
        return None
