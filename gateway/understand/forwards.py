"""Forwarded mail: find the original inside a "TR :" / "Fwd:" body.

France Services agents forward what a person sent them. The original sender
becomes the requester, the forwarder an aidant, and the forwarder's own words
above the forward are kept as their note. This module only reads the text
body; an attached ``message/rfc822`` is handled by the parser.

``find_forward(subject, text)`` looks for the first (outermost) forward in
the body:

- banners that only a forward carries ("---------- Message transféré
  ---------", "-------- Forwarded Message --------", "Début du message
  réexpédié :", "Begin forwarded message:", "----- Message transmis -----")
  are a forward whatever the subject says;
- markers shared with replies ("-----Message d'origine-----", an Outlook
  underscores line followed by headers, a bare "De : / Envoyé : / Objet :"
  block, "Le … X <x@y> a écrit :") count only when the subject is a forward
  subject ("TR :", "Fwd:", "RE: TR:" …), because a reply quotes its history
  the same way.

Hand-written (measured, ``benchmarks/forward_eval.py``): no maintained
Python library does this; the reference (crisp-oss/email-forward-parser) is
JavaScript. Scores are in ``docs/understanding.md``.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from gateway.understand.model import Address
from gateway.understand.subjects import REPLY_PREFIXES, is_forward_subject, split_prefixes, strip_subject_prefixes
from gateway.understand.text_addresses import EMAIL_RE, parse_address, parse_wrote_line
from gateway.understand.trim import split_reply

__all__ = ["ForwardedText", "find_forward", "is_forward_subject", "parse_address"]


@dataclass
class ForwardedText:
    """The original mail found in a forward's body, and the forwarder's note."""

    sender: Address | None
    subject: str
    date: str
    text: str
    note: str


# --- markers -------------------------------------------------------------------
_QUOTE_PREFIX_RE = re.compile(r"^[ \t]*>[ \t]?")

#: Banners only forwards carry.
_FORWARD_BANNER_RE = re.compile(
    r"^[ \t>*]*(?:"
    r"-{2,}[ \t]*(?:Forwarded message|Forwarded Message|Message transféré|Message transfere"
    r"|Mail transféré|Message transmis|Courriel transféré|Weitergeleitete Nachricht"
    r"|Mensaje reenviado|Messaggio inoltrato|Doorgestuurd bericht)[ \t]*-{2,}"
    r"|Début du message (?:réexpédié|transféré)[ \t\u00a0]*:"
    r"|Begin forwarded message[ \t]*:"
    r"|Forwarded message[ \t]*:"
    r")",
    re.IGNORECASE,
)
#: Banners replies use as well: a forward only with a forward subject.
_ORIGINAL_BANNER_RE = re.compile(
    r"^[ \t>*]*-{2,}[ \t]*(?:Original Message|Message d'origine|Message d’origine|Mail original"
    r"|Message original|Courriel original|Ursprüngliche Nachricht|Mensaje original"
    r"|Messaggio originale|Oorspronkelijk bericht)[ \t]*-{2,}",
    re.IGNORECASE,
)
_UNDERSCORES_RE = re.compile(r"^[ \t>]*_{10,}[ \t]*$")
#: "-------- Videresendt meddelelse --------", "Anfang der weitergeleiteten
#: Nachricht:": in any language, a title line directly followed by headers.
_DASHED_TITLE_RE = re.compile(r"^[ \t>*]*-{2,}[ \t]*[^\W\d_][^-\n]{1,60}?[ \t]*-{2,}[ \t]*")
_COLON_TITLE_RE = re.compile(r"^[ \t>*]*[^\W\d_][^:@<>\n]{5,60}[ \t\u00a0]*:[ \t]*$")

_FROM_LABELS = (
    r"De|From|Expéditeur|Von|Van|Da|Fra|Från|Od|Lähettäjä|Feladó|От|Від кого|Від|Kimden|Gönderen"
    r"|Šalje|Nadawca|Mittente|Expeditorul|De la|Saatja|Отправитель|Odesílatel"
)
_SUBJECT_LABELS = (
    r"Objet|Sujet|Subject|Betreff|Asunto|Assunto|Oggetto|Onderwerp|Emne|Ämne|Temat|Aihe|Tárgy"
    r"|Тема|Předmět|Predmet|Naslov|Konu|Subiectul|Subiect"
)
_DATE_LABELS = (
    r"Date|Envoyé le|Envoyé|Sent|Datum|Fecha|Data|Gesendet|Dato|Enviado|Enviada em|Skickat|Sendt"
    r"|Päivämäärä|Päiväys|Dátum|Lähetetty|Dată|Дата|Tarih|Poslano|Wysłano|Odesláno|Inviato|Verzonden"
    r"|Trimis|Отправлено|Відправлено|Odoslané|Gönderilen|Elküldve|Sendt"
)
_OTHER_LABELS = (
    r"À|A|Pour|To|Cc|Risposta|Cci|Bcc|Copie à|Copie|Reply-To|Répondre à|An|Aan|Para|Til|Till"
    r"|Kopie \(CC\)|Kopie|Kopia|Kopi|Kopio|Kópia|Копия|Копія|Кому|Komu|Kime|Do|Címzett"
    r"|Másolatot kap|Másolat|Pre|Prima|DW|Bilgi|Vastaanottaja|Adresat|Către|Destinatarul"
    r"|Destinataire|Destinataires|Priorité|Importance"
)
_HEADER_RE = re.compile(
    rf"^[ \t*]*(?P<label>{_FROM_LABELS}|{_SUBJECT_LABELS}|{_DATE_LABELS}|{_OTHER_LABELS})"
    r"[ \t\u00a0*]*:[ \t\u00a0*]*(?P<value>.*)$",
    re.IGNORECASE,
)
_FROM_RE = re.compile(rf"^(?:{_FROM_LABELS})$", re.IGNORECASE)
_SUBJECT_RE = re.compile(rf"^(?:{_SUBJECT_LABELS})$", re.IGNORECASE)
_DATE_RE = re.compile(rf"^(?:{_DATE_LABELS})$", re.IGNORECASE)

#: "Le 28/10/2021 12:46, « John Doe » <john.doe@acme.com> a écrit :"
_WROTE_RE = re.compile(
    r"^[ \t>]*(?:Le|On)\s(?P<head>.{1,300}?)\s(?:a\s+écrit|wrote)[ \t\u00a0]*:?[ \t]*$",
    re.IGNORECASE,
)
#: Any language: a time, an address, a colon ending the line
#: ("Op 28/10/2021 12:46 heeft John Doe <john.doe@acme.com> geschreven:").
_ANY_WROTE_RE = re.compile(
    r"^[ \t]*[^>\s](?=.{0,400}?\b\d{1,2}[:.h]\d{2}\b)(?=.{0,400}?@).{0,400}?[ \t\u00a0]*:[ \t]*$"
)
#: Yahoo puts every header on the banner's own line, glued together.
_INLINE_LABEL_RE = re.compile(
    rf"(?P<label>{_FROM_LABELS}|{_SUBJECT_LABELS}|{_DATE_LABELS}|À|To|Cc)[ \t\u00a0]?:[ \t\u00a0]"
)

_MAX_LINE = 2000


@dataclass
class _Marker:
    index: int  # line of the banner (or of the first header)
    strong: bool  # a forward whatever the subject says
    kind: str  # "banner", "headers", "wrote"


def _unquote(line: str) -> str:
    return _QUOTE_PREFIX_RE.sub("", line, count=1)


def _is_header(line: str) -> bool:
    return len(line) <= _MAX_LINE and _HEADER_RE.match(_unquote(line)) is not None


def _header_block_at(lines: list[str], i: int) -> bool:
    """A real client's forward header block starts at line ``i``.

    Gmail, Outlook, Apple Mail, Thunderbird, Zimbra and the webmails all
    write a From line and at least two of Date/Sent, Subject and To, and the
    From carries an address or the date a time of day. Anything less
    ("From: X <x@y>" and a "Subject:" typed in a body, a letter's
    "De : / À : / Objet :" heading) is the author's text, not a forward.
    """
    kinds: dict[str, str] = {}
    j = i
    while j < len(lines) and j < i + 12:
        if _is_header(lines[j]):
            m = _HEADER_RE.match(_unquote(lines[j]))
            assert m is not None
            kinds.setdefault(_header_kind(m.group("label")), m.group("value"))
        elif not (lines[j].strip() and j + 1 < len(lines) and _is_header(lines[j + 1])):
            break  # a wrapped value continues the block only when a header follows
        j += 1
    return _is_real_header_set(kinds)


def _is_real_header_set(kinds: dict[str, str]) -> bool:
    if "from" not in kinds:
        return False
    others = sum(1 for kind in ("date", "subject", "à", "a", "to", "pour", "destinataire") if kind in kinds)
    others = min(others, 3) - (1 if ("à" in kinds or "a" in kinds) and "to" in kinds else 0)
    has_address = bool(EMAIL_RE.search(kinds["from"]))
    machine_date = bool(_CLIENT_DATE_RE.search(kinds.get("date", "")))
    return others >= 2 and (has_address or machine_date)


#: How clients write a forwarded Date/Sent: with a time of day ("15:10"), or
#: as numbers ("2016-01-27", "02/10/2025"); a letter writes "le 12 octobre 2025".
_CLIENT_DATE_RE = re.compile(r"\b\d{1,2}[:h.]\d{2}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")


def _headers_follow(lines: list[str], i: int) -> bool:
    """A header block (or Yahoo's inline headers) right after line ``i``."""
    rest = _DASHED_TITLE_RE.sub("", _unquote(lines[i]), count=1)
    if rest.strip() and _INLINE_LABEL_RE.search(rest):
        return True
    k = i + 1
    while k < len(lines) and k < i + 4 and not _unquote(lines[k]).strip():
        k += 1
    return k < len(lines) and _header_block_at(lines, k)


def _find_marker(lines: list[str]) -> _Marker | None:
    for i, line in enumerate(lines):
        if len(line) > _MAX_LINE:
            continue
        bare = _unquote(line)
        if _FORWARD_BANNER_RE.match(bare):
            return _Marker(i, True, "banner")
        if _ORIGINAL_BANNER_RE.match(bare):
            return _Marker(i, False, "banner")
        if (_DASHED_TITLE_RE.match(bare) or _COLON_TITLE_RE.match(bare)) and _headers_follow(lines, i):
            return _Marker(i, True, "banner")
        if _UNDERSCORES_RE.match(line):
            k = i + 1
            while k < len(lines) and k < i + 4 and not lines[k].strip():
                k += 1
            if k < len(lines) and _header_block_at(lines, k):
                return _Marker(i, False, "banner")
        if _HEADER_RE.match(bare) and _header_block_at(lines, i):
            return _Marker(i, False, "headers")
        if (_WROTE_RE.match(line) or _ANY_WROTE_RE.match(line)) and EMAIL_RE.search(line):
            return _Marker(i, False, "wrote")
    return None


def _read_headers(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """Header lines from ``start`` (blank lines before them skipped); returns
    the headers found (first of each kind) and the index after the block."""
    i = start
    while i < len(lines) and i < start + 4 and not _unquote(lines[i]).strip():
        i += 1
    headers: dict[str, str] = {}
    last = None
    while i < len(lines):
        line = _unquote(lines[i]) if len(lines[i]) <= _MAX_LINE else ""
        m = _HEADER_RE.match(line)
        if m:
            last = _header_kind(m.group("label"))
            headers.setdefault(last, m.group("value").strip())
            i += 1
            continue
        # a wrapped value (long To:/Cc: lists) when another header follows
        if line.strip() and last and i + 1 < len(lines) and _is_header(lines[i + 1]):
            i += 1
            continue
        break
    return headers, i


def _header_kind(label: str) -> str:
    if _FROM_RE.match(label):
        return "from"
    if _SUBJECT_RE.match(label):
        return "subject"
    if _DATE_RE.match(label):
        return "date"
    return label.lower()


def _read_inline_headers(rest: str) -> dict[str, str]:
    """Yahoo: "De : X <x@y>À : …Envoyé : …Objet : …" on one line."""
    headers: dict[str, str] = {}
    matches = list(_INLINE_LABEL_RE.finditer(rest[:_MAX_LINE]))
    for n, m in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(rest)
        headers.setdefault(_header_kind(m.group("label")), rest[m.end():end].strip())
    return headers


def _body_from(lines: list[str]) -> str:
    """The original's text: one level of ">" removed when most of it is
    quoted (Apple Mail, MailMate), indentation removed (Outlook 2019)."""
    non_empty = [ln for ln in lines if ln.strip()]
    quoted = [ln for ln in non_empty if _QUOTE_PREFIX_RE.match(ln)]
    if non_empty and len(quoted) * 2 >= len(non_empty):
        lines = [_unquote(ln) for ln in lines]
    return textwrap.dedent("\n".join(lines)).strip()


#: Orange and La Poste webmails: "Message du 03/02/25 10:12" above the headers.
_WEBMAIL_DATE_RE = re.compile(r"^[ \t]*Message du (?P<date>\d{1,2}/\d{1,2}/\d{2,4} \d{1,2}:\d{2})[ \t]*$")


def _webmail_date_above(lines: list[str], index: int) -> str:
    if index == 0:
        return ""
    m = _WEBMAIL_DATE_RE.match(_unquote(lines[index - 1])[:200])
    return m.group("date") if m else ""


def _note_above(lines: list[str], index: int) -> str:
    above = "\n".join(lines[:index]).strip()
    if not above:
        return ""
    kept, _ = split_reply(above)
    return kept


def _weak_marker_counts(marker: _Marker, lines: list[str], subject: str) -> bool:
    """A marker replies share counts with a forward subject ("TR :", not
    "RE: TR :", which answers a forward), or, for an unquoted header block,
    when the subject is not a reply's either (clients that forward without
    "TR :", subjects edited by the forwarder)."""
    prefixes, _ = split_prefixes(subject)
    if prefixes and prefixes[0] in REPLY_PREFIXES:
        # "RE: TR: …" answers a forward: its quoted history is a reply's
        return False
    if is_forward_subject(subject):
        return True
    if marker.kind == "wrote":
        return False
    return not _QUOTE_PREFIX_RE.match(lines[marker.index])


def find_forward(subject: str, text: str) -> ForwardedText | None:
    """The original mail forwarded in ``text``, or None when it is not a forward."""
    if not text or not text.strip():
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    marker = _find_marker(lines)
    if marker is None:
        return None
    if not marker.strong and not _weak_marker_counts(marker, lines, subject or ""):
        return None

    sender: Address | None = None
    date = ""
    original_subject = ""
    if marker.kind == "wrote":
        sender, date = parse_wrote_line(lines[marker.index])
        body_start = marker.index + 1
    else:
        if marker.kind == "headers":
            headers, body_start = _read_headers(lines, marker.index)
        else:
            banner = _unquote(lines[marker.index])
            rest = _FORWARD_BANNER_RE.sub("", banner, count=1)
            rest = _ORIGINAL_BANNER_RE.sub("", rest, count=1).strip()
            if rest and _INLINE_LABEL_RE.search(rest):
                headers, body_start = _read_inline_headers(rest), marker.index + 1
            else:
                headers, body_start = _read_headers(lines, marker.index + 1)
        sender = parse_address(headers.get("from", ""))
        date = headers.get("date", "") or _webmail_date_above(lines, marker.index)
        original_subject = headers.get("subject", "")
    if not original_subject:
        original_subject = strip_subject_prefixes(subject or "")
    return ForwardedText(
        sender=sender,
        subject=original_subject,
        date=date,
        text=_body_from(lines[body_start:]),
        note=_note_above(lines, marker.index),
    )
