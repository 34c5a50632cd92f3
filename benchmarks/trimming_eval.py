"""Score reply trimmers against the shared corpora and our French fixtures.

Run by hand (numbers go to docs/understanding.md):

    .venv/bin/python benchmarks/trimming_eval.py [--verbose CANDIDATE]

Each corpus case is an input body and the exact text the author wrote; a
candidate passes a case when its kept text equals the expected one after
``.strip()``. Candidates that are not installed are reported as such.
The loaders are reused by tests/understand_trim/test_trim_corpora.py.
"""

from __future__ import annotations

import argparse
import email
import email.iterators
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / ".." / "shared" / "corpora"
FRENCH_FIXTURES = REPO / "tests" / "data" / "trim"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@dataclass
class Case:
    name: str
    text: str
    expected: str | None = None  # exact kept text, compared after strip()
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()

    def passes(self, kept: str) -> bool:
        kept = kept.strip()
        if self.expected is not None and kept != self.expected.strip():
            return False
        if any(c not in kept for c in self.contains):
            return False
        return not any(c in kept for c in self.not_contains)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def load_discourse() -> list[Case]:
    base = CORPORA / "discourse+email_reply_trimmer" / "test"
    cases = []
    for f in sorted((base / "emails").glob("*.txt")):
        trimmed = base / "trimmed" / f.name
        if trimmed.exists():
            cases.append(Case(f.stem, _read(f), _read(trimmed)))
    return cases


def load_crisp() -> list[Case]:
    base = CORPORA / "crisp-oss+email-reply-parser"
    data = json.loads(_read(base / "expected_from_tests.json"))["records"]
    cases = []
    for r in data:
        exp = r.get("first_fragment_exact_stripped") or r.get("exact")
        if exp is None and "fragment_exact" in r and "0" in r["fragment_exact"]:
            exp = r["fragment_exact"]["0"]
        if exp is None or r.get("fragment_count", 1) > 1 and "fragment_exact" in r and len(r["fragment_exact"]) > 1:
            continue
        cases.append(Case(r["test"], _read(base / r["file"]), exp))
    return cases


def _load_exact_contains(folder: str) -> list[Case]:
    base = CORPORA / folder
    data = json.loads(_read(base / "expected_from_tests.json"))["records"]
    cases = []
    for r in data:
        if not any(k in r for k in ("exact", "contains", "not_contains")):
            continue
        path = base / r["file"]
        if not path.exists():
            continue
        cases.append(
            Case(
                r["file"],
                _read(path),
                r.get("exact"),
                tuple(r.get("contains", ())),
                tuple(r.get("not_contains", ())),
            )
        )
    return cases


def load_github() -> list[Case]:
    return _load_exact_contains("github+email_reply_parser")


def load_zapier() -> list[Case]:
    return _load_exact_contains("zapier+email-reply-parser")


def load_talon_inline() -> list[Case]:
    base = CORPORA / "mailgun+talon"
    data = json.loads(_read(base / "expected_inline_text_quotations.json"))
    return [Case(r["test"], r["input"], r["expected"]) for r in data]


def load_talon_standard() -> list[Case]:
    base = CORPORA / "mailgun+talon"
    data = json.loads(_read(base / "expected_fixtures.json"))["quotations"]
    cases = []
    for r in data:
        path = base / r["file"]
        if "expected_reply" not in r or not path.name.endswith(".eml") or not path.exists():
            continue
        msg = email.message_from_bytes(path.read_bytes())
        part = next(email.iterators.typed_subpart_iterator(msg, "text", "plain"), None)
        if part is None:
            continue
        payload = part.get_payload(decode=True) or b""
        body = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        # talon keeps "Sent from my iPhone" and "-- " signatures in the reply;
        # we elide them by design, so only the words before them are compared.
        expected = r["expected_reply"].split("\n")[0].strip()
        cases.append(Case(path.name, body, expected))
    return cases


def load_french() -> list[Case]:
    cases = []
    for f in sorted(FRENCH_FIXTURES.glob("*.txt")):
        if f.name.endswith(".expected.txt"):
            continue
        exp = f.with_name(f.stem + ".expected.txt")
        if exp.exists():
            cases.append(Case(f.stem, _read(f), _read(exp)))
    return cases


CORPUS_LOADERS: dict[str, Callable[[], list[Case]]] = {
    "discourse": load_discourse,
    "crisp": load_crisp,
    "github": load_github,
    "zapier": load_zapier,
    "talon-inline": load_talon_inline,
    "talon-std": load_talon_standard,
    "french (ours)": load_french,
}


# --- candidates --------------------------------------------------------------
def _ours() -> Callable[[str], str]:
    from gateway.understand.trim import split_reply

    return lambda text: split_reply(text)[0]


def _email_reply_parser() -> Callable[[str], str]:
    from email_reply_parser import EmailReplyParser

    return EmailReplyParser.parse_reply


def _mail_parser_reply() -> Callable[[str], str]:
    from mailparser_reply import EmailReplyParser

    parser = EmailReplyParser(languages=["fr", "en", "de", "es", "it", "nl", "pl", "sv", "da", "cs", "zh"])
    return parser.parse_reply


def _quotequail() -> Callable[[str], str]:
    import quotequail

    def trim(text: str) -> str:
        return "".join(part for show, part in quotequail.quote(text) if show)

    return trim


def _talon() -> Callable[[str], str]:
    from talon import quotations
    from talon.signature.bruteforce import extract_signature

    def trim(text: str) -> str:
        reply = quotations.extract_from_plain(text)
        return extract_signature(reply)[0]

    return trim


CANDIDATES: dict[str, Callable[[], Callable[[str], str]]] = {
    "ours (gateway.understand.trim)": _ours,
    "email-reply-parser": _email_reply_parser,
    "mail-parser-reply": _mail_parser_reply,
    "quotequail": _quotequail,
    "talon (plain + bruteforce signature)": _talon,
}


def load_corpora() -> dict[str, list[Case]]:
    corpora = {}
    for name, loader in CORPUS_LOADERS.items():
        try:
            corpora[name] = loader()
        except FileNotFoundError:
            corpora[name] = []
    return corpora


def score(trim: Callable[[str], str], cases: list[Case]) -> tuple[int, list[str]]:
    ok, failed = 0, []
    for case in cases:
        try:
            good = case.passes(trim(case.text) or "")
        except Exception:  # a candidate crashing on a case fails that case
            good = False
        if good:
            ok += 1
        else:
            failed.append(case.name)
    return ok, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", help="list failures of candidates whose name starts with this")
    args = parser.parse_args()
    corpora = load_corpora()
    names = list(corpora)
    print("| candidate | " + " | ".join(f"{n} ({len(corpora[n])})" for n in names) + " | time |")
    print("|---" * (len(names) + 2) + "|")
    for cname, factory in CANDIDATES.items():
        try:
            trim = factory()
        except ImportError as exc:
            print(f"| {cname} | not installed: {exc} |")
            continue
        cells = []
        started = time.perf_counter()
        failures = {}
        for n in names:
            ok, failed = score(trim, corpora[n])
            total = len(corpora[n])
            cells.append(f"{ok}/{total} ({100 * ok / total:.0f} %)" if total else "n/a")
            failures[n] = failed
        elapsed = time.perf_counter() - started
        print(f"| {cname} | " + " | ".join(cells) + f" | {elapsed:.2f} s |")
        if args.verbose and cname.startswith(args.verbose):
            for n, failed in failures.items():
                if failed:
                    print(f"    {n}: {', '.join(failed)}")
    if corpora["discourse"]:
        ok, total, failed = discourse_elided_score()
        print(f"\nours, discourse elided/ (whitespace-normalised): {ok}/{total}; failed: {', '.join(failed)}")


def discourse_elided_score() -> tuple[int, int, list[str]]:
    """Our elided text against discourse's ``elided/``, whitespace-normalised
    (discourse rewrites a wrapped "On … wrote:" onto one line, we keep the
    original lines)."""
    from gateway.understand.trim import split_reply

    base = CORPORA / "discourse+email_reply_trimmer" / "test"
    ok, total, failed = 0, 0, []
    for f in sorted((base / "emails").glob("*.txt")):
        expected = base / "elided" / f.name
        if not expected.exists():
            continue
        total += 1
        got = split_reply(_read(f))[1]
        if " ".join(got.split()) == " ".join(_read(expected).split()):
            ok += 1
        else:
            failed.append(f.stem)
    return ok, total, failed


if __name__ == "__main__":
    main()
