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
Where things are: ``text`` (1), ``matcher`` (2), ``evidence`` with
``negation``, ``in_passing`` and ``signature`` (3), ``regimes`` (4), ``scores``
(5), ``areas`` (the call to routing.geography).
"""

from __future__ import annotations

import math
from typing import Callable

from routing.catalog import Catalog, load_catalog
from routing.classify.areas import geography_areas, request_areas
from routing.classify.evidence import Analysis, analyse, collect_evidence, sender_domain
from routing.classify.in_passing import is_concession, is_in_passing, is_settled
from routing.classify.matcher import Entry, Match, Matcher, matcher_for
from routing.classify.negation import is_negated
from routing.classify.regimes import split_retirement
from routing.classify.scores import (HINT_MIN, SELECT_MAX, SELECT_MIN, SELECT_RATIO, THRESHOLD, decide,
                                     raw_weight)
from routing.classify.signature import signature_start
from routing.classify.text import canonical, normalise, phrase_key
from routing.decision import AreaMatch, Decision, OrganisationScore

__all__ = ["classify", "candidate_scores", "THRESHOLD", "SELECT_MIN", "SELECT_RATIO", "HINT_MIN", "SELECT_MAX",
           "MAX_ANALYSED_CHARS", "Analysis", "analyse", "collect_evidence", "sender_domain", "is_concession",
           "is_in_passing", "is_settled", "is_negated", "signature_start", "Entry", "Match", "Matcher",
           "matcher_for", "canonical", "normalise", "phrase_key"]

#: Only the beginning of a very long mail is read: the request is stated early,
#: and the matcher stays fast on a 10 MB paste (offsets are unaffected).
MAX_ANALYSED_CHARS = 30_000


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
    areas = request_areas(analysed, analysis, aidant_signature, find_areas or geography_areas)
    retirement_area_unknown = split_retirement(evidence, areas)
    return decide(evidence, areas, retirement_area_unknown, catalog)


def candidate_scores(text: str, *, subject: str = "", sender: str | None = None,
                     catalog: Catalog | None = None) -> list[OrganisationScore]:
    """Every organisation that got any evidence, selected or not, best first.

    For ``aplus explain`` and the admin: shows what was considered and why it
    was left out (negated, in passing, too weak). CARSAT/CNAV are as written.
    """
    catalog = catalog or load_catalog()
    analysed = f"{subject or ''}\n{text or ''}"[:MAX_ANALYSED_CHARS]
    evidence = collect_evidence(analysed, subject_length=len(subject or ""), sender=sender, catalog=catalog)
    scores = [OrganisationScore(code, round(1.0 - math.exp(-raw_weight(items)), 3), items) for code, items in evidence.items()]
    return sorted(scores, key=lambda s: -s.score)
