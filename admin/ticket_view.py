"""How a ticket is shown: its routing evidence marked in the text, controls made visible, delivery states.

Texts from mail are shown as text, never as HTML (Jinja escapes them; the
HTML part of a mail is never rendered). Two more things make hostile text
inert: Unicode bidirectional controls (a right-to-left override can make
"exe.fdp" read "pdf.exe") are replaced by a visible marker, and long lines
wrap (CSS ``overflow-wrap: anywhere``) instead of widening the page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup, escape

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ORGANISATION_REASONS = {"alias": "organisme nommé", "benefit": "prestation", "sender-domain": "domaine de l'expéditeur"}
AREA_REASONS = {
    "commune": "commune", "postal-code": "code postal", "departement-name": "nom du département",
    "departement-code": "numéro de département", "move-origin": "lieu de départ (déménagement)",
    "move-destination": "lieu d'arrivée (déménagement)",
}


def visible_controls(value: str | None) -> Markup:
    """Escape ``value`` and show each bidirectional control as a visible, inert marker."""
    text = str(value or "")
    parts = []
    last = 0
    for found in BIDI_CONTROLS.finditer(text):
        parts.append(escape(text[last:found.start()]))
        parts.append(Markup('<span class="aplus-control" title="caractère de contrôle de direction">[U+%s]</span>')
                     % f"{ord(found.group()):04X}")
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


@dataclass(frozen=True)
class Evidence:
    text: str
    start: int
    end: int
    label: str  # "CAF : prestation" / "13 : code postal"


@dataclass(frozen=True)
class Routing:
    organisations: list[dict]
    areas: list[dict]
    steps: list[dict]
    confidence: float | None
    triage: bool
    evidence: list[Evidence]


def read_routing(raw: str) -> Routing:
    try:
        record = json.loads(raw or "{}")
    except ValueError:
        record = {}
    decision = record.get("decision") or {}
    selection = record.get("selection") or {}
    evidence = []
    for organisation in decision.get("organisations") or []:
        for item in organisation.get("evidence") or []:
            evidence.append(_evidence(item, organisation.get("code", "?"), ORGANISATION_REASONS))
    for area in decision.get("areas") or []:
        for item in area.get("evidence") or []:
            evidence.append(_evidence(item, area.get("code", "?"), AREA_REASONS))
    return Routing(
        organisations=decision.get("organisations") or [], areas=decision.get("areas") or [],
        steps=selection.get("steps") or [], confidence=decision.get("confidence"), triage=bool(decision.get("triage")),
        evidence=[e for e in evidence if e.text and e.start >= 0 and e.end > e.start],
    )


def _evidence(item: dict, code: str, reasons: dict[str, str]) -> Evidence:
    reason = str(item.get("reason") or "")
    label = reasons.get(reason.split(":")[0], reason)
    return Evidence(text=str(item.get("text") or ""), start=int(item.get("start") or -1),
                    end=int(item.get("end") or -1), label=f"{code} : {label}")


def marked_text(text: str, evidence: list[Evidence]) -> Markup:
    """``text`` with each piece of evidence in a ``<mark>``.

    Offsets in the routing record count from the start of "subject + newline
    + request text" as the classifier saw them, with the subject as received
    (before "Re:"/"TR :" and tags were cleaned off). The shift between those
    offsets and ``text`` is found from the evidence itself: the one that puts
    most pieces exactly on their words.
    """
    shift = _best_shift(text, evidence)
    spans = sorted({(e.start - shift, e.end - shift, e.label) for e in evidence
                    if shift is not None and e.start - shift >= 0 and text[e.start - shift:e.end - shift] == e.text})
    parts, last = [], 0
    for start, end, label in spans:
        if start < last:
            continue  # overlapping pieces: the first one is marked
        parts.append(visible_controls(text[last:start]))
        parts.append(Markup('<mark class="aplus-evidence" title="%s">%s</mark>') % (label, visible_controls(text[start:end])))
        last = end
    parts.append(visible_controls(text[last:]))
    return Markup("").join(parts)


def _best_shift(text: str, evidence: list[Evidence]) -> int | None:
    votes: Counter[int] = Counter()
    for item in evidence:
        for found in re.finditer(re.escape(item.text), text):
            votes[item.start - found.start()] += 1
    return votes.most_common(1)[0][0] if votes else None


def delivery_state(participant, last_outbound) -> tuple[str, str]:
    """(DSFR badge kind, French label) for how mail reaches this participant."""
    if not participant.active:
        return "info", "a quitté le dossier"
    if participant.bouncing:
        return "error", "adresse en échec" + (f" : {participant.bounce_detail}" if participant.bounce_detail else "")
    if last_outbound is None:
        return "new", "aucun courriel envoyé"
    if last_outbound.state == "failed":
        return "error", "dernier envoi en échec" + (f" : {last_outbound.last_error}" if last_outbound.last_error else "")
    if last_outbound.state == "queued":
        return "info", "envoi en attente"
    return "success", "courriels distribués"
