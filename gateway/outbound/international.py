"""Internationalised addresses on the way out: IDNA for domains, SMTPUTF8 for the rest.

A person may write from ``marie@café.example`` or ``josé@exemple.fr`` (the
receiver advertises SMTPUTF8). Going back to them:

* a non-ASCII *domain* is written in its ASCII form (IDNA 2008 with the UTS 46
  mapping, by the ``idna`` library: ``café.example`` -> ``xn--caf-dma.example``),
  which every relay and every mail client understands;
* a non-ASCII *local part* has no ASCII form: the envelope needs SMTPUTF8
  (RFC 6531) and the header carries the address in UTF-8 (RFC 6532). When the
  relay does not offer SMTPUTF8 the mail cannot be delivered at all, and the
  delivery fails at once with a French reason (``UNDELIVERABLE_LOCAL_PART``).
"""

from __future__ import annotations

from email.utils import formataddr
from functools import lru_cache

import idna

#: What the outbox row says when the relay cannot take such an address.
UNDELIVERABLE_LOCAL_PART = (
    "l'adresse {address} contient des caractères accentués avant « @ » et le relais n'accepte pas "
    "les adresses internationalisées (SMTPUTF8) : ce courriel ne peut pas lui être envoyé. Contactez la "
    "personne par un autre moyen, ou configurez un relais qui propose SMTPUTF8 (Postfix : smtputf8_enable = yes)."
)


@lru_cache(maxsize=1024)
def ascii_domain(domain: str) -> str:
    """The domain as DNS and SMTP know it; unchanged when already ASCII or not convertible."""
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain  # left as it is: the relay will refuse it with its own reason


def smtp_address(address: str) -> str:
    """``local@domain`` with the domain in ASCII (the local part cannot be converted)."""
    local, at, domain = address.rpartition("@")
    return f"{local}@{ascii_domain(domain)}" if at else address


def needs_smtputf8(address: str) -> bool:
    """True when even the converted address is not ASCII (a non-ASCII local part)."""
    return not smtp_address(address).isascii()


def address_header(name: str, email: str) -> str:
    """``"Name" <email>`` for a header: name RFC 2047-encoded, domain in IDNA, local part as it is.

    ``formataddr`` refuses a non-ASCII address (``UnicodeEncodeError``: this
    is what made every acknowledgement to ``josé@…`` crash); it still does
    the display name, written here around a placeholder address.
    """
    address = smtp_address(email)
    if not name:
        return address
    if address.isascii():
        return formataddr((name, address), charset="utf-8")
    placeholder = "placeholder@invalid"
    return formataddr((name, placeholder), charset="utf-8")[: -len(placeholder) - 2] + f"<{address}>"
