"""Denials ("ce n'est pas la CAF", "pas de RSA, je touche l'AAH"), told apart from complaints.

"Toujours pas de RSA" or "je n'ai pas reçu de réponse de la CAF" complain about
an organisation that is involved: only a denial turns a mention against it.
"""

from __future__ import annotations

import re

from routing.classify.text import TOKEN

_SKIP = frozenset(
    "a au aux la le l les de d du des un une mon ma mes son sa ses notre nos votre vos leur leurs "
    "en chez avec par pour cette ce cet ces".split()
)
_COPULA_NEGATION = re.compile(
    r"\b(?:n est|ne sont|ne suis|s agit|ne concerne|ne releve|ne depend|ne vient|ne parle|n ai rien a voir)"
    r" (?:pas|plus)\b"
)
_DENIED_PROBLEM = re.compile(
    r"(?:\b(?:pas|aucun|plus) (?:de |d )?(?:probleme|souci|litige|difficulte|question)s? (?:avec|de|du|d|cote)"
    r"|\bne (?:demande|demandons|reclame|reclamons) rien (?:a|au|aux))(?: (?:la|le|l|les))?\s*$"
)
_DENIAL_FOLLOWUP = re.compile(
    r"[\s,|]{0,4}(?:c est|ce sont|mais|plutot|je touche|je percois|j ai|il s agit|seulement|uniquement|"
    r"mon probleme|ma question|ma demande|le probleme)\b"
)
_NOT_NEGATING_BEFORE_PAS = frozenset({"toujours", "encore", "jamais", "rien"})
_NOT_NEGATING_AFTER_PAS = frozenset(
    "normal normale accord que qui possible logique acceptable juste recu eu touche verse paye".split()
)


def is_negated(norm: str, start: int, end: int | None = None) -> bool:
    """True when the words just before ``start`` deny the match.

    Denials: "ce n'est pas la CAF", "il ne s'agit pas de ...", "je ne suis pas
    à la MSA", "pas de RSA", "non pas la CAF". Complaints are not denials:
    "toujours pas de RSA", "je n'ai pas reçu de réponse de la CAF", "ce n'est
    pas normal que la CAF ...".
    """
    clause = norm[max(0, start - 80) : start]
    cut = max(clause.rfind("|"), clause.rfind(","))
    after_comma = cut >= 0 and clause[cut] == ","
    words = TOKEN.findall(clause[cut + 1 :])
    core = [w for w in words if w not in _SKIP]
    if not core:
        return False
    if _DENIED_PROBLEM.search(" ".join(words)):  # "je n'ai pas de problème avec la CAF"
        return True
    if core[-1] == "non":
        return True
    if core[-1] == "ni" and ("pas" in words or _COPULA_NEGATION.search(" ".join(words))):
        return True  # "ce n'est pas une question d'argent ni de CAF"
    if "pas" not in words:
        return False
    at = len(words) - 1 - words[::-1].index("pas")
    before = words[at - 1] if at >= 1 else ""
    after = words[at + 1 :]
    after_core = [w for w in after if w not in _SKIP]
    if before in _NOT_NEGATING_BEFORE_PAS or any(w in _NOT_NEGATING_AFTER_PAS for w in after_core):
        return False
    copula = bool(_COPULA_NEGATION.search(" ".join(words[max(0, at - 4) : at + 1])))
    if not after_core:  # "pas de RSA", "ce n'est pas la CAF"
        if copula:
            return True
        # "pas de RSA, je touche l'AAH" denies; "pas de RSA depuis mars", "pas de carte Vitale et pas
        # de remboursements" complain: only a following contrast makes "pas de X" a denial.
        contrast = end is not None and _DENIAL_FOLLOWUP.match(norm, end)
        opposed = after_comma and at == 0  # "ce dossier relève de France Travail, pas de la CPAM"
        return bool(after and after[0] in ("de", "d", "du", "des")) and bool(contrast or opposed)
    return copula and len(after_core) <= 2  # "ce n'est pas un problème avec la CAF"
