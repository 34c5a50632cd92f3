"""Pass 2: postal codes and département numbers ("75011", "dans le 93", "la CAF 93", "Montreuil (93)").

A number is a place only with a place context; amounts, identifiers, phone
numbers and dates are excluded first.
"""

from __future__ import annotations

from routing.geography.codes import departement_code, departement_from_postal_prefix, looks_like_phone_or_date
from routing.geography.hits import Hit
from routing.geography.vocabulary import (DEPARTEMENT_WORDS, IDENTIFIER_WORDS, MONTHS, NUMBER_BEFORE_DU,
                                          NUMBER_BEFORE_LE, ORGANISATION_WORDS, UNITS)
from routing.geography.weights import W_DEPARTEMENT, W_POSTAL, W_POSTAL_CONFIRMED


class NumberMentions:
    """Mixin of ``Scan``: the numbers not consumed by the name pass."""

    def scan_numbers(self) -> None:
        for i in self.digit_tokens:
            norm = self.norms[i]
            if self.consumed[i]:
                continue
            if norm.isdigit() and len(norm) == 5:
                self.try_postal_code(i)
            elif departement_code(norm) is not None:
                self.try_departement_number(i)

    def number_is_excluded(self, i: int) -> bool:
        if looks_like_phone_or_date(self, i):
            return True
        after = self.next(i)
        if after in UNITS or after in MONTHS:
            return True
        if (self.char_after(i) and self.char_after(i) in "€%$£") or self.gap_after(i).strip() in ("€", "%", "$", "£"):
            return True
        return any(self.prev(i, k) in IDENTIFIER_WORDS for k in (1, 2, 3))

    def try_postal_code(self, i: int) -> None:
        if self.number_is_excluded(i):
            return
        code = self.norms[i]
        entries = self.t.postal.get(code)
        following = self.name_hit_at_first.get(i + 1)
        if following is None and self.gap_before(i).strip(" ,(-") == "":  # 'Pantin (93500)', 'Pantin 93500'
            following = self.name_hit_at_last.get(i - 1)
        following_deps = set(following.candidates) if following else set()
        if entries:
            departements = {dep for _insee, dep, _pop in entries}
            confirmed = departements & following_deps
            if confirmed:
                chosen = max(confirmed, key=lambda d: max(p for _i, dd, p in entries if dd == d))
            else:
                chosen = max(entries, key=lambda e: e[2])[1]
            weight = W_POSTAL_CONFIRMED if confirmed else W_POSTAL
        else:
            prefix = departement_from_postal_prefix(code)
            if prefix is None or prefix not in following_deps:
                return  # unknown code (CEDEX...) accepted only when the commune that follows agrees
            chosen, weight, confirmed = prefix, W_POSTAL_CONFIRMED, {prefix}
        self.consumed[i] = True
        self.hits.append(Hit(i, i, self.starts[i], self.ends[i], "postal", {chosen: 0}, "postal-code", weight))
        if entries and following and not confirmed and following.first == i + 1 and following.reason == "commune":
            # '38670 Chasse sur Rhône' cut short to 'Chasse' (Sarthe): the postal code says where it is.
            self.hits.remove(following)
            del self.name_hit_at_first[following.first], self.name_hit_at_last[following.last]
            return
        if following and chosen in following.candidates:
            following.linked = chosen

    def try_departement_number(self, i: int) -> None:
        code = departement_code(self.norms[i])
        if code is None or self.number_is_excluded(i):
            return
        before, before2 = self.prev(i), self.prev(i, 2)
        accepted = (
            before in DEPARTEMENT_WORDS
            or (before in ("du", "de", "d", "n") and before2 in DEPARTEMENT_WORDS)
            or (before == "le" and before2 in NUMBER_BEFORE_LE)
            or (before == "le" and before2 in DEPARTEMENT_WORDS)
            or (before == "du" and before2 in NUMBER_BEFORE_DU and self.next(i) not in ("au", "a", "et"))
            or (before == "en" and before2 in DEPARTEMENT_WORDS)
            or (before in ORGANISATION_WORDS and self.gap_before(i).strip(" -:") == "")
            or self.parenthesised_after_word(i)
        )
        if not accepted:
            return
        self.consumed[i] = True
        self.hits.append(Hit(i, i, self.starts[i], self.ends[i], "number", {code: 0},
                             "departement-number", W_DEPARTEMENT))

    def parenthesised_after_word(self, i: int) -> bool:
        if i == 0 or self.char_before(i) != "(" or self.char_after(i) != ")":
            return False
        previous = self.raws[i - 1]
        return previous[:1].isupper() and not previous.isdigit()
