"""Subject prefixes: "RE:", "TR :", "Fwd:" and their cousins in other languages.

Which prefixes say "forwarded" and which say "reply" decides whether a
quoted block may be a forwarded case (``forwards``) and how threading reads
a subject. Outlook writes the prefixes in its interface language.
"""

from __future__ import annotations

import re

__all__ = ["REPLY_PREFIXES", "is_forward_subject", "is_reply_subject", "split_prefixes", "strip_subject_prefixes"]

_REPLY_OR_FORWARD_PREFIX_RE = re.compile(
    r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?P<p>re|tr|fwd?|fw|transf|wg|rv|enc|aw|sv|vs|vl|vb|pd|i|redir\.?|videresend|i̇lt|İlt|ilt|réf|ref)\s*(?:\[\d+\])?\s*:\s*",
    re.IGNORECASE,
)
#: "TR" is French, the others what Outlook writes in other languages
#: (Italian "I:", Polish "PD:", Swedish "VB:", Danish "VS:", Turkish "İLT:").
_FORWARD_PREFIXES = {
    "tr", "fwd", "fw", "transf", "wg", "rv", "enc", "vs", "vl", "vb", "pd", "i", "redir", "redir.",
    "videresend", "i̇lt", "ilt",
}


def split_prefixes(subject: str) -> tuple[list[str], str]:
    """Leading "RE:", "TR :", "Fwd:" prefixes (lower-cased) and the rest."""
    prefixes = []
    rest = subject or ""
    for _ in range(20):  # bounded: hostile subjects cannot loop forever
        m = _REPLY_OR_FORWARD_PREFIX_RE.match(rest)
        if not m:
            break
        prefixes.append(m.group("p").lower())
        rest = rest[m.end():]
    return prefixes, rest.strip()


REPLY_PREFIXES = {"re", "aw", "sv", "réf", "ref"}


def is_reply_subject(subject: str) -> bool:
    """True when the first prefix is a reply one ("RE:", "AW:", "Réf :")."""
    prefixes, _ = split_prefixes(subject)
    return bool(prefixes) and prefixes[0] in REPLY_PREFIXES and not is_forward_subject(subject)


def is_forward_subject(subject: str) -> bool:
    """True for "TR :", "Tr:", "Fwd:", "FW:", "RE: TR:" … in any case and spacing."""
    prefixes, _ = split_prefixes(subject)
    return any(p in _FORWARD_PREFIXES for p in prefixes)


def strip_subject_prefixes(subject: str) -> str:
    """The subject without its "RE:" / "TR :" / "Fwd:" prefixes."""
    return split_prefixes(subject)[1]
