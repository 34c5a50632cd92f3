"""Answers written between quoted lines: keep the answers, and one line of each question.

People answer point by point on Gmail and Thunderbird: a few quoted lines,
their answer, more quoted lines, another answer. ``trim`` keeps such a text
whole (the quotes are what the answers refer to), so the relayed mail would
carry the quoted notification back to everyone: its greeting, its footer,
its "a écrit :" line.

The choice made here: each run of quoted lines that an answer follows is
reduced to its last meaningful line, kept as written (``> question``), since
an answer such as "Oui, en avril." means nothing without it; the rest of the
run (greetings, empty ``>`` lines, quoted "X a écrit :" lines) is dropped, and
so is every quoted run that no answer follows. A quoted signature (after a
quoted ``--``) is never kept as a question.
"""

from __future__ import annotations

import re

from .quote_lines import DELIMITER, EMBEDDED, EMPTY, classify_lines
from .signatures import is_closing

__all__ = ["shorten_quotes"]

_QUOTE_RE = re.compile(r"^[ \t]*>")
_QUOTE_MARKS_RE = re.compile(r"^[ \t>]*")
#: A quoted line longer than this is cut, with an ellipsis, when kept as a question.
MAX_QUESTION_CHARS = 200


def _is_quote(line: str) -> bool:
    return bool(_QUOTE_RE.match(line))


def _question_of(run: list[str]) -> str | None:
    """The last meaningful line of a quoted run, before any quoted signature."""
    contents = [_QUOTE_MARKS_RE.sub("", line) for line in run]
    kinds = classify_lines(contents)
    if DELIMITER in kinds:
        cut = kinds.index(DELIMITER)
        run, kinds = run[:cut], kinds[:cut]
    for line, kind in zip(reversed(run), reversed(kinds)):
        if kind not in (EMPTY, EMBEDDED):
            if is_closing(_QUOTE_MARKS_RE.sub("", line)):
                return None  # the quoted mail's own "Merci d'avance." / "Cordialement,": no question
            line = line.rstrip()
            return line if len(line) <= MAX_QUESTION_CHARS else line[: MAX_QUESTION_CHARS - 1].rstrip() + "…"
    return None


def shorten_quotes(text: str) -> str:
    """``text`` with each quoted run reduced to the question an answer follows."""
    lines = text.split("\n")
    if not any(_is_quote(line) for line in lines):
        return text
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        if not _is_quote(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < n and (_is_quote(lines[j]) or (not lines[j].strip() and j + 1 < n and _is_quote(lines[j + 1]))):
            j += 1
        question = _question_of(lines[i:j]) if _answered(lines[j:]) else None
        if question is not None:
            out.append(question)
        i = j
    return _single_blank_lines(out).strip("\n")


def _answered(rest: list[str]) -> bool:
    """Whether an answer follows a quoted run: text that is not only the
    reply's closing formula and signature ("Merci à vous,\nKarim")."""
    following = []
    for line in rest:
        if _is_quote(line):
            break
        if line.strip():
            following.append(line)
    if not following:
        return any(line.strip() for line in rest)
    return not is_closing(following[0])


def _single_blank_lines(lines: list[str]) -> str:
    kept: list[str] = []
    for line in lines:
        if not line.strip() and kept and not kept[-1].strip():
            continue
        kept.append(line if line.strip() else "")
    return "\n".join(kept)
