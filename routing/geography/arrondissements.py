"""Paris, Lyon and Marseille arrondissements: "Marseille 13e", "Paris XVe", "dans le 15e".

An arrondissement is a sure département (the city's), so it also helps to pick
homonyms elsewhere in the text.
"""

from __future__ import annotations

from routing.geography.hits import Hit, TokenView
from routing.geography.vocabulary import (ARRONDISSEMENT_SUFFIX_RE, NUMBER_BEFORE_LE, ROMAN_RE, ROMAN_VALUES)
from routing.geography.weights import W_ARRONDISSEMENT



class Arrondissements:
    """Mixin of ``Scan``: arrondissements after a city name, or alone ("dans le 15e")."""

    def match_arrondissement_after(self, first: int, last: int, plm: tuple[str, frozenset[int]]) -> bool:
        j = last + 1
        if j >= self.n or self.gap_after(last).strip(" ,-") != "":
            return False
        number, end_index = arrondissement_number(self, j)
        if number is None or number not in plm[1]:
            return False
        if end_index == j and self.norms[j].isdigit() and len(self.norms[j]) > 2:
            return False
        self.mark(first, end_index)
        self.hits.append(Hit(first, end_index, self.starts[first], self.ends[end_index], "arrondissement",
                             {plm[0]: 0}, "city-arrondissement", W_ARRONDISSEMENT))
        return True

    def scan_lone_arrondissements(self) -> None:
        """'dans le 15e', '3e arrondissement': the PLM city named in the text, else Paris."""
        for i in self.digit_tokens:
            norm = self.norms[i]
            if self.consumed[i]:
                continue
            match = ARRONDISSEMENT_SUFFIX_RE.match(norm)
            if not match:
                continue
            suffix = match.group(2)
            number = int(match.group(1))
            end_index = i
            if not suffix and self.next(i) in ("e", "er", "eme", "ieme", "em"):
                suffix, end_index = self.next(i), i + 1
            if not suffix:
                continue
            followed = self.next(end_index) in ("arrondissement", "arr", "arrt", "arrdt")
            preceded = self.prev(i) == "le" and self.prev(i, 2) in NUMBER_BEFORE_LE
            if not (followed or preceded):
                continue
            departement = self.city_for_arrondissement(number)
            if departement is None:
                continue
            if followed:
                end_index += 1
            self.mark(i, end_index)
            self.hits.append(Hit(i, end_index, self.starts[i], self.ends[end_index], "arrondissement",
                                 {departement: 0}, "city-arrondissement", W_ARRONDISSEMENT))

    def city_for_arrondissement(self, number: int) -> str | None:
        if self.mentioned_cities is None:
            self.mentioned_cities = {self.norms[h.first] for h in self.hits if h.kind in ("name", "arrondissement")}
        mentioned = self.mentioned_cities
        ordered = sorted(self.t.plm.items(), key=lambda item: (item[0] not in mentioned, -max(item[1][1])))
        for _city, (departement, numbers) in ordered:
            if number in numbers:
                return departement
        return None


def arrondissement_number(scan: TokenView, j: int) -> tuple[int | None, int]:
    norm = scan.norms[j]
    match = ARRONDISSEMENT_SUFFIX_RE.match(norm)
    end_index = j
    if match:
        number = int(match.group(1))
        if not match.group(2) and scan.next(j) in ("e", "er", "eme", "ieme", "em"):
            end_index = j + 1
    else:
        roman = ROMAN_RE.match(norm)
        if not roman:
            return None, j
        number = roman_to_int(roman.group(1))
    if scan.next(end_index) in ("arrondissement", "arr", "arrt", "arrdt"):
        end_index += 1
    return number, end_index


def roman_to_int(roman: str) -> int:
    total, previous = 0, 0
    for ch in reversed(roman):
        value = ROMAN_VALUES[ch]
        total += -value if value < previous else value
        previous = max(previous, value)
    return total
