"""Pass 1: names of départements, régions and communes, with the gates that keep common words out.

Each accepted name becomes a ``Hit`` with its competing départements; the
homonym is chosen later (``resolution.py``), once the whole text is read.
"""

from __future__ import annotations

from routing.geography.codes import departement_code, looks_like_phone_or_date
from routing.geography.name_facts import KeyInfo, competing, key_info
from routing.geography.tables import Place
from routing.geography.text import ABBREVIATIONS
from routing.geography.hits import Hit
from routing.geography.vocabulary import (ARTICLES, COMMON_AFTER_RESIDENCE_MIN_POPULATION, DEPARTEMENT_EXTRA_CONTEXT,
                                          DEPARTEMENT_WORDS, MEETING_FOLLOWERS, NAME_BREAKS, NAMING_WORDS,
                                          OFFICE_HEADS, ORGANISATION_WORDS, PLACE_PREPOSITIONS, RESIDENCE_VERBS,
                                          SENTENCE_BREAKS)
from routing.geography.weights import W_COMMUNE, W_COMMUNE_SMALL, W_DEPARTEMENT, W_SHORT


class NameMentions:
    """Mixin of ``Scan``: finds names; ``has_context`` and the token helpers come from ``TokenContext``."""

    def scan_names(self) -> None:
        names, prefixes, norms, n = self.t.names, self.t.prefixes, self.norms, self.n
        first_words = self.t.first_words
        free_from = 0
        for i in [k for k, word in enumerate(norms) if word in first_words]:
            if i < free_from:
                continue
            # Walk the n-grams starting here while they are prefixes of some name (a trie walk on
            # a set of prefixes), then try the names found, longest first.
            key, j, found = norms[i], i, []
            while True:
                if key in names:
                    found.append((j, key))
                if j + 1 >= n or key not in prefixes:
                    break
                j += 1
                key = f"{key} {norms[j]}"
            matched = 0
            for last, name in reversed(found):
                if self.accept_name(name, names[name], i, last):
                    matched = last - i + 1
                    break
            if matched:
                for k in range(i, i + matched):
                    self.consumed[k] = True
                free_from = i + matched

    def accept_name(self, key: str, places: list[Place], first: int, last: int) -> bool:
        """Apply the rules of the module docstring; record the hit when accepted.

        True also when the name is consumed without yielding an area (a région), so that its words
        are not read again as shorter names ("Pays de la Loire" is not the Loire).
        """
        info = key_info(key, places)
        if not self.may_be_a_place_name(info, first, last):
            return False
        if info.region_only:
            return True  # consumed, no area: a région is not a département
        plm = self.t.plm.get(key)
        if plm and self.match_arrondissement_after(first, last, plm):
            return True
        if self.gap_after(last) == "-" and last + 1 < self.n and self.raws[last + 1].isalpha():
            return False  # 'Saint-Pierre-et-Miquelon', 'Saint-Vincent-et-les-Grenadines': a longer, other name
        capitalised = self.is_capitalised(first, last)
        if info.departement is not None and self.accept_departement_name(key, info, first, last, capitalised):
            return True
        return self.accept_commune_name(info, first, last, capitalised)

    def may_be_a_place_name(self, info: KeyInfo, first: int, last: int) -> bool:
        """The cheap refusals first: a common word in lower case, a bare name without its article, a street
        or a person's name, a name cut by a line or sentence break."""
        if info.lowercase_is_never_a_place and not self.raws[first][:1].isupper():
            return False  # the bulk of the candidates: "pas", "son", "titre" in lower case
        if info.bare_only and self.prev(first) not in info.bare_only:
            return False
        if self.in_street_or_person_name(first):
            return False
        for span in range(first, last):  # a name does not run across a line or a sentence
            gap = self.gap_after(span)
            if not NAME_BREAKS.isdisjoint(gap) or ("." in gap and self.raws[span].lower() not in ABBREVIATIONS):
                return False
        return True

    def accept_departement_name(self, key: str, info: KeyInfo, first: int, last: int, capitalised: bool) -> bool:
        """A département name, with its gate; when refused, the same words may still be a commune."""
        dep = info.departement
        # No office context here: 'l'hôpital Nord de Marseille' is not the Nord.
        context = (self.has_context(first, last, DEPARTEMENT_EXTRA_CONTEXT, offices=False)
                   and not self.inside_proper_name(first))
        overseas = dep.code.startswith("97") and (not dep.common or self.lowercase_overseas(first, last, context))
        if not (overseas or self.passes_gate(dep.common, info.content_words, capitalised, context, 0, True)):
            return False
        reason = "overseas-name" if dep.code.startswith("97") else "departement-name"
        # 'J'habite Vienne en Isère': without an article, the name may be the commune (38), not the
        # département (86); the context decides, the département otherwise.
        towns = [] if self.prev(first) in ARTICLES or key.split(" ")[0] in ARTICLES else info.towns_elsewhere
        self.add_name_hit(first, last, [dep, *towns], reason, W_DEPARTEMENT)
        if towns:
            self.hits[-1].default = dep.code
        return True

    def accept_commune_name(self, info: KeyInfo, first: int, last: int, capitalised: bool) -> bool:
        """A commune name (or a former commune, or a town's short name), with its gate."""
        exact, bare = self.competing_communes(info, first)
        if not exact:
            return False
        words = info.content_words
        best = max(exact, key=lambda p: p.population)
        population = best.population
        common = any(p.common for p in exact)
        context = bare or self.has_context(first, last)
        if info.tiny:  # 'Y', 'Eu', 'Us': title case only ('EU', 'en-US' are not places)
            raw = self.raws[first]
            accepted = raw[:1].isupper() and raw[1:].islower() == bool(raw[1:]) and context
        else:
            residence = common and not capitalised and self.after_residence_verb(first)
            accepted = self.passes_gate(common, words, capitalised, context, population, False, residence)
        if (accepted and not context and words == 1 and population < 150_000
                and self.looks_like_a_person(first, last)):
            accepted = False
        if not accepted:
            return False
        if best.kind == "short":
            reason, weight = "commune-short-name", W_SHORT
        else:
            reason, weight = "commune", (W_COMMUNE if population >= 10_000 else W_COMMUNE_SMALL)
        self.add_name_hit(first, last, list(exact), reason, weight)
        return True

    def competing_communes(self, info: KeyInfo, first: int) -> tuple[tuple[Place, ...] | list[Place], bool]:
        """The communes this name may be, and whether it was written in its bare form ('au Havre')."""
        if not info.has_bare:
            return info.candidates, False
        previous = self.prev(first)
        communes = [p for p in info.communes if not p.needs_previous or previous in p.needs_previous]
        return competing(communes), any(p.needs_previous for p in communes)

    def inside_proper_name(self, first: int) -> bool:
        """'Corée du Nord', 'Irlande du Nord', 'Gare du Nord': 'du' links two parts of another proper name,
        unlike 'CAF du Nord' or 'Conseil départemental du Nord'."""
        if self.prev(first) not in ("du", "de", "d", "des"):
            return False
        head = self.raws[first - 2] if first >= 2 else ""
        if first - 2 in self.name_hit_at_last:  # 'Saint-Denis de La Réunion': a town, then its département
            return False
        if first == 2 or not SENTENCE_BREAKS.isdisjoint(self.gap_before(first - 2)) or ":" in self.gap_before(first - 2):
            return False  # 'Originaire du Nord, ...': a capital that only starts the sentence
        return (head[:1].isupper() and not head.isupper() and self.norms[first - 2] not in ORGANISATION_WORDS
                and self.norms[first - 2] not in DEPARTEMENT_WORDS and self.norms[first - 2] not in OFFICE_HEADS)

    def looks_like_a_person(self, first: int, last: int) -> bool:
        """'Nancy Martin', 'je m'appelle Florence': a first name, not a town."""
        if self.prev(first) in NAMING_WORDS:
            return True
        following = self.raws[last + 1] if last + 1 < self.n else ""
        return (following[:1].isupper() and following.isalpha() and self.gap_after(last) == " "
                and self.norms[last + 1] != "cedex")

    def lowercase_overseas(self, first: int, last: int, context: bool) -> bool:
        """'on est au tampon a la reunion': a place, unlike 'à la réunion de parents'."""
        return context and self.prev(first) in ("a", "en", "de", "sur") and self.next(last) not in MEETING_FOLLOWERS

    def after_residence_verb(self, first: int) -> bool:
        """'jabite au port', 'je vis a tours': a verb of residence, a preposition (and article), the name."""
        k = 1
        if self.prev(first, k) in ARTICLES:
            k += 1
        return self.prev(first, k) in PLACE_PREPOSITIONS and self.prev(first, k + 1) in RESIDENCE_VERBS

    @staticmethod
    def passes_gate(common: bool, words: int, capitalised: bool, context: bool, population: int,
                    departement: bool, residence: bool = False) -> bool:
        if common:
            if words >= 2:
                return capitalised or context
            return ((capitalised and context) or (population >= 100_000 and context)
                    or (population >= COMMON_AFTER_RESIDENCE_MIN_POPULATION and residence))
        if words >= 2:
            return True
        if departement:
            return context
        return context or (capitalised and population >= 20_000) or population >= 50_000

    def add_name_hit(self, first: int, last: int, places: list[Place], reason: str, weight: float) -> None:
        candidates: dict[str, int] = {}
        for p in places:
            candidates[p.departement] = max(candidates.get(p.departement, -1), p.population)
        hit = Hit(first, last, self.starts[first], self.ends[last], "name", candidates, reason, weight, places)
        self.hits.append(hit)
        self.name_hit_at_first[first] = hit
        self.name_hit_at_last[last] = hit
        self.link_following_number(hit)

    def link_following_number(self, hit: Hit) -> None:
        """'Montreuil (93)', 'Saint-Denis 974', 'Valence, 26': the number fixes the homonym."""
        j = hit.last + 1
        if j >= self.n or self.consumed[j]:
            return
        gap = self.gap_after(hit.last)
        if gap.strip(" ,-–(\t") != "":
            return
        code = departement_code(self.norms[j])
        if code is None or looks_like_phone_or_date(self, j):
            return
        if "(" not in gap and code not in hit.candidates:
            return
        self.consumed[j] = True
        self.hits.append(Hit(j, j, self.starts[j], self.ends[j], "number", {code: 0},
                             "departement-number", W_DEPARTEMENT))
        if code in hit.candidates:
            hit.linked = code
