"""Read the shared auto-reply / bounce corpora and score the classifier.

Kept apart from the test so it can also be run by hand:
``.venv/bin/python -m tests.understand_auto.corpus`` prints the table that
docs/understanding-automatic.md quotes.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from gateway.understand.automatic import classify_automatic
from gateway.understand.bounces import parse_bounce

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
LABELS = CORPORA / "LABELS_autoreply_bounce.jsonl"
OWN_DOMAIN = "aplus.example.gouv.fr"

#: Corpus label -> the kind our classifier should give.
EXPECTED_KIND = {
    "bounce": "bounce",
    "bounce_or_dsn_unlabelled_reason": "bounce",
    "dsn_delayed": "bounce",
    "dsn_delivered_success": "bounce",
    "dsn_report": "bounce",
    "auto_reply": "auto_reply",
    "mdn_read_receipt": "auto_reply",
    "arf_feedback_report": "bulk",
    "not_bounce": "human",
}


@dataclass
class Row:
    file: str
    label: str
    expected: str
    got: str
    reasons: list[str]
    recipients: list[str]
    status: str
    sisimai: list[dict]


def load(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def evaluate() -> list[Row]:
    rows: list[Row] = []
    for line in LABELS.read_text().splitlines():
        record = json.loads(line)
        path = CORPORA / record["corpus"] / record["file"]
        if not path.is_file() or record["label"] not in EXPECTED_KIND:
            continue
        msg = load(path)
        verdict = classify_automatic(msg, own_domain=OWN_DOMAIN)
        bounce = parse_bounce(msg, own_domain=OWN_DOMAIN)
        rows.append(
            Row(
                file=f"{record['corpus']}/{record['file']}",
                label=record["label"],
                expected=EXPECTED_KIND[record["label"]],
                got=verdict.kind,
                reasons=verdict.reasons,
                recipients=bounce.recipients if bounce else [],
                status=bounce.status if bounce else "",
                sisimai=record.get("sisimai_expected") or [],
            )
        )
    return rows


def scores(rows: list[Row]) -> dict[str, dict[str, float]]:
    """Per-class precision, recall and support over the labelled rows."""
    table: dict[str, dict[str, float]] = {}
    for kind in sorted({r.expected for r in rows} | {r.got for r in rows}):
        tp = sum(1 for r in rows if r.expected == kind and r.got == kind)
        predicted = sum(1 for r in rows if r.got == kind)
        support = sum(1 for r in rows if r.expected == kind)
        table[kind] = {
            "precision": tp / predicted if predicted else 1.0,
            "recall": tp / support if support else 1.0,
            "support": support,
        }
    return table


def recipient_rate(rows: list[Row]) -> float:
    """Share of expected bounces for which parse_bounce found a recipient."""
    bounces = [r for r in rows if r.expected == "bounce" and r.label != "dsn_delivered_success"]
    return sum(1 for r in bounces if r.recipients) / len(bounces)


def status_agreement(rows: list[Row]) -> float:
    """Share of sisimai bounces whose status equals one sisimai expects.

    Only real RFC 3463 codes count: sisimai's own pseudo codes (x.0.9xx,
    its reason written as a number) have nothing to compare with.
    """
    comparable = [
        (r, codes)
        for r in rows
        if r.expected == "bounce"
        for codes in [[e["dsn"] for e in r.sisimai if e.get("dsn") and not re.match(r"\d\.0\.9\d\d$", e["dsn"])]]
        if codes
    ]
    return sum(1 for r, codes in comparable if r.status in codes) / len(comparable)


def report(rows: list[Row]) -> str:
    lines = [f"{'class':<12} {'precision':>9} {'recall':>7} {'support':>8}"]
    for kind, s in scores(rows).items():
        lines.append(f"{kind:<12} {s['precision']:>9.3f} {s['recall']:>7.3f} {int(s['support']):>8}")
    lines.append(f"bounces with a failed recipient found: {recipient_rate(rows):.3f}")
    lines.append(f"sisimai status codes agreed: {status_agreement(rows):.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    all_rows = evaluate()
    print(report(all_rows))
    confusion = Counter((r.expected, r.got) for r in all_rows)
    print(dict(confusion))
    if "-v" in sys.argv:
        for r in all_rows:
            if r.expected != r.got:
                print("MISS", r.expected, r.got, r.file, r.reasons)
        for r in all_rows:
            if r.expected == "bounce" and not r.recipients and r.label != "dsn_delivered_success":
                print("NORCPT", r.file, r.reasons)
