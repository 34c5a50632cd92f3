"""Score understanding on the round-two French cases (issue 12), per class.

Run by hand (numbers go to docs/understanding.md):

    .venv/bin/python benchmarks/understanding_eval.py            # tuning and held-out
    .venv/bin/python benchmarks/understanding_eval.py --errors   # also list tuning mistakes

Each case is one raw mail in ``tests/data/understanding/<set>/`` and its
expectations in that folder's ``expected.json``. ``tuning`` is the set the
code was tuned on; ``heldout`` was written and committed before any change and
is never looked at while tuning: its mistakes are not listed, only counted.

What is measured, per case that states it:

- ``text``: the author's words. *kept* when every line of the expected text
  is in the kept text, no ``quoted`` snippet is (quoted history, notices,
  disclaimers) and every ``keep`` snippet is; *exact* when the kept text is
  exactly the expected one (the author's words and closing formula, without
  the identity block, which goes to ``signature``);
- ``signature``: every line of it is in the ``signature`` field;
- ``keep`` alone (requests): the snippets are in the kept text, nothing cut;
- ``forward``: whether a forwarded original was found;
- ``kind``: the automatic-mail verdict (recall on automatic mail, false
  positives on people);
- ``bounce_action`` / ``bounce_recipients``: the bounce's kind and its
  failed recipients;
- ``subject`` / ``sender_name``: decoded exactly.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.understand import read_mail  # noqa: E402

DATA = ROOT / "tests" / "data" / "understanding"


def load(name: str) -> list[tuple[str, bytes, dict]]:
    folder = DATA / name
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return [(case, (folder / f"{case}.eml").read_bytes(), expected[case]) for case in sorted(expected)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check(raw: bytes, expect: dict) -> dict[str, bool]:
    """One boolean per measured property of one case."""
    understood = read_mail(raw)
    kept = understood.trimmed
    if understood.forwarded is not None and "text" not in expect:
        kept = "\n".join((understood.forwarder_note, understood.forwarded.text))
    kept_lines = set(_lines(kept))
    quoted_absent = not any(snippet in kept for snippet in expect.get("quoted", []))
    keep_present = all(snippet in kept for snippet in expect.get("keep", []))
    checks: dict[str, bool] = {}
    if "text" in expect:
        checks["kept"] = quoted_absent and keep_present and all(line in kept_lines for line in _lines(expect["text"]))
        checks["exact"] = kept.strip() == expect["text"].strip()
    elif "keep" in expect:
        checks["kept"] = quoted_absent and keep_present
    if "signature" in expect:
        signature = set(_lines(getattr(understood, "signature", "") or ""))
        checks["signature"] = all(line in signature for line in _lines(expect["signature"]))
    if "forward" in expect:
        checks["forward"] = (understood.forwarded is not None) == expect["forward"]
    if "kind" in expect:
        checks["kind"] = understood.automatic.kind == expect["kind"]
    if "bounce_action" in expect:
        bounce = understood.bounce
        checks["bounce_action"] = bounce is not None and bounce.action == expect["bounce_action"]
        if expect.get("bounce_recipients"):
            checks["bounce_recipients"] = bounce is not None and sorted(bounce.recipients) == sorted(
                expect["bounce_recipients"]
            )
    if "subject" in expect:
        checks["subject"] = understood.subject == expect["subject"]
    if "sender_name" in expect:
        checks["sender_name"] = understood.sender is not None and understood.sender.name == expect["sender_name"]
    return checks


def evaluate(name: str) -> tuple[dict[str, dict[str, list[int]]], dict[str, list[int]], list[str]]:
    """Per class and per property: [passed, total]; the goal figures; mistakes."""
    per_class: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    goals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for case, raw, expect in load(name):
        checks = check(raw, expect)
        cls = expect.get("cls", "?")
        for key, good in checks.items():
            per_class[cls][key][0] += good
            per_class[cls][key][1] += 1
        if "text" in expect:
            for key in ("kept", "exact"):
                goals[key][0] += checks[key]
                goals[key][1] += 1
        if "kind" in expect:
            if expect["kind"] == "human":
                goals["automatic false positives"][0] += not checks["kind"]
                goals["automatic false positives"][1] += 1
            else:
                goals["automatic recall"][0] += checks["kind"]
                goals["automatic recall"][1] += 1
        if not all(checks.values()):
            errors.append(f"  {case}: " + ", ".join(k for k, v in checks.items() if not v))
    return per_class, goals, errors


def render(name: str, per_class, goals) -> str:
    lines = [f"== {name}", "| class | property | passed |", "|---|---|---|"]
    for cls in sorted(per_class):
        for key, (ok, total) in per_class[cls].items():
            lines.append(f"| {cls} | {key} | {ok}/{total} |")
    lines.append("")
    for key, (ok, total) in goals.items():
        lines.append(f"{key}: {ok}/{total} ({ok / total:.2f})" if total else f"{key}: n/a")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the tuning set's mistakes")
    args = parser.parse_args(argv)
    for name in ("tuning", "heldout", "heldout_b"):
        per_class, goals, errors = evaluate(name)
        print(render(name, per_class, goals))
        if args.errors and name == "tuning":
            print("\n".join(errors))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
