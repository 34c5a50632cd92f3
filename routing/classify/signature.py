"""Where the writer's signature starts: mentions after it describe the writer, not the request.
"""

from __future__ import annotations

import re

from routing.classify.text import normalise

_CLOSING = re.compile(
    r"\b(?:cordialement|bien a vous|bien a toi|salutations|sentiments|veuillez agreer)\b"
)
_CLOSING_LINE = re.compile(
    r"^(?:merci|je vous remercie|en vous remerciant|bonne journee|bonne soiree|a bientot|amicalement|"
    r"sincerement|respectueusement|je vous prie)\b(?: +[a-z0-9]+){0,3} *,? *$"
)


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
