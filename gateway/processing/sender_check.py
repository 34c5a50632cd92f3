"""Does the sender of a mail speak for the address in its From header?

The rule of issue 10 §3, in one place: an address is taken as the author
when the authentication verdict passes for it (DMARC-aligned DKIM or SPF),
or when no verdict can be had (the domain publishes no DMARC, DNS is
unreachable) and the envelope sender is that same address. A failed verdict,
or a different envelope sender without authentication, is not enough: the
mail is held for review. The reasons are French, for the person who reviews.
"""

from __future__ import annotations

from gateway.authentication.inbound import verdict_for
from gateway.authentication.verdict import Verdict
from gateway.config import Settings
from gateway.understand.model import Understood

NO_VERDICT = Verdict("none", "", ["non vérifié"])


def envelope_address(mail_from: str) -> str:
    return mail_from.strip().strip("<>").lower()


def verdict_before_processing(settings: Settings, raw: bytes, mail: Understood, *, mail_from: str, peer: str) -> Verdict | None:
    """The verdict for the From address of a human mail (None for automatic mail or without From)."""
    if mail.automatic.kind != "human" or mail.sender is None:
        return None
    return verdict_for(settings, raw, from_address=mail.sender.email, mail_from=mail_from, peer=peer)


def why_not_author(verdict: Verdict | None, address: str, mail_from: str) -> str | None:
    """None when the mail may be taken as written by ``address``; else the French reason it is held."""
    verdict = verdict or NO_VERDICT
    address = address.lower()
    if verdict.result == "pass":
        return None
    if verdict.result == "fail":
        return (
            f"Le domaine de {address} ne confirme pas l'envoi de ce message (vérification DKIM/SPF/DMARC en échec) : "
            f"il a pu être envoyé par quelqu'un d'autre. Vérifiez auprès de la personne avant de le libérer."
        )
    envelope = envelope_address(mail_from)
    if envelope == address:
        return None
    return (
        f"Message au nom de {address} envoyé depuis une autre adresse ({envelope or 'enveloppe vide'}) sans "
        f"authentification de son domaine : vérifiez auprès de la personne avant de le libérer."
    )


def request_is_forged(verdict: Verdict | None) -> bool:
    """A new request is held only on a failed verdict (no acknowledgement to a forged From)."""
    return verdict is not None and verdict.result == "fail"
