"""Line letters for reply trimming: what each line of a body looks like.

``classify_lines(lines)`` gives one letter per line (``e`` empty, ``d``
delimiter, ``s`` mobile footer, ``b`` "X a écrit :" or
"-----Message d'origine-----" marker, ``h`` header such as ``De :``, ``q``
``>`` quote, ``t`` text); ``trim`` makes its decisions on that string of
letters. The regexes of the mail clients' formats live here, apart from the
decisions, because they are the part that grows with each new client.
Line regexes only run on lines shorter than ``_MAX_MARKER_LINE``, so a
megabyte of quotes is classified in linear time.
"""

from __future__ import annotations

import re

__all__ = ["DELIMITER", "EMBEDDED", "EMPTY", "HEADER", "QUOTE", "SIGNATURE", "TEXT", "classify_lines"]

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
    re.compile(rf"^[\s<>-]*(?:{p})[\s.:：>-]*$", re.IGNORECASE) for p in _ON_DATE_WROTE
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


#: A footer is a few words; a line that goes on with a reason or a second
#: clause is a sentence that merely starts like one ("Sent from my desk
#: because my phone is broken: ...", "Envoyé de mon bureau, car ...").
_FOOTER_MAX_WORDS = 9
_URL_RE = re.compile(r"<?(?:https?://|www\.)\S{1,400}>?")
_SENTENCE_GOES_ON_RE = re.compile(
    r"\b(?:because|since|but|so that|as I|parce que|puisque|car|mais|pour que)\b|[;!?]|:\s+\w", re.IGNORECASE
)


def _is_signature(line: str) -> bool:
    if "](" in line:
        line = _MARKDOWN_LINK_RE.sub(r"\1", line)
    if not any(r.search(line) for r in _SIGNATURE_RES):
        return False
    if line.strip().lower().startswith("provenance"):
        return True
    words = _URL_RE.sub(" ", line)
    return len(words.split()) <= _FOOTER_MAX_WORDS and not _SENTENCE_GOES_ON_RE.search(words)


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


#: A time of day as clients write it in a quoted "Date:" / "Envoyé :" line.
_TIME_RE = re.compile(r"\b\d{1,2}[:h.]\d{2}\b")
_ADDRESS_RE = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


def _is_quote_header_block(lines: list[str], headers: int) -> bool:
    """What a mail client writes above a quoted mail: several header lines
    with a date and time ("Envoyé : lundi 13 octobre 2025 15:10") or an
    address. "De : service des prestations, dossier n° 12" and "Objet : ..."
    copied into a text are the author's words."""
    if headers < 2:
        return False
    if any(_HEADER_WITH_DATE_RE.match(line) and _TIME_RE.search(line) for line in lines):
        return True
    return headers >= 3 and any(_ADDRESS_RE.search(line) for line in lines)


def _mark_own_header_lines(lines: list[str], kinds: list[str]) -> None:
    """Header-like lines outside a real quote header block are text. A block
    runs over header lines and the wrapped values between them."""
    i, n = 0, len(kinds)
    while i < n:
        if kinds[i] != HEADER:
            i += 1
            continue
        j, headers = i, 0
        while j < n:
            if kinds[j] == HEADER:
                headers += 1
                j += 1
            elif kinds[j] == TEXT and any(kinds[k] == HEADER for k in range(j + 1, min(n, j + 3))):
                j += 1
            else:
                break
        if not _is_quote_header_block(lines[i:j], headers):
            for k in range(i, j):
                if kinds[k] == HEADER:
                    kinds[k] = TEXT
        i = j


def classify_lines(lines: list[str]) -> list[str]:
    """One letter per line, after the fixes that need the neighbouring lines
    (markers wrapped over several lines, banners in unlisted languages,
    quote lines wrapped without their ``>``, code blocks)."""
    kinds = [_classify(line) for line in lines]
    _mark_wrapped_markers(lines, kinds)
    _mark_generic_banners(lines, kinds)
    _mark_wrapped_quote_lines(lines, kinds)
    _mark_code_blocks(lines, kinds)
    _mark_own_header_lines(lines, kinds)
    return kinds
