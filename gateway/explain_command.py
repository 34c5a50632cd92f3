"""``aplus explain``: what the gateway understands of mail files, changing nothing.

It runs the same steps as the processor (understanding, routing, threading)
but only reads: the database session is rolled back, nothing is queued.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from gateway.config import Settings
from gateway.storage.db import Database
from gateway.explain import explain_understood
from gateway.understand import read_mail
from gateway.understand.hops import received_hops


def mail_files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def explain_path(paths: tuple[Path, ...], settings: Settings, database: Database | None) -> Iterator[dict]:
    for path in mail_files(paths):
        raw = path.read_bytes()
        understood = read_mail(raw, own_domain=settings.domain)
        routing = routing_of(understood) if understood.automatic.kind == "human" else None
        thread = thread_of(understood, settings, database) if database is not None else None
        result = explain_understood(understood, file=str(path), routing=routing, thread=thread,
                                    received=received_hops(raw))
        if thread and thread.get("ticket") and result.get("kind") in ("request", "forward"):
            result["kind"] = "reply"
        yield result


def routing_of(understood) -> dict | None:
    """The classifier's decision on the same text the processor would route."""
    from gateway.processing.conversation import aidant_signature, who_and_what
    from routing.classify import classify

    if understood.sender is None:
        return None
    _, _, text, subject, _ = who_and_what(understood)
    decision = classify(text, subject=subject, sender=understood.sender.email, aidant_signature=aidant_signature(understood))
    return decision.to_dict()


def thread_of(understood, settings: Settings, database: Database) -> dict:
    """Which ticket this mail would join, read in a transaction that is rolled back."""
    from gateway.processing.thread_match import Matched, Rejected, Unverified, match_mail

    session = database.sessions()
    try:
        recipients = [a.email for a in (*understood.to, *understood.cc)]
        match = match_mail(session, settings, recipients, understood)
        if isinstance(match, Matched):
            return {"ticket": match.ticket.reference, "participant": match.participant.email,
                    "visibility": match.visibility, "via": match.via, "rejected": None}
        if isinstance(match, Unverified):  # held for review: only a guessable clue names the ticket
            return {"ticket": match.ticket.reference, "participant": match.participant.email,
                    "visibility": None, "via": match.via, "rejected": None, "held": True}
        if isinstance(match, Rejected):
            return {"ticket": match.ticket.reference if match.ticket else None, "participant": None,
                    "visibility": None, "via": None, "rejected": match.reason}
        return {"ticket": None, "participant": None, "visibility": None, "via": None, "rejected": None}
    finally:
        session.rollback()
        session.close()


def format_human(result: dict) -> str:
    """A readable summary for a person at the terminal (French)."""
    lines = [f"== {result['file']}", f"Nature : {result['kind']}", f"Objet : {result['subject']}"]
    if result.get("requester"):
        lines.append(f"Demandeur : {result['requester'].get('name', '')} <{result['requester']['email']}>")
    if result.get("aidant"):
        lines.append(f"Aidant : {result['aidant'].get('name', '')} <{result['aidant']['email']}>")
    routing = result.get("routing") or {}
    for organisation in routing.get("organisations", []):
        words = ", ".join(e["text"] for e in organisation.get("evidence", [])[:5])
        lines.append(f"Organisme : {organisation['code']} (score {organisation['score']}) — {words}")
    for area in routing.get("areas", []):
        words = ", ".join(e["text"] for e in area.get("evidence", [])[:3])
        lines.append(f"Territoire : {area['code']} — {words}")
    if result.get("thread") and result["thread"].get("ticket"):
        lines.append(f"Dossier : {result['thread']['ticket']}")
    if result.get("received"):
        lines.append(relays_line(result["received"]))
    if result.get("defects"):
        lines.append("Anomalies : " + "; ".join(result["defects"]))
    lines += ["--- Texte retenu ---", result.get("text", "")]
    if result.get("signature"):
        lines += ["--- Signature ---", result["signature"]]
    lines.append("")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"


def relays_line(hops: list[dict]) -> str:
    """"Relais : 3, le plus long 2 h 02 (mx.a -> mx.b)", for the person at the terminal."""
    slowest = max(hops, key=lambda hop: hop.get("delay") or 0)
    line = f"Relais : {len(hops)}"
    if slowest.get("delay"):
        line += f", le plus long {_duration(slowest['delay'])} ({slowest.get('from', '')} -> {slowest.get('by', '')})"
    return line
