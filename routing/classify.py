"""Decide which organisations a request involves, with the words that say so.

How it works (details and measured scores in docs/routing.md):

1. The analysed text is ``subject + "\\n" + text``. It is normalised for matching
   (unidecode, lower case, punctuation to spaces) while keeping, for every
   normalised character, its offset in the analysed text: evidence always points
   at the words the person wrote.
2. Words are tokenised and looked up in a dictionary built from the catalog
   (first word -> candidate phrases, longest first): one linear pass, a few
   dictionary look-ups per word. Written by hand rather than with an
   Aho-Corasick library because the phrase matcher has to work on word tokens
   with optional plurals and a one-typo tolerance, which such libraries do not do,
   and it measures well under a millisecond per mail.
3. Each match is weighed by its context: a request (1.0, or 0.5 for a hint), a
   negation ("ce n'est pas la CAF", "pas de RSA": negative), a mention in passing
   ("la mairie m'a orientée vers vous", "la CAF m'a dit d'appeler la CPAM":
   0.15), the writer's own signature (0.3), the subject (x1.2). The sender's
   domain adds 0.5 for the agent's organisation.
4. Benefits give their weight to every organisation that handles them (AAH ->
   MDPH and CAF). When the MSA is named, regime benefits (RSA, IJ, retraite, ...)
   go to the MSA instead. CARSAT and CNAV are pooled and split by area: CNAV for
   Île-de-France (75, 77, 78, 91-95), CARSAT elsewhere, both for a move between
   the two; with no area, CARSAT (or CNAV when the mail names it) at a lower
   confidence so that the case is likely triaged.
5. Organisations whose raw weight reaches ``SELECT_MIN`` and ``SELECT_RATIO`` of
   the best are selected, best first. Confidence is ``1 - exp(-best raw weight)``,
   lowered when the retirement area is unknown; below ``THRESHOLD`` the decision
   asks for triage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable

from unidecode import unidecode

from routing.catalog import WEAK_WEIGHT, Catalog, load_catalog
from routing.decision import AreaMatch, Decision, Evidence, OrganisationScore

try:  # written by the routing-geo helper; the classifier works without it.
    from routing.geography import find_areas as _geo_find_areas
except ImportError:  # pragma: no cover - depends on the other module being present
    _geo_find_areas = None

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

WEIGHT_IN_PASSING = 0.15
WEIGHT_NEGATED = -0.6
SIGNATURE_FACTOR = 0.3
CONCESSION_FACTOR = 0.5
SUBJECT_FACTOR = 1.2
SENDER_DOMAIN_WEIGHT = 0.5
SENDER_DOMAIN_ALONE_WEIGHT = 0.25
FUZZY_FACTOR = 0.8
UNKNOWN_RETIREMENT_AREA_FACTOR = 0.75

#: Only the beginning of a very long mail is read: the request is stated early,
#: and the matcher stays fast on a 10 MB paste (offsets are unaffected).
MAX_ANALYSED_CHARS = 30_000
#: Mentions past this count add nothing but time (a pasted list of 7,000 "CAF").
MAX_MATCHES = 300

ILE_DE_FRANCE = frozenset({"75", "77", "78", "91", "92", "93", "94", "95"})
RETIREMENT = ("CARSAT", "CNAV")
REGIME_GENERAL = frozenset({"CAF", "CPAM", "CARSAT", "CNAV"})

# ------------------------------------------------------------------ normalising

_HARD_BREAKS = ".;:!?\n\r()[]"
_ASCII_TABLE = {
    i: (chr(i).lower() if chr(i).isalnum() else ("|" if chr(i) in _HARD_BREAKS else ("," if chr(i) == "," else " ")))
    for i in range(128)
}
_TOKEN = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Lower-case ASCII copy of ``text`` and, per character, its offset in ``text``.

    Letters and digits survive (accents removed), sentence punctuation becomes
    ``|``, commas stay, anything else becomes a space. ``None`` as the offset list
    means the identity (pure ASCII input: the common fast path).
    """
    if text.isascii():
        return text.translate(_ASCII_TABLE), None
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            chars.append(_ASCII_TABLE[ord(char)])
            offsets.append(index)
            continue
        for out in _fold(char):
            chars.append(out if out.isalnum() and out.isascii() else ("|" if out in _HARD_BREAKS else " "))
            offsets.append(index)
    return "".join(chars), offsets


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """ASCII lower-case transliteration of one character (surrogates dropped)."""
    if 0xD800 <= ord(char) <= 0xDFFF:
        return " "
    return unidecode(char).lower()


def canonical(word: str) -> str:
    """Word key for matching: a final plural s/x is optional on words over 3 letters."""
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def phrase_key(term: str) -> tuple[str, ...]:
    norm, _ = normalise(term)
    return tuple(canonical(w) for w in _TOKEN.findall(norm))


# ------------------------------------------------------------------ the matcher


@dataclass(frozen=True)
class Entry:
    """What a phrase means: an organisation name, a benefit, a helper, or nothing."""

    kind: str  # "org", "benefit", "helper", "ignore"
    code: str
    weight: float
    reason: str
    upper_only: bool = False
    capitalised: bool = False  # "le Département" (the council), not "le département" (the place)


@dataclass
class Match:
    start_token: int
    end_token: int
    entries: tuple[Entry, ...]
    fuzzy: bool = False


class Matcher:
    """Phrase dictionary over word tokens, built once per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        phrases: dict[tuple[str, ...], list[Entry]] = {}

        def add(term: str, entry: Entry) -> None:
            key = phrase_key(term)
            if key:
                phrases.setdefault(key, []).append(entry)

        for org in catalog.organisations.values():
            kind = "helper" if org.helper else "org"
            upper = set(org.upper_only)
            for term in org.aliases:
                add(term, Entry(kind, org.code, 1.0, "alias"))
            for term in org.weak:
                add(term, Entry(kind, org.code, WEAK_WEIGHT, "hint"))
            for term in org.acronyms:
                add(term, Entry(kind, org.code, 1.0, "acronym", term in upper))
            for term in org.capitalised:
                add(term, Entry(kind, org.code, 1.0, "alias", capitalised=True))
        for benefit in catalog.benefits.values():
            upper = set(benefit.upper_only)
            for term in benefit.terms:
                add(term, Entry("benefit", benefit.code, benefit.weight, f"benefit:{benefit.code}", term in upper))
            for term in benefit.weak:
                add(term, Entry("benefit", benefit.code, WEAK_WEIGHT, f"benefit:{benefit.code}", term in upper))
        for term in catalog.ignore:
            add(term, Entry("ignore", "", 0.0, "ignore"))

        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[Entry, ...]]]] = {}
        for key, entries in phrases.items():
            self.by_first.setdefault(key[0], []).append((key, tuple(_dedupe(entries))))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))
        self.vocabulary = {w for key in phrases for w in key if len(w) >= 6}
        self.one_edit: dict[str, str | None] = {}
        for word in self.vocabulary:
            for variant in _deletions(word):
                previous = self.one_edit.get(variant, word)
                self.one_edit[variant] = word if previous == word else None

    def correct(self, word: str) -> str | None:
        """The vocabulary word one typo away from ``word`` (7+ letters), if unique."""
        if not 7 <= len(word) <= 24 or word in self.vocabulary:
            return None
        found: set[str] = set()
        target = self.one_edit.get(word)  # a letter is missing
        if target:
            found.add(target)
        for variant in _deletions(word):
            if variant in self.vocabulary:  # a letter too many
                found.add(variant)
            target = self.one_edit.get(variant)  # a letter replaced
            if target and target != word:
                found.add(target)
        found = {target for target in found if _plausible_typo(word, target)}
        return found.pop() if len(found) == 1 else None

    def scan(self, words: list[str]) -> list[Match]:
        """Longest non-overlapping phrase matches over the token list."""
        candidates: list[Match] = []
        for i, word in enumerate(words):
            options = self.by_first.get(word)
            fuzzy = False
            if options is None:
                fixed = self.correct(word)
                if fixed is None:
                    continue
                options = self.by_first.get(fixed)
                fuzzy = True
                if options is None:
                    continue
            for key, entries in options:
                n = len(key)
                if i + n > len(words):
                    continue
                typo = fuzzy
                for k in range(1, n):
                    if words[i + k] == key[k]:
                        continue
                    if self.correct(words[i + k]) != key[k]:
                        break
                    typo = True
                else:
                    candidates.append(Match(i, i + n, entries, typo))
                    break
        candidates.sort(key=lambda m: (-(m.end_token - m.start_token), m.start_token))
        taken = [False] * len(words)
        kept: list[Match] = []
        for match in candidates:
            if any(taken[match.start_token : match.end_token]):
                continue
            for k in range(match.start_token, match.end_token):
                taken[k] = True
            kept.append(match)
        kept.sort(key=lambda m: m.start_token)
        return kept


def _plausible_typo(word: str, target: str) -> bool:
    """Reject inflections taken for typos ("rembourser" is not "rembourse").

    A word that extends or truncates the target is another form of it, except an
    elision written without apostrophe ("lurssaf", "didentite").
    """
    if word.startswith(target) or target.startswith(word):
        return False
    if word.endswith(target):
        return word[0] in "ldjnms" and len(word) == len(target) + 1
    return not target.endswith(word)


def _deletions(word: str) -> Iterable[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _dedupe(entries: list[Entry]) -> list[Entry]:
    seen: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        key = (entry.kind, entry.code)
        if key not in seen or entry.weight > seen[key].weight:
            seen[key] = entry
    return list(seen.values())


def matcher_for(catalog: Catalog) -> Matcher:
    matcher = catalog._cache.get("matcher")
    if matcher is None:
        matcher = Matcher(catalog)
        catalog._cache["matcher"] = matcher
    return matcher  # type: ignore[return-value]


# ------------------------------------------------------------------ context

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
_CONCESSION = re.compile(
    r"\b(?:alors que|bien que|meme si|puisque) (?:je|j|nous|il|elle) (?:suis|sommes|est|etais|touche|touchons|percois|"
    r"beneficie|beneficions) "
)
_NOT_NEGATING_BEFORE_PAS = frozenset({"toujours", "encore", "jamais", "rien"})
_NOT_NEGATING_AFTER_PAS = frozenset(
    "normal normale accord que qui possible logique acceptable juste recu eu touche verse paye".split()
)
_IN_PASSING_AFTER = re.compile(
    r"^[^|]{0,40}?\b(?:m|nous|l|les|me)\s*(?:a|ont|avait|avaient)?\s*"
    r"(?:oriente|orientee|orientes|renvoye|renvoyee|renvoie|renvoient|redirige|redirigee|dirige|dirigee|"
    r"conseille|conseillee|envoie vers|envoye vers|envoyee vers|donne votre|donne vos|transmis votre|"
    r"parle de vous|indique votre|dit d appeler|dit de contacter|dit de voir|dit de m adresser|dit de vous|"
    r"dit d ecrire|dit d aller|dit de passer|dit de me tourner|dit que ce n etait pas|dit que ca ne|"
    r"dit que cela ne|dit que c etait a)\b"
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
_LIST_GLUE = re.compile(r"^[\s,]*(?:(?:ni|et|ou|la|le|l|les|puis|aussi|meme)[\s,]+)*$")
_NOT_OURS = re.compile(
    r"\b(?:pas|plus) (?:de|du) (?:notre|mon|nos) (?:ressort|competence|domaine|perimetre)"
    r"|\bne rel[e]ve (?:pas|plus) de (?:nous|notre|nos)|\bhors de (?:notre|nos) competence"
)
_TOWARDS = re.compile(r"\b(?:vers|aupres d[eu]?|contacter|appeler|joindre|saisir)\s*(?:(?:la|le|l|les|de|du|des)\s*)*$")
_CLOSING = re.compile(
    r"\b(?:cordialement|bien a vous|bien a toi|salutations|sentiments|veuillez agreer)\b"
)
_CLOSING_LINE = re.compile(
    r"^(?:merci|je vous remercie|en vous remerciant|bonne journee|bonne soiree|a bientot|amicalement|"
    r"sincerement|respectueusement|je vous prie)\b(?: +[a-z0-9]+){0,3} *,? *$"
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
    words = _TOKEN.findall(clause[cut + 1 :])
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


def is_concession(norm: str, start: int) -> bool:
    """True for a status given as background: "... alors que je suis au RSA"."""
    clause = norm[max(0, start - 40) : start]
    clause = clause[max(clause.rfind("|"), clause.rfind(",")) + 1 :]
    return bool(_CONCESSION.search(clause))


def is_in_passing(norm: str, start: int, end: int, next_start: int) -> bool:
    """True for a mention that is not the request ("X m'a orientée vers vous")."""
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
    while segments and len(_TOKEN.findall(kept[0])) <= 4:
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


def signature_start(analysed: str, norm: str, offsets: list[int] | None) -> int:
    """Offset in the analysed text where the writer's signature starts (len if none).

    The last closing formula near the end (at most 8 lines and 500 characters
    follow it): "Cordialement", "Bien à vous", "Salutations" anywhere; the softer
    ones ("Merci d'avance", "Merci de regarder vite", "Bonne journée") only as a
    short line of their own, so "Merci de me dire où en est mon RSA" stays content.
    """
    best = len(analysed)
    for match in _CLOSING.finditer(norm):
        best = match.start() if offsets is None else offsets[match.start()]
    line_start = 0
    for line in analysed.splitlines(keepends=True):
        stripped = line.strip()
        if stripped in ("--", "-- ") or _CLOSING_LINE.match(normalise(stripped)[0].replace("|", " ").strip()):
            if best == len(analysed) or line_start > best:
                best = line_start
        line_start += len(line)
    tail = analysed[best:]
    if len(tail) > 500 or tail.count("\n") > 8:
        return len(analysed)
    return best


# ------------------------------------------------------------------ classify


def _areas(analysed: str, analysis: Analysis, aidant_signature: str | None, finder: Callable[..., list[AreaMatch]]
           ) -> list[AreaMatch]:
    """The person's areas, then the aidant's.

    When the caller has no separate signature but the mail ends with one that
    names an organisation ("France Services de Guéret, 23000"), that signature is
    the writer's, not the person's: its places become aidant hints (offsets
    shifted back into the analysed text).
    """
    cut = analysis.signature_start
    if aidant_signature is not None or not analysis.affiliated_signature or cut >= len(analysed):
        return list(finder(analysed, sender_signature=aidant_signature))
    found = list(finder(analysed[:cut], sender_signature=analysed[cut:]))
    shifted: list[AreaMatch] = []
    for area in found:
        if area.role == "aidant":
            area = AreaMatch(area.code, [replace(e, start=e.start + cut if e.start >= 0 else e.start,
                                                   end=e.end + cut if e.start >= 0 else e.end) for e in area.evidence],
                             role="aidant")
        shifted.append(area)
    return shifted


def _find_areas(analysed: str, sender_signature: str | None = None) -> list[AreaMatch]:
    """Areas from routing.geography when it is installed; never raises."""
    if _geo_find_areas is None:
        return []
    try:
        found = list(_geo_find_areas(analysed, sender_signature=sender_signature) or [])
    except Exception:  # hostile input must not stop routing; areas are then unknown
        return []
    found.sort(key=lambda a: 0 if getattr(a, "role", "person") == "person" else 1)
    return found


def sender_domain(sender: str | None) -> str:
    if not sender:
        return ""
    address = sender.strip()
    if "<" in address and ">" in address:
        address = address[address.rfind("<") + 1 : address.rfind(">")]
    return address.rsplit("@", 1)[1].strip().lower() if "@" in address else ""


def _next_mention_start(norm: str, matches: list[Match], spans: list[tuple[int, int]], index: int) -> int:
    """Where the next mention starts, looking past a list ("ni la CAF ni la mairie ne ...")."""
    previous_end = spans[matches[index].end_token - 1][1]
    for following in matches[index + 1 :]:
        start = spans[following.start_token][0]
        if not _LIST_GLUE.match(norm[previous_end:start]):
            return start
        previous_end = spans[following.end_token - 1][1]
    return len(norm)


@dataclass
class Analysis:
    evidence: dict[str, list[Evidence]]
    signature_start: int
    affiliated_signature: bool  # the signature names an organisation: the writer is an aidant or an agent


def collect_evidence(
    analysed: str, *, subject_length: int = 0, sender: str | None = None, catalog: Catalog | None = None
) -> dict[str, list[Evidence]]:
    """Every organisation's evidence in ``analysed`` (subject + "\\n" + text), unfiltered.

    Retirement evidence is still under CARSAT/CNAV as written (the area split
    happens in :func:`classify`); regime benefits have moved to the MSA.
    """
    return analyse(analysed, subject_length=subject_length, sender=sender, catalog=catalog).evidence


def analyse(
    analysed: str, *, subject_length: int = 0, sender: str | None = None, catalog: Catalog | None = None
) -> Analysis:
    """Evidence per organisation, and where the writer's signature starts."""
    catalog = catalog or load_catalog()
    matcher = matcher_for(catalog)
    norm, offsets = normalise(analysed)
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(norm)]
    words = [canonical(norm[s:e]) for s, e in spans]
    matches = matcher.scan(words)[:MAX_MATCHES]

    def origin(i: int) -> int:
        return i if offsets is None else offsets[i]

    def origin_end(i: int) -> int:  # i is an exclusive end in norm
        return i if offsets is None else offsets[i - 1] + 1

    sign_start = signature_start(analysed, norm, offsets)
    evidence: dict[str, list[Evidence]] = {}
    affiliated = False
    for index, match in enumerate(matches):
        n_start = spans[match.start_token][0]
        n_end = spans[match.end_token - 1][1]
        start, end = origin(n_start), origin_end(n_end)
        piece = analysed[start:end]
        next_start = _next_mention_start(norm, matches, spans, index)
        context: tuple[bool, bool] | None = None
        for entry in match.entries:
            if entry.kind == "ignore" or (entry.upper_only and piece != piece.upper()):
                continue
            if entry.capitalised and not piece[:1].isupper():
                continue
            if start >= sign_start:
                affiliated = True
            if entry.kind == "helper":  # helpers are who writes, never who acts
                continue
            if context is None:
                negated = is_negated(norm, n_start, n_end)
                context = (negated, not negated and is_in_passing(norm, n_start, n_end, next_start))
            negated, in_passing = context
            weight, reason = entry.weight, entry.reason
            if negated:  # a denied name counts against; a denied benefit just does not count
                weight = WEIGHT_NEGATED if entry.kind == "org" else 0.0
                reason = f"negated:{reason}"
            elif in_passing:
                weight, reason = WEIGHT_IN_PASSING, f"in-passing:{reason}"
            elif start >= sign_start:
                weight, reason = weight * SIGNATURE_FACTOR, f"signature:{reason}"
            elif end <= subject_length:
                weight = weight * SUBJECT_FACTOR
            elif is_concession(norm, n_start):
                weight, reason = weight * CONCESSION_FACTOR, f"status:{reason}"
            if match.fuzzy:
                weight, reason = weight * FUZZY_FACTOR if weight > 0 else weight, f"{reason}~typo"
            codes = [entry.code] if entry.kind == "org" else list(catalog.benefits[entry.code].organisations)
            for code in codes:
                evidence.setdefault(code, []).append(Evidence(piece, start, end, reason, round(weight, 3)))

    _add_sender_domain(evidence, sender, norm, catalog)
    _move_regime_benefits_to_msa(evidence, catalog)
    return Analysis(evidence, sign_start, affiliated)


def _add_sender_domain(evidence: dict[str, list[Evidence]], sender: str | None, norm: str, catalog: Catalog) -> None:
    """An agent writing from its organisation's domain hints that it is involved.

    Less so when the text mentions that organisation only in passing or not at
    all (an agent forwarding someone else's case), and not at all when the agent
    says it is not theirs ("ce n'est pas de notre ressort").
    """
    domain = sender_domain(sender)
    org = catalog.by_sender_domain(domain) if domain else None
    if org is None or org.helper:
        return
    items = evidence.setdefault(org.code, [])
    if _NOT_OURS.search(norm):
        items.append(Evidence(domain, -1, -1, "negated:sender-domain", WEIGHT_NEGATED))
    elif any(e.weight >= 0.5 for e in items):
        items.append(Evidence(domain, -1, -1, "sender-domain", SENDER_DOMAIN_WEIGHT))
    else:
        items.append(Evidence(domain, -1, -1, "sender-domain", SENDER_DOMAIN_ALONE_WEIGHT))


def classify(
    text: str,
    *,
    subject: str = "",
    sender: str | None = None,
    aidant_signature: str | None = None,
    catalog: Catalog | None = None,
    find_areas: Callable[..., list[AreaMatch]] | None = None,
) -> Decision:
    """Which organisations and areas this request involves, and how sure we are.

    Evidence offsets refer to ``subject + "\\n" + text``. ``catalog`` replaces the
    shipped catalog (database overrides); ``find_areas`` replaces
    routing.geography (tests, or a caller that already knows the areas).
    """
    catalog = catalog or load_catalog()
    analysed = f"{subject or ''}\n{text or ''}"[:MAX_ANALYSED_CHARS]
    analysis = analyse(analysed, subject_length=len(subject or ""), sender=sender, catalog=catalog)
    evidence = analysis.evidence
    areas = _areas(analysed, analysis, aidant_signature, find_areas or _find_areas)
    retirement_area_unknown = _split_retirement(evidence, areas)
    return _decide(evidence, areas, retirement_area_unknown, catalog)


def candidate_scores(text: str, *, subject: str = "", sender: str | None = None,
                     catalog: Catalog | None = None) -> list[OrganisationScore]:
    """Every organisation that got any evidence, selected or not, best first.

    For ``aplus explain`` and the admin: shows what was considered and why it
    was left out (negated, in passing, too weak). CARSAT/CNAV are as written.
    """
    catalog = catalog or load_catalog()
    analysed = f"{subject or ''}\n{text or ''}"[:MAX_ANALYSED_CHARS]
    evidence = collect_evidence(analysed, subject_length=len(subject or ""), sender=sender, catalog=catalog)
    scores = [OrganisationScore(code, round(1.0 - math.exp(-_raw(items)), 3), items) for code, items in evidence.items()]
    return sorted(scores, key=lambda s: -s.score)


def _raw(items: list[Evidence]) -> float:
    return max(0.0, sum(e.weight for e in items))


def _move_regime_benefits_to_msa(evidence: dict[str, list[Evidence]], catalog: Catalog) -> None:
    """An agricultural-regime person gets RSA, IJ, retraite, ... from the MSA."""
    msa = [e for e in evidence.get("MSA", []) if e.weight > 0 and not e.reason.startswith("benefit:")]
    if _raw(msa) < 0.5:
        return
    for code in REGIME_GENERAL:
        kept = []
        for item in evidence.get(code, []):
            benefit = item.reason.split(":", 1)[1].split("~")[0] if item.reason.startswith("benefit:") else ""
            if benefit and catalog.benefits[benefit].regime:
                evidence.setdefault("MSA", []).append(item)
            else:
                kept.append(item)
        if code in evidence:
            evidence[code] = kept


def _person_area_codes(areas: list[AreaMatch]) -> list[str]:
    person = [a.code for a in areas if getattr(a, "role", "person") == "person"]
    return person or [a.code for a in areas]


def _split_retirement(evidence: dict[str, list[Evidence]], areas: list[AreaMatch]) -> bool:
    """Give pooled CARSAT/CNAV evidence to the fund(s) of the person's area(s).

    Returns True when no area is known, so the caller lowers the confidence.
    """
    pooled = evidence.pop("CARSAT", []) + evidence.pop("CNAV", [])
    if not pooled:
        return False
    codes = _person_area_codes(areas)
    funds: list[str] = []
    if any(c in ILE_DE_FRANCE for c in codes):
        funds.append("CNAV")
    if any(c not in ILE_DE_FRANCE for c in codes):
        funds.append("CARSAT")
    unknown = not funds
    if unknown:
        names_cnav = any(e.text and "cnav" in unidecode(e.text).lower() and e.weight > 0 for e in pooled)
        funds = ["CNAV" if names_cnav else "CARSAT"]
    for fund in funds:
        evidence[fund] = list(pooled)
    return unknown


def _decide(
    evidence: dict[str, list[Evidence]], areas: list[AreaMatch], retirement_area_unknown: bool, catalog: Catalog
) -> Decision:
    raw = {code: _raw(items) for code, items in evidence.items() if code in catalog.organisations}
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
