"""Which numbers are département codes, and which are phone numbers, dates or times instead.

Shared by the name pass (a number next to a name fixes a homonym) and the
number pass (postal codes and "dans le 93").
"""

from __future__ import annotations

from routing.geography.hits import TokenView
from routing.geography.tables import tables



_DEPARTEMENT_CODES: frozenset[str] | None = None


def departement_code(norm: str) -> str | None:
    global _DEPARTEMENT_CODES
    if _DEPARTEMENT_CODES is None:
        _DEPARTEMENT_CODES = frozenset(tables().departements)
    code = norm.upper()
    return code if code in _DEPARTEMENT_CODES else None


def departement_from_postal_prefix(code: str) -> str | None:
    if code.startswith("97"):
        return code[:3] if departement_code(code[:3]) else None
    if code.startswith("20"):
        return "2A" if code[:3] in ("200", "201") else "2B"
    return departement_code(code[:2])


def looks_like_phone_or_date(scan: TokenView, i: int) -> bool:
    """Digits glued to other digits by '/', ':', '.', '-' or in 2-digit groups are dates, times or phones."""
    before, after = scan.char_before(i), scan.char_after(i)
    if (before and before in "/:+") or (after and after in "/:"):
        return True
    if after in ".,-" and scan.next(i)[:1].isdigit() and scan.gap_after(i) in (".", ",", "-"):
        return True
    if before in ".,-" and scan.prev(i)[:1].isdigit() and scan.gap_before(i) in (".", ",", "-"):
        return True
    neighbours = 0
    if i > 0 and scan.prev(i).isdigit() and scan.gap_before(i).strip(" .-") == "" and len(scan.gap_before(i)) <= 2:
        neighbours += 1
    if scan.next(i).isdigit() and scan.gap_after(i).strip(" .-") == "" and len(scan.gap_after(i)) <= 2:
        neighbours += 1
    if len(scan.norms[i]) == 5:  # '12345 678': part of a longer identifier
        return (i > 0 and scan.prev(i).isdigit() and scan.gap_before(i) == " ") or (
            scan.next(i).isdigit() and scan.gap_after(i) == " ")
    return neighbours > 0 and len(scan.norms[i]) == 2
