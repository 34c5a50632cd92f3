"""Score forward extraction against crisp-oss/email-forward-parser fixtures
and discourse's embedded/ + before/ cases.

Run by hand (numbers go to docs/understanding.md):

    .venv/bin/python benchmarks/forward_eval.py [--verbose]

crisp: per row, each expected key is one check: ``forwarded``,
``email.subject``, ``email.from`` (address and name), ``email.body``,
``message`` (our ``note``; null means empty); dates are localized upstream
and only checked non-empty. A row passes when all its checks pass.
discourse: ``text`` must equal ``embedded/X`` minus its header lines is not
what they test; we check that a forward is found and that the note equals
``before/X`` (after strip), and the original body is contained in
``embedded/X``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / ".." / "shared" / "corpora"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from gateway.understand.forwards import find_forward  # noqa: E402

CRISP = CORPORA / "crisp-oss+email-forward-parser"
DISCOURSE = CORPORA / "discourse+email_reply_trimmer" / "test"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def crisp_rows() -> list[dict]:
    path = CRISP / "expected.jsonl"
    return [json.loads(line) for line in _read(path).splitlines() if line.strip()]


def check_crisp_row(row: dict) -> dict[str, bool]:
    """One boolean per expected key we compare."""
    body = _read(CRISP / row["body_file"])
    subject = _read(CRISP / row["subject_file"]).strip() if row["subject_file"] else ""
    got = find_forward(subject, body)
    exp = row["expected"]
    checks = {"forwarded": (got is not None) == exp["forwarded"]}
    if got is None or not exp["forwarded"]:
        return checks
    if "email.subject" in exp:
        checks["subject"] = got.subject.strip() == exp["email.subject"].strip()
    if "email.from" in exp:
        want = exp["email.from"]
        addr = got.sender.email if got.sender else None
        name = (got.sender.name or None) if got.sender else None
        checks["from"] = addr == want["address"] and (name == want["name"] or want["address"] is None and got.sender is None)
    if "email.body" in exp:
        # one upstream body keeps a stray BOM: compare without it
        checks["body"] = got.text.strip() == exp["email.body"].replace("\ufeff", "").strip()
    if "email.date" in exp:
        checks["date"] = bool(got.date.strip())
    if "message" in exp:
        checks["note"] = got.note.strip() == (exp["message"] or "").strip()
    return checks


def discourse_cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for f in sorted((DISCOURSE / "embedded").glob("*.txt")):
        email = DISCOURSE / "emails" / f.name
        before = DISCOURSE / "before" / f.name
        if email.exists() and before.exists():
            cases.append((f.stem, _read(email), _read(f), _read(before)))
    return cases


def check_discourse(case: tuple[str, str, str, str]) -> dict[str, bool]:
    _, text, embedded, before = case
    # discourse extracts an embedded mail whatever the subject: pass a
    # forward subject so that reply-like markers count too.
    got = find_forward("Fwd: x", text)
    checks = {"found": got is not None}
    if got is not None:
        checks["note"] = got.note.strip() == before.strip()
        checks["body_in_embedded"] = bool(got.text.strip()) and got.text.strip() in embedded
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not CRISP.exists():
        print("corpora absent:", CORPORA)
        return
    rows = crisp_rows()
    per_key: Counter[str] = Counter()
    per_key_total: Counter[str] = Counter()
    passed = 0
    fr_passed = fr_total = 0
    fren_passed = fren_total = 0
    for row in rows:
        checks = check_crisp_row(row)
        ok = all(checks.values())
        passed += ok
        if "_fr_" in row["body_file"] or "_en_" in row["body_file"]:
            fren_total += 1
            fren_passed += ok
        if "_fr_" in row["body_file"]:
            fr_total += 1
            fr_passed += ok
        for key, good in checks.items():
            per_key_total[key] += 1
            per_key[key] += good
        if args.verbose and not ok:
            print("FAIL", row["body_file"], {k: v for k, v in checks.items() if not v})
    print(f"crisp email-forward-parser: rows fully right {passed}/{len(rows)} ({100 * passed / len(rows):.0f} %), French {fr_passed}/{fr_total}")
    print(f"  French + English rows fully right: {fren_passed}/{fren_total} ({100 * fren_passed / fren_total:.0f} %)")
    for key in per_key_total:
        print(f"  {key:10s} {per_key[key]}/{per_key_total[key]} ({100 * per_key[key] / per_key_total[key]:.0f} %)")
    cases = discourse_cases()
    d_ok: Counter[str] = Counter()
    d_total: Counter[str] = Counter()
    for case in cases:
        checks = check_discourse(case)
        for key, good in checks.items():
            d_total[key] += 1
            d_ok[key] += good
        if args.verbose and not all(checks.values()):
            print("FAIL discourse", case[0], {k: v for k, v in checks.items() if not v})
    print(f"discourse embedded/before ({len(cases)} cases):")
    for key in d_total:
        print(f"  {key:16s} {d_ok[key]}/{d_total[key]}")


if __name__ == "__main__":
    main()
