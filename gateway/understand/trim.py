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

import re
from typing import Iterable

__all__ = ["split_reply"]

EMPTY, DELIMITER, SIGNATURE, EMBEDDED, HEADER, QUOTE, TEXT = "edsbhqt"

#: Lines longer than this are never markers nor headers: they are text or
#: quote. It bounds the work of every line regex.
_MAX_MARKER_LINE = 400

_DELIMITER_RE = re.compile(r"^[ \t]*[-_,=+~#*ᐧ—]+[ \t]*$")
#: ">" quoting, and supercite-style initials ("JD> ...") some clients use.
_QUOTE_RE = re.compile(r"^[ \t]*(?:[A-Z]{1,3})?>")

# --- mobile footers and "sent from" lines -----------------------------------
_DEVICES = (
    r"iPhone|iPad|smartphone|mobile|portable|téléphone|telephone|appareil|tablette|Samsung|Galaxy"
    r"|Huawei|Xiaomi|Redmi|Honor|Oppo|Wiko|Android|BlackBerry|Pixel|Sony|Nokia|Motorola|OnePlus"
)
_SIGNATURE_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # French
        rf"^[ \t]*Envoy[ée] (?:de|depuis|à partir de|a partir de) (?:mon|ma|un|une) (?:\w+ ){{0,2}}(?:{_DEVICES})",
        r"^[ \t]*Envoy[ée] (?:de|depuis|à partir de|a partir de) (?:l'application|Yahoo|Outlook|Mail|Courrier|Orange|SFR|Free|Gmail)",
        r"^[ \t]*Envoy[ée] (?:avec|via) (?:\S+ ){0,3}(?:Mail|mail|Outlook|Gmail|Yahoo|Orange|SFR|Free|Spark|BlueMail|K-9)",
        r"^[ \t]*Provenance ?: ?(?:Courrier|Mail) pour Windows",
        r"^[ \t]*(?:Télécharger|Telecharger|Obtenir|Obtenez) (?:\[?Outlook|l'application Outlook) pour ",
        r"^[ \t]*(?:Message )?envoyé depuis (?:mon|le) (?:mobile|smartphone|téléphone|iPhone|iPad)",
        # antivirus footers French home users' mail carries
        r"^[ \t]*(?:<?https?://\S{1,300}>?[ \t]*)?(?:Garanti sans virus|Sans virus|Virus-free)\.?[ \t]*(?:www\.)?(?:avast|avg)",
        # English
        r"^[ \t]*\w+ from mobile",
        r"^[ \t]*[(<]*Sent (?:from|via|with|by) .+",
        r"^[ \t]*From my .{1,20}",
        r"^[ \t]*Get (?:\[?Outlook|the Outlook app) for ",
        # German, Italian, Portuguese, Spanish, Dutch, Nordic, Chinese
        r"^[ \t]*Von meinem .+ gesendet",
        r"^[ \t]*Diese Nachricht wurde von .+ gesendet",
        r"^[ \t]*Inviato da ",
        r"^[ \t]*Enviado do meu ",
        r"^[ \t]*Enviado desde mi ",
        r"^[ \t]*Verzonden met ",
        r"^[ \t]*Verstuurd vanaf mijn ",
        r"^[ \t]*Sendt fra min ",
        r"^[ \t]*från min ",
        r"^[ \t]*從我的 iPhone 傳送",
    )
]
_MARKDOWN_LINK_RE = re.compile(r"\[([^\]\n]{1,200})\]\([^)\n]{0,400}\)")

# --- "X wrote:" markers and forward/original-message banners ----------------
# Each regex is applied to one line (or to two or three lines joined, for
# Gmail markers wrapped by the client). The lazy middle part is bounded.
_MID = r".{1,300}?"
_ON_DATE_WROTE = [
    # French: Gmail, Apple Mail, Thunderbird, Yahoo, Zimbra
    rf"Le\s{_MID}(?:a\s+écrit|nous\s+a\s+dit|a\s+ecrit)",
    # English
    rf"In message\s{_MID}writes",
    rf"(?:On|At)\s{_MID}(?:wrote|writes|says|said)",
    # Chinese, Dutch, German, Italian, Polish, Portuguese, Spanish
    rf"在\s?{_MID}写道",
    rf"Op\s{_MID}(?:het\svolgende\sgeschreven|schreef[^:]{{0,200}})",
    rf"Am\s{_MID}schrieben\sSie",
    rf"Am\s{_MID}(?:geschrieben|schrieb[^:]{{0,200}})",
    rf"Il\s{_MID}ha\sscritto",
    rf"(?:W dniu|Dnia|Dňa)\s{_MID}napisał(?:\(a\))?",
    rf"In data\s{_MID}ha\sscritto",
    rf"Em\s{_MID}escreveu",
    rf"El\s{_MID}escribió",
]
_ON_DATE_WROTE_RES = [
    re.compile(rf"^[\s<>-]*(?:{p})[\s.:>-]*$", re.IGNORECASE) for p in _ON_DATE_WROTE
]
#: First words that may start a marker wrapped over several lines.
_WRAPPED_STARTERS_RE = re.compile(
    r"^[ \t<>-]*(?:Le|On|At|In message|In data|Op|Am|Il|W dniu|Dnia|Dňa|Em|El|在)\s", re.IGNORECASE
)

#: Markers that clients may wrap over several lines, tried on joined lines.
_JOINABLE_RES = [
    # Op 10 dec. 2015 18:35 schreef "X" <x@y>:  /  Am ... schrieb X:  / Den ... skrev
    re.compile(r"^[ \t>]*(?:Op|Am|Den|søn\.)\s.{1,300}?\s(?:schreef|schrieb|skrev)\s[^:]{1,200}:"),
    # суббота, 14 марта 2015 г. пользователь etewiah написал:
    re.compile(r"\d{4}.{1,80}пользователь.{0,80}?написал:"),
    re.compile(r"\d{4}.{1,80}?napisał\(a\):"),
    re.compile(r"\d{4}.{1,80}?пише:"),
    # Max Mustermann <x@y> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:
    re.compile(r"^.{1,300}?\bwrote\b\s+\bon\b.{1,300}:$"),
    re.compile(r"^.{1,300}?\bschrieb\b\s+\bam\b.{1,300}:$"),
    # Any language: a time, an address, then a colon ending the line:
    # "pe 20. lokakuuta 2017 klo 17.50 John Coe <s.test@test.com> kirjoitti:"
    re.compile(
        r"^.{0,200}?\b\d{1,2}[:.h]\d{2}\b.{0,200}?[\w.+-]{1,100}@[\w.-]{1,100}\.\w{2,}>?"
        r"[^@:]{0,40}:[ \t\u00a0]*$"
    ),
]
#: 2015-10-18 0:17 GMT+03:00 Matt Palmer <info@discourse.org>:
_DATE_SOMEONE_EMAIL_RE = re.compile(
    r"\d{4}.{1,80}\s?<[^@<>\s]{1,100}@[^@<>.\s]{1,100}\.[^@<>\s]{1,100}>:?$"
)

_OTHER_EMBEDDED_RES = _JOINABLE_RES + [
    _DATE_SOMEONE_EMAIL_RE,
    # 2016-03-03 17:21 GMT+01:00 Some One
    re.compile(r"^[ \t>]*20\d\d-\d\d-\d\d \d\d:\d\d GMT\+\d\d:\d\d [\w \t]+$"),
    # codinghorror via Discourse Meta wrote:
    re.compile(r"^.{1,300}? via .{1,300}? (?:wrote|schrieb|a écrit):?[ \t]*$"),
    # Some One <x@y> wrote:  /  Jean Dupont <jean@x.fr> a écrit :
    re.compile(
        r"^.{0,300}?\b[\w.+-]{1,100}@[\w.-]{1,100}\.\w{2,}\b.{0,300}?(?:wrote|a\s+écrit)\s*:?\s*$"
    ),
    # Android: "---- John Smith wrote ----"
    re.compile(r"^[ \t>]*-{2,}[ \t]*.{1,200}?\s(?:wrote|a écrit|a ecrit)[ \t:]*-{2,}[ \t]*$", re.IGNORECASE),
    # Posted by mpalmer on 01/21/2016
    re.compile(r"^[ \t>]*Posted by .{1,300} on \d{2}/\d{2}/\d{4}$", re.IGNORECASE),
    # Orange / La Poste webmail: "Message du 04/02/25 09:15"
    re.compile(r"^[ \t>]*Message du \d{1,2}/\d{1,2}/\d{2,4} \d{1,2}:\d{2}\s*$", re.IGNORECASE),
    # Begin forwarded message: / Début du message réexpédié :
    re.compile(r"^[ \t>]*Begin forwarded message\s*:", re.IGNORECASE),
    re.compile(r"^[ \t>]*Début du message (?:réexpédié|transféré)\s*:", re.IGNORECASE),
    # -----Original Message----- and all its cousins, any language we see
    re.compile(
        r"^[ \t>*]*-{2,}[ \t]*(?:(?:Forwarded|Original|Reply) (?:Message|e-?mail)"
        r"|Message d'origine|Message d’origine|Message original|Mail original"
        r"|Message transmis|Message transféré|Mail transféré|Courriel original"
        r"|Ursprüngliche Nachricht|Mensaje original|Messaggio originale|原始邮件"
        r"|Weitergeleitete Nachricht|Mensaje reenviado)[ \t]*-{2,}",
        re.IGNORECASE,
    ),
]

# --- mail headers quoted inline (Outlook, Zimbra, Thunderbird) --------------
_HEADER_WITH_DATE_RE = re.compile(
    r"^[\s*]*(?:Sendt|Sent|Date|Le|Envoyé le|Envoyé|Envoy[ée]\s?le|Gesendet|Enviada em|Enviado"
    r"|Fecha|Data|Datum|Skickat|发送时间)[\s*]*:.*\d",
    re.IGNORECASE,
)
_HEADER_WITH_TEXT_RE = re.compile(
    r"^[\s*]*(?:Fra|Til|Emne|From|To|Cc|Cci|Bcc|Reply-To|Subject|De|Expéditeur|À|A|Pour"
    r"|Destinataire|Destinataires|Répondre à|Objet|Sujet|Copie à|Von|An|Betreff|Para|Assunto"
    r"|Asunto|Da|Risposta|Oggetto|Van|Beantwoorden - Aan|Aan|Onderwerp|Från|Till|Ämne"
    r"|发件人|收件人|主题)[\s*]*:.*\w",
    re.IGNORECASE,
)


def _is_marker(line: str) -> bool:
    return any(r.search(line) for r in _ON_DATE_WROTE_RES) or any(
        r.search(line) for r in _OTHER_EMBEDDED_RES
    )


def _is_signature(line: str) -> bool:
    if "](" in line:
        line = _MARKDOWN_LINK_RE.sub(r"\1", line)
    return any(r.search(line) for r in _SIGNATURE_RES)


def _classify(line: str) -> str:
    """One letter saying what a line is; long lines are only text or quote."""
    if not line.strip():
        return EMPTY
    if len(line) > _MAX_MARKER_LINE:
        return QUOTE if _QUOTE_RE.match(line) else TEXT
    if _DELIMITER_RE.match(line):
        return DELIMITER
    if _is_signature(line):
        return SIGNATURE
    if _is_marker(line):
        return EMBEDDED
    if _HEADER_WITH_DATE_RE.match(line) or _HEADER_WITH_TEXT_RE.match(line):
        return HEADER
    if _QUOTE_RE.match(line):
        return QUOTE
    return TEXT


_YEAR_RE = re.compile(r"\d{4}")
_LEADING_QUOTE_RE = re.compile(r"^[ \t>\-]*")
#: How many following lines a wrapped marker may span (Gmail puts the
#: address, then "wrote:", on lines of their own, sometimes with blank lines).
_WRAP_SPAN = 6


#: Every marker ends with a colon or one of these words: a cheap test on the
#: end of a joined candidate that spares the full regexes on ordinary text.
_MARKER_END_RE = re.compile(
    r"(?::|wrote|writes|says|said|écrit|ecrit|dit|schreef|geschreven|schrieb|geschrieben"
    r"|scritto|escreveu|escribió|napisał|napisał\(a\)|написал|пише|写道|skrev)[\s.:>-]*$",
    re.IGNORECASE,
)


def _joined_is_marker(first: str, joined: str) -> bool:
    if not _MARKER_END_RE.search(joined[-40:]):
        return False
    if any(r.search(joined) for r in _ON_DATE_WROTE_RES):
        return True
    if any(r.search(joined) for r in _JOINABLE_RES):
        return True
    # "2016-10-24 15:36 GMT+02:00 Foo bar <" + "info@foo.bar>:"
    return first.rstrip().endswith("<") and bool(_DATE_SOMEONE_EMAIL_RE.search(joined))


def _mark_wrapped_markers(lines: list[str], kinds: list[str]) -> None:
    """Clients wrap "Le lun. 3 févr. 2025 à 10:12, X <x@y> a écrit :" over
    several lines: join a candidate with its next lines and mark all of
    them as a marker when the joined text is one."""
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        if (
            kinds[i] in (TEXT, QUOTE, HEADER, EMBEDDED)
            and len(line) <= _MAX_MARKER_LINE
            and (_WRAPPED_STARTERS_RE.match(line) or _YEAR_RE.search(line) or "@" in line)
        ):
            joined = line.rstrip()
            for k in range(1, _WRAP_SPAN + 1):
                if i + k >= n or len(lines[i + k]) > _MAX_MARKER_LINE or len(joined) > 600:
                    break
                if _WRAPPED_STARTERS_RE.match(lines[i + k]):
                    break  # never swallow the next marker ("On this day ... On 28 Jan")
                nxt = _LEADING_QUOTE_RE.sub("", lines[i + k]).strip()
                if not nxt:
                    continue
                joined = joined + ("" if joined.endswith("<") else " ") + nxt
                if _joined_is_marker(line, joined):
                    for j in range(i, i + k + 1):
                        kinds[j] = EMBEDDED
                    i += k
                    break
        i += 1


_GENERIC_BANNER_RE = re.compile(r"^[ \t>*]*-{3,}[ \t]*[^\W\d_][\w'’ ]{2,40}?[ \t]*-{3,}[ \t]*$")


def _mark_generic_banners(lines: list[str], kinds: list[str]) -> None:
    """"-------- Oprindelig besked --------" in a language we do not list is
    a marker when mail headers follow it."""
    n = len(lines)
    for i, line in enumerate(lines):
        if kinds[i] == TEXT and len(line) <= _MAX_MARKER_LINE and _GENERIC_BANNER_RE.match(line):
            j = i + 1
            while j < n and kinds[j] == EMPTY:
                j += 1
            if j < n and kinds[j] == HEADER:
                kinds[i] = EMBEDDED


def _mark_wrapped_quote_lines(lines: list[str], kinds: list[str]) -> None:
    """A text line squeezed between two quote lines is a quoted line the
    client wrapped without its ">" when the quote line before it is long or
    when it is a single word (the tail of a cut URL)."""
    for i in range(1, len(kinds) - 1):
        if (
            kinds[i] == TEXT
            and kinds[i - 1] == QUOTE
            and kinds[i + 1] == QUOTE
            and (len(lines[i - 1]) >= _WRAPPED_QUOTE_WIDTH or len(lines[i].split()) == 1)
        ):
            kinds[i] = QUOTE


#: Quote lines at least this long are taken as wrapped by the client.
_WRAPPED_QUOTE_WIDTH = 60


def _mark_code_blocks(lines: list[str], kinds: list[str]) -> None:
    """Lines inside ``` fences are the author's text, whatever they look like."""
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            inside = not inside
            kinds[i] = TEXT
        elif inside:
            kinds[i] = EMPTY if not line.strip() else TEXT


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
    raw_kinds = [_classify(line) for line in lines]
    _mark_wrapped_markers(lines, raw_kinds)
    _mark_generic_banners(lines, raw_kinds)
    _mark_wrapped_quote_lines(lines, raw_kinds)
    _mark_code_blocks(lines, raw_kinds)

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
