"""Out-of-office notices that carry no automatic header, told by their body.

Many administrations' servers (and people's own rules in Outlook or
webmails) send absence notices with an ordinary "RE:" subject and none of
``Auto-Submitted``, ``X-Autoreply`` or ``Precedence``. Answering them, or
relaying them to every participant, is the loop invariant 3 forbids.

Zero false positives stays the rule, so the body alone counts only when all
of these hold:

- the mail answers one of ours (``In-Reply-To`` or ``References`` at our
  domain): a new request that mentions an absence is a person's;
- it is short (``MAX_CHARS`` folded characters) and quotes nothing, as
  notices are: a person's reply from a client quotes what it answers;
- it asks nothing (no question mark);
- it carries the wording of a notice: "réponse automatique", "je suis
  absent(e) du ... au ...", "en congé jusqu'au ...", "je n'ai pas accès à ma
  messagerie", "votre message ne sera pas transféré", or their English
  cousins. "Je serai absente demain, rappelez-moi" has none of them (no
  dates, a request): it is a person.
"""

from __future__ import annotations

import re

__all__ = ["MAX_CHARS", "absence_notice"]

#: Longer than this (folded, blank runs collapsed) is not a notice.
MAX_CHARS = 700

#: Wording only machines and notices use.
_AUTOMATIC_WORDING = re.compile(
    r"\b(?:reponse automatique|message automatique|ceci est une reponse automatique|automatic reply|auto-?reply"
    r"|this is an automated|out of (?:the )?office|away from (?:the|my) office)\b"
)
_DATE = r"(?:\d{1,2}(?:er)?(?:[/.]\d{1,2}(?:[/.]\d{2,4})?)?(?: [a-z]{3,9}\.?)?(?: \d{4})?|[a-z]{3,9} \d{1,2}(?:st|nd|rd|th)?)"
#: An absence with its dates, or without access to mail: a notice's core.
_ABSENCE_WORDING = re.compile(
    r"\b(?:je suis|je serai|nous sommes|nous serons|le service est|le service sera|l'accueil est|i am|i'm|i will be|we are)"
    r" (?:actuellement |absolument )?(?:absente?s?|en conges?|en vacances|en deplacement|en formation|ferme|away|out|on leave|on holiday)"
    rf"(?: du bureau)?,? (?:du|depuis le|jusqu'au|jusqu au|a partir du|until|till|from|through|du lundi|et de retour le) {_DATE}"
    r"|\b(?:le service est|nous sommes|l'accueil est) ferme du " + _DATE +
    r"|\b(?:en conges?|absente?|en vacances|on leave|out of the office) jusqu'?(?:au|a|until) " + _DATE +
    r"|\bje (?:n'ai|n ai) pas acces a (?:ma|mes) (?:messagerie|mails|courriels|e-?mails)"
    r"|\bsans acces a (?:ma|mes) (?:messagerie|mails|courriels)"
    r"|\b(?:votre message|ce message|your (?:message|e-?mail)) (?:ne sera pas|will not be) (?:lu|transfere|traite|read|forwarded)"
    r"|\b(?:nous|je) (?:traiterons|traiterai|repondrons|repondrai) (?:a )?votre (?:message|demande|courriel) (?:a|des|dès) (?:notre|mon) retour"
    r"|\blimited access to (?:e-?mail|my e-?mail)"
)


_QUOTED = re.compile(r"(?:^| )>")


def answers_us(references: list[str], own_domain: str) -> bool:
    """Whether a Message-ID of ours is among those the mail answers."""
    suffix = "@" + own_domain.lower() + ">"
    return bool(own_domain) and any(ref.strip().lower().endswith(suffix) for ref in references)


def absence_notice(body_head: str, references: list[str], own_domain: str) -> str | None:
    """``body:absence`` when the folded body reads as an absence notice."""
    if not body_head or len(body_head) > MAX_CHARS or "?" in body_head or _QUOTED.search(body_head):
        return None
    if not answers_us(references, own_domain):
        return None
    if _AUTOMATIC_WORDING.search(body_head) or _ABSENCE_WORDING.search(body_head):
        return "body:absence"
    return None
