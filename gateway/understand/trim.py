"""Reply trimming: separate what the author wrote now from what was quoted.

``split_reply(text)`` returns ``(kept, elided)``: the words the author wrote in
this mail, and the quoted history, forward headers, mobile footers and
``-- `` signature that were cut (the admin shows them folded, nothing is lost).

Why hand-written (measured, see ``benchmarks/trimming_eval.py`` and
``docs/understanding.md``): on the discourse email_reply_trimmer fixtures the
maintained Python libraries trim at most half of the cases exactly (talon
52 %, email-reply-parser 44 %, mail-parser-reply 28 %, quotequail 12 %) and at
most 54 % of our French client fixtures (talon); this module trims 63/64
discourse cases (the 64th expects an empty reply, which we never return),
35/35 French fixtures, and is at or above the best library on every other
corpus except talon's own test set (39/45 against 41/45) and github's
(15/17 against 16/17).

The method is the one of discourse's email_reply_trimmer (Ruby, MIT), written
anew in Python with French client formats added: every line gets one letter
(``e`` empty, ``d`` delimiter, ``s`` mobile footer, ``b`` "X a écrit :" or
"-----Message d'origine-----" marker, ``h`` header such as ``De :``,
``q`` ``>`` quote, ``t`` text), and the decisions are made on that string of
letters. Every step on the letter string is a single linear scan (no regex
with nested quantifiers on it), and line regexes only run on lines shorter
than ``_MAX_MARKER_LINE``, so a megabyte of quotes is trimmed in linear time.

Decisions (documented because they are choices, not facts):

- A closing such as "Cordialement,\\nMarie Dupont\\nFrance Services de Lens"
  is part of what the author wrote and is kept: it often carries the name and
  the structure the agent works for. Only what follows a delimiter line
  (``-- ``, ``____``, ``----``), mobile footers ("Envoyé de mon iPhone",
  "Provenance : Courrier pour Windows", "Télécharger Outlook pour Android")
  and quoted history are elided.
- Bottom-posting under an "X a écrit :" marker keeps the text under the quote
  and elides the quote. A bare ``>`` quote followed by text, without any
  marker, is kept as context (the author selected it on purpose, as discourse
  does); trailing ``>`` quotes are elided. Interleaved answers ("> question"
  then the answer, several times) keep the questions they answer, and a
  quote followed by seven text lines or more is taken for interleaving.
- When everything looks quoted, the whole text is kept: a reply is never
  reduced to nothing.
"""

from __future__ import annotations

from typing import Iterable

from .quote_lines import DELIMITER, EMBEDDED, EMPTY, HEADER, QUOTE, SIGNATURE, TEXT, classify_lines

__all__ = ["split_reply"]

def _first_t_before(kinds: list[str], j: int, skip: str) -> int | None:
    """Index of the text line reached going back from ``j - 1`` over
    letters in ``skip``, or None."""
    i = j - 1
    while i >= 0 and kinds[i] in skip:
        i -= 1
    return i if i >= 0 and kinds[i] == TEXT else None


def _cut_at_marker_without_quote(kinds: list[str]) -> int | None:
    """``te*b[^q]*$``: a marker after text, no quote after it; returns the
    index of that text line."""
    last_q = max((i for i, k in enumerate(kinds) if k == QUOTE), default=-1)
    for j in range(last_q + 1, len(kinds)):
        if kinds[j] == EMBEDDED:
            t = _first_t_before(kinds, j, EMPTY)
            if t is not None:
                return t
    return None


#: Up to this many text lines after a quote are taken for a signature or a
#: footer of the quoted mail; more is an answer written under the quote.
_MAX_TEXT_AFTER_QUOTE = 7


def _cut_at_marker_with_quote(kinds: list[str]) -> int | None:
    """``te*b[eqbh]*[te]*$``: a marker after text, then a quote, then maybe
    a little text (the tail of a signature, a footer)."""
    n = len(kinds)
    tail = n
    while tail > 0 and kinds[tail - 1] in (TEXT, EMPTY):
        tail -= 1
    if kinds[tail:].count(TEXT) >= _MAX_TEXT_AFTER_QUOTE:
        return None  # a real answer under the quote: interleaved, keep it
    guard = tail - 1
    while guard >= 0 and kinds[guard] in (EMPTY, QUOTE, EMBEDDED, HEADER):
        guard -= 1
    # every b at index > guard (and < tail) is followed by [eqbh]* then [te]*
    for j in range(guard + 1, tail):
        if kinds[j] == EMBEDDED:
            t = _first_t_before(kinds, j, EMPTY)
            if t is not None:
                return t
    return None


def _spread_multiline_headers(kinds: list[str]) -> None:
    """``h+[hte]+h+e``: headers whose values wrap over several lines."""
    n = len(kinds)
    i = 0
    while i < n:
        if kinds[i] != HEADER:
            i += 1
            continue
        run_end = i
        while run_end < n and kinds[run_end] in (HEADER, TEXT, EMPTY):
            run_end += 1
        last = None
        for m in range(run_end - 1, i + 2, -1):
            if kinds[m] == EMPTY and kinds[m - 1] == HEADER and m - 1 >= i + 2:
                last = m
                break
        if last is not None:
            for s in range(i, last + 1):
                kinds[s] = HEADER
            return
        i = run_end


def _cut_before_header_block(kinds: list[str]) -> int | None:
    """``t[eq]*h{3,}``: text followed by at least three header lines."""
    n = len(kinds)
    i = 0
    while i < n:
        if kinds[i] == HEADER:
            j = i
            while j < n and kinds[j] == HEADER:
                j += 1
            if j - i >= 3:
                t = _first_t_before(kinds, i, EMPTY + QUOTE)
                if t is not None:
                    return t
            i = j
        else:
            i += 1
    return None


def _reply_after_quote(kinds: list[str]) -> int | None:
    """``^(b[^t]+)*b[bqeh]+t[et]*$``: bottom-posting under a marker (the
    quoted mail first, then only the answer); returns the index of the first
    text line."""
    if not kinds or kinds[0] != EMBEDDED or TEXT not in kinds:
        return None
    first_t = kinds.index(TEXT)
    if first_t < 2:
        return None
    if all(k in (EMBEDDED, QUOTE, EMPTY, HEADER) for k in kinds[:first_t]) and all(
        k in (TEXT, EMPTY) for k in kinds[first_t:]
    ):
        return first_t
    return None


#: A footer line longer than this may be a sentence: it is elided but does
#: not end the author's text.
_MAX_FOOTER_CUT = 80


def _first_footer_after_text(lines: list[str], idx: list[int], kinds: list[str]) -> int | None:
    seen_text = False
    for i, k in enumerate(kinds):
        if k == TEXT:
            seen_text = True
        elif k == SIGNATURE and seen_text and len(lines[idx[i]].strip()) <= _MAX_FOOTER_CUT:
            return i
    return None


def _trim_indices(lines: list[str]) -> list[int]:
    """Indices of the lines the author wrote, in order."""
    raw_kinds = classify_lines(lines)

    idx = list(range(len(lines)))
    kinds = list(raw_kinds)

    def keep(pairs: Iterable[tuple[int, str]]) -> None:
        nonlocal idx, kinds
        pairs = list(pairs)
        idx = [p[0] for p in pairs]
        kinds = [p[1] for p in pairs]

    # everything after the first delimiter ("-- ", "____", "-----")
    if DELIMITER in kinds:
        cut = kinds.index(DELIMITER)
        keep(zip(idx[:cut], kinds[:cut]))
    # a mobile footer ends what the author wrote: what follows it is history
    # pasted without quote marks ("Envoyé de mon iPhone" then the old mail)
    footer = _first_footer_after_text(lines, idx, kinds)
    if footer is not None:
        keep(zip(idx[:footer], kinds[:footer]))
    # mobile footers, wherever they are
    keep((i, k) for i, k in zip(idx, kinds) if k != SIGNATURE)

    start = _reply_after_quote(kinds)
    if start is not None:
        keep(zip(idx[start:], kinds[start:]))

    for cutter in (_cut_at_marker_without_quote, _cut_at_marker_with_quote):
        t = cutter(kinds)
        if t is not None:
            keep(zip(idx[: t + 1], kinds[: t + 1]))

    keep((i, k) for i, k in zip(idx, kinds) if k != EMBEDDED)

    _spread_multiline_headers(kinds)
    t = _cut_before_header_block(kinds)
    if t is not None:
        keep(zip(idx[: t + 1], kinds[: t + 1]))
    keep((i, k) for i, k in zip(idx, kinds) if k != HEADER)

    if TEXT in kinds:
        end = len(kinds)
        while end > 0 and kinds[end - 1] in (EMPTY, QUOTE):
            end -= 1
        keep(zip(idx[:end], kinds[:end]))
    return idx


def split_reply(text: str) -> tuple[str, str]:
    """Return ``(kept, elided)`` for a plain-text mail body.

    ``kept`` is what the author wrote now, stripped; ``elided`` the quoted
    history, forward banners, mobile footers and signature that were cut,
    in their original order. ``kept`` is never empty when ``text`` is not.
    """
    if not text or not text.strip():
        return "", ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    kept_idx = _trim_indices(lines)
    kept_set = set(kept_idx)
    kept = "\n".join(lines[i] for i in kept_idx).strip()
    if not kept:
        return text.strip(), ""
    elided = "\n".join(line for i, line in enumerate(lines) if i not in kept_set).strip()
    return kept, elided
