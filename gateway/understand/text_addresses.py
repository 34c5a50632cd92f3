"""Addresses and names as people and clients write them inside a body.

``parse_address`` reads "Nom <a@b>", "Nom [mailto:a@b]" and their variants
from a forwarded header line; ``parse_wrote_line`` the sender and date out of
"Le DATE, Nom <a@b> a écrit :" and its cousins in other languages. Never used
for the mail's own headers (``parse`` does those, RFC 2047 aware).
"""

from __future__ import annotations

import re

from gateway.understand.model import Address

__all__ = ["EMAIL_RE", "parse_address", "parse_wrote_line"]

EMAIL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_NAME_STRIP = " \t\"'«»“”<>[]()\u00a0,;*"


def parse_address(value: str) -> Address | None:
    """``Nom <a@b>``, ``a@b``, ``Nom [mailto:a@b]``, ``Nom <mailto:a@b>``,
    ``"Nom" <a@b<mailto:a@b>>`` → Address(lower-cased email, name)."""
    value = (value or "").strip()[:1000]
    m = EMAIL_RE.search(value)
    if not m:
        return None
    email = m.group(0).lower().strip(".")
    cut = len(value)
    for sep in ("<", "[", m.group(0)):
        pos = value.find(sep)
        if pos != -1:
            cut = min(cut, pos)
    name = value[:cut].strip(_NAME_STRIP)
    if name.lower().startswith("mailto:"):
        name = ""
    if name.lower() == email:
        name = ""
    return Address(email=email, name=name)


#: Words around the sender's name in "wrote" lines, dropped from the name.
_WROTE_NOISE = {
    "le", "on", "am", "el", "em", "il", "giorno", "dne", "dnia", "op", "d.", "den", "at", "à", "a",
    "am", "pm", "heeft", "schrieb", "skrev", "użytkownik", "пользователь", "používateľ",
    "időpontban", "um", "uhr", "kl.", "klo",
}
_QUOTED_NAME_RE = re.compile(r"[\"«„“'](?P<name>[^\"«»„“”']{1,200})[\"»”“'][ \t\u00a0(]*$")

_NUMERIC_DATE_RE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}(?:,?[ \t]+\d{1,2}[:.]\d{2})?")


def parse_wrote_line(line: str) -> tuple[Address | None, str]:
    """Sender and date out of "Le DATE, Nom <a@b> a écrit :" and its
    cousins in other languages."""
    found = parse_address(line)
    if found is None:
        return None, ""
    before = line
    for sep in ("<", "(", "[", found.email):
        pos = before.lower().find(sep)
        if pos != -1:
            before = before[:pos]
    before = before.strip(" \t\u00a0(")
    quoted = _QUOTED_NAME_RE.search(before)
    if quoted:
        name = quoted.group("name").strip()
        head = before[: quoted.start()]
    else:
        tail = before.rsplit(",", 1)[-1].split()
        while tail and (any(c.isdigit() for c in tail[0]) or tail[0].lower() in _WROTE_NOISE):
            tail.pop(0)
        name = " ".join(tail).strip(_NAME_STRIP)
        head = before[: len(before) - len(" ".join(tail))] if tail else before
    words = head.replace(",", " ").split()
    while words and words[0].lower() in _WROTE_NOISE:
        words.pop(0)
    while words and words[-1].lower() in _WROTE_NOISE:
        words.pop()
    date = " ".join(words).strip(" ,")
    if not date:  # name first: "John Doe <a@b> kirjoitti 28/10/2021 12.46:"
        m = _NUMERIC_DATE_RE.search(line)
        date = m.group(0).strip(" ,") if m else ""
    return Address(email=found.email, name=name), date
