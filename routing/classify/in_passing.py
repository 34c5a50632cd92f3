"""Mentions that are not the request: "la mairie m'a orientée vers vous", "c'est réglé depuis", status as background.

Such a mention tells the story of the case; it weighs little (in passing,
settled) or half (a status given as background: "alors que je suis au RSA").
"""

from __future__ import annotations

import re

from routing.classify.text import TOKEN

_CONCESSION = re.compile(
    r"\b(?:alors que|bien que|meme si|puisque) (?:je|j|nous|il|elle) (?:suis|sommes|est|etais|touche|touchons|percois|"
    r"beneficie|beneficions) "
)
_IN_PASSING_AFTER = re.compile(
    r"^[^|]{0,40}?\b(?:m|nous|l|les|me)\s*(?:a|ont|avait|avaient)?\s*"
    r"(?:oriente|orientee|orientes|renvoye|renvoyee|renvoie|renvoient|redirige|redirigee|dirige|dirigee|"
    r"conseille|conseillee|envoie vers|envoye vers|envoyee vers|donne votre|donne vos|transmis votre|"
    r"parle de vous|indique votre|dit d appeler|dit de contacter|dit de voir|dit de m adresser|dit de vous|"
    r"dit d ecrire|dit d aller|dit de passer|dit de me tourner|dit que ce n etait pas|dit que ca ne|"
    r"dit que cela ne|dit que c etait a)\b"
    r"|^[^|]{0,20}?\bqui (?:m|nous) (?:a|ont|avait|avaient) (?:repondu|dit|conseille|conseillee|oriente|orientee|renvoye|renvoyee)\b"
    r"|^[^|]{0,50}?\bne (?:peut|peuvent|pouvait|pouvaient|pourra|pourront) (?:pas |rien |plus )?"
    r"(?:m aider|nous aider|rien pour moi|rien pour nous|rien faire pour)"
)
_IN_PASSING_BEFORE = re.compile(
    r"\b(?:oriente|orientee|orientes|envoye|envoyee|adresse|adressee|recommande|recommandee) (?:par|vers vous par)"
    r"|\bconseils? d|\bde la part d|\bdeja (?:appele|contacte|ecrit|relance|vu|ete|passe|essaye|tente)"
    r"|\bcomme (?:me l a|l a) dit|\b(?:transmis|transmise|signale|signalee|relaye|relayee) par"
    r"|\b(?:demande|demandee|demandes|demandees|exige|exigee|exiges|exigees) par (?:la |le |l |les )?$"
)
_SETTLED = re.compile(  # not "la facture a été réglée": paid is not settled
    r"\b(?:c est|c etait|tout est|tout a ete|ca a ete|cela a ete) (?:regle|resolu|solde|arrange|termine)\b"
    r"|\b(?:a ete|ont ete|est|sont) (?:resolu|resolue|arrange|arrangee)s?\b"
    r"|\btout va bien\b|\bca va bien\b|\bva tres bien\b"
)
_CONTRAST = re.compile(r"\b(?:mais|par contre|en revanche|cependant|sauf|pourtant|toutefois)\b")
_NO_LONGER_INVOLVED = re.compile(
    r"^[^|]{0,20}?\bne (?:me|nous|le|la|les) (?:suit|suivent|suivait|accompagne|accompagnent) plus\b"
    r"|^[^|]{0,20}?\bne s occupent? plus d"
)
_TOWARDS = re.compile(r"\b(?:vers|aupres d[eu]?|contacter|appeler|joindre|saisir)\s*(?:(?:la|le|l|les|de|du|des)\s*)*$")


#: A hospital named as the place of a stay ("hospitalisé au CHU de Rouen", "opéré à
#: l'hôpital de Lyon", "j'ai accouché à la clinique"): the story of the case,
#: not an organisation that must act ("l'hôpital me réclame une facture" still is).
_STAY_BEFORE = re.compile(
    r"\b(?:hospitalise|hospitalisee|hospitalises|hospitalisees|opere|operee|soigne|soignee|soignes|accouche|accouchee|"
    r"sejour|sejourne|operation|intervention|hospitalisation) (?:au|aux|a l|a la|dans l|dans le|en)\s*$"
)
_HOSPITAL_WORDS = re.compile(r"hopita|\bchu\b|\bchr\b|clinique|hospitali|urgence|centre hospitalier|maternite")
_STAY_WORDS = frozenset({"hospitalise", "hospitalisee", "hospitalises", "hospitalisees", "hospitalisation"})


def is_place_of_stay(norm: str, start: int, end: int) -> bool:
    """True for a hospital given as where a stay happened, or for the stay word itself."""
    if not _HOSPITAL_WORDS.search(norm[start:end]):
        return False
    if norm[start:end].strip() in _STAY_WORDS:
        return True
    return bool(_STAY_BEFORE.search(norm[max(0, start - 40) : start]))


def is_concession(norm: str, start: int) -> bool:
    """True for a status given as background: "... alors que je suis au RSA"."""
    clause = norm[max(0, start - 40) : start]
    clause = clause[max(clause.rfind("|"), clause.rfind(",")) + 1 :]
    return bool(_CONCESSION.search(clause))


def is_in_passing(norm: str, start: int, end: int, next_start: int) -> bool:
    """True for a mention that is not the request ("X m'a orientée vers vous")."""
    if is_place_of_stay(norm, start, end):
        return True
    before = _clause_before(norm, start)
    if _TOWARDS.search(before):
        return False  # "... m'a orientée vers la CPAM": the CPAM is where the request goes
    after = norm[end : min(next_start, end + 80)]
    if _IN_PASSING_AFTER.search(after) or _NO_LONGER_INVOLVED.match(after):
        return True
    if _IN_PASSING_BEFORE.search(before):
        return True
    return is_settled(norm, end)


def _clause_before(norm: str, start: int) -> str:
    """The clause a mention stands in, back to a sentence break or a comma.

    A short segment before a comma is part of a list and the clause goes on
    ("j'ai déjà appelé la CAF, la CPAM et la mairie"); a longer one is a new
    clause ("..., elles m'ont dit que l'APA relève du département").
    """
    window = norm[max(0, start - 60) : start]
    window = window[window.rfind("|") + 1 :]
    segments = window.split(",")
    kept = [segments.pop()]
    while segments and len(TOKEN.findall(kept[0])) <= 4:
        kept.insert(0, segments.pop())
    return ",".join(kept)


def is_settled(norm: str, end: int) -> bool:
    """True when the rest of the sentence says that matter is over.

    "J'ai eu des soucis avec la CAF pour mes APL, c'est réglé depuis", "un dossier
    de surendettement il y a dix ans, tout est soldé" — unless a contrast comes
    first ("... la CPAM est réglé mais la CAF ne suit pas": the CAF stays).
    """
    stop = norm.find("|", end)
    rest = norm[end : stop if stop >= 0 else len(norm)][:120]
    found = _SETTLED.search(rest)
    return bool(found) and not _CONTRAST.search(rest[: found.start()])
