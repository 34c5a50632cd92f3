"""Evidence per organisation: every catalog match, weighed by its context.

A request (1.0, or 0.5 for a hint), a negation (negative), a mention in passing
(0.15), the writer's own signature (x0.3), the subject (x1.2), a status given as
background (x0.5), a typo (x0.8); the sender's domain adds weight to the agent's
organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routing.catalog import Catalog, load_catalog
from routing.classify.in_passing import is_concession, is_in_passing
from routing.classify.matcher import Entry, Match, matcher_for
from routing.classify.negation import is_negated
from routing.classify.regimes import move_regime_benefits_to_msa
from routing.classify.signature import signature_start
from routing.classify.text import TOKEN, canonical, normalise
from routing.decision import Evidence

WEIGHT_IN_PASSING = 0.15
WEIGHT_NEGATED = -0.6
SIGNATURE_FACTOR = 0.3
CONCESSION_FACTOR = 0.5
SUBJECT_FACTOR = 1.2
SENDER_DOMAIN_WEIGHT = 0.5
SENDER_DOMAIN_ALONE_WEIGHT = 0.25
FUZZY_FACTOR = 0.8

#: Mentions past this count add nothing but time (a pasted list of 7,000 "CAF").
MAX_MATCHES = 300

_LIST_GLUE = re.compile(r"^[\s,]*(?:(?:ni|et|ou|la|le|l|les|puis|aussi|meme)[\s,]+)*$")
_NOT_OURS = re.compile(
    r"\b(?:pas|plus) (?:de|du) (?:notre|mon|nos) (?:ressort|competence|domaine|perimetre)"
    r"|\bne rel[e]ve (?:pas|plus) de (?:nous|notre|nos)|\bhors de (?:notre|nos) competence"
)


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
    spans = [(m.start(), m.end()) for m in TOKEN.finditer(norm)]
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
        mention = Mention(norm, n_start, n_end, _next_mention_start(norm, matches, spans, index),
                          in_signature=start >= sign_start, in_subject=end <= subject_length)
        for entry in match.entries:
            if not _written_as_expected(entry, piece):
                continue
            if mention.in_signature:
                affiliated = True
            if entry.kind == "helper":  # helpers are who writes, never who acts
                continue
            weight, reason = weigh(entry, mention, match.fuzzy)
            codes = [entry.code] if entry.kind == "org" else list(catalog.benefits[entry.code].organisations)
            for code in codes:
                evidence.setdefault(code, []).append(Evidence(piece, start, end, reason, round(weight, 3)))

    _add_sender_domain(evidence, sender, norm, catalog)
    move_regime_benefits_to_msa(evidence, catalog)
    return Analysis(evidence, sign_start, affiliated)


@dataclass
class Mention:
    """One matched phrase and where it stands; negation and in-passing are read once, on first need
    (they are regexes over the clause, and most entries of a match never get that far)."""

    norm: str
    start: int  # in norm
    end: int  # in norm, exclusive
    next_start: int  # where the next mention starts (past a list)
    in_signature: bool
    in_subject: bool
    _context: tuple[bool, bool] | None = None

    def negated_or_in_passing(self) -> tuple[bool, bool]:
        if self._context is None:
            negated = is_negated(self.norm, self.start, self.end)
            self._context = (negated, not negated and is_in_passing(self.norm, self.start, self.end, self.next_start))
        return self._context


def _written_as_expected(entry: Entry, piece: str) -> bool:
    """Acronyms that must be in capitals ("CAF", not "caf" the word) and names that must be capitalised
    ("le Département", the council, not the place); "ignore" phrases only shield their words."""
    if entry.kind == "ignore" or (entry.upper_only and piece != piece.upper()):
        return False
    return not (entry.capitalised and not piece[:1].isupper())


def weigh(entry: Entry, mention: Mention, fuzzy: bool) -> tuple[float, str]:
    """The weight and reason of one catalog entry at one mention: the context rules of the module docstring."""
    negated, in_passing = mention.negated_or_in_passing()
    weight, reason = entry.weight, entry.reason
    if negated:  # a denied name counts against; a denied benefit just does not count
        weight = WEIGHT_NEGATED if entry.kind == "org" else 0.0
        reason = f"negated:{reason}"
    elif in_passing:
        weight, reason = WEIGHT_IN_PASSING, f"in-passing:{reason}"
    elif mention.in_signature:
        weight, reason = weight * SIGNATURE_FACTOR, f"signature:{reason}"
    elif mention.in_subject:
        weight = weight * SUBJECT_FACTOR
    elif is_concession(mention.norm, mention.start):
        weight, reason = weight * CONCESSION_FACTOR, f"status:{reason}"
    if fuzzy:
        weight, reason = weight * FUZZY_FACTOR if weight > 0 else weight, f"{reason}~typo"
    return weight, reason


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
