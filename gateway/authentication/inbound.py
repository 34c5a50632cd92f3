"""One call for the processor: the authentication verdict of an inbound mail's From address.

Runs before the processing transaction (DNS can take seconds; the
transaction must not wait on it). Behind a trusted MTA its
``Authentication-Results`` decide; otherwise the gateway checks DKIM and SPF
itself (``verdict.authenticate``). When the MTA named by the setting left no
header, only DKIM is checked: SPF would judge the MTA's address, not the
sender's.
"""

from __future__ import annotations

import email.parser
import email.policy

from gateway.authentication.dns import Resolver, resolver_for
from gateway.authentication.results_header import trusted_results, verdict_from_results
from gateway.authentication.verdict import Verdict, authenticate
from gateway.config import Settings


def verdict_for(settings: Settings, raw: bytes, *, from_address: str, mail_from: str, peer: str,
                resolver: Resolver | None = None) -> Verdict:
    resolver = resolver or resolver_for(settings)
    if settings.trusted_authserv_id:
        parsed = trusted_results(_header_items(raw), settings.trusted_authserv_id)
        if parsed is not None:
            return verdict_from_results(parsed, from_address)
        peer = ""  # the peer is our MTA: SPF cannot judge the sender from here
    return authenticate(raw, from_address=from_address, mail_from=mail_from, peer_ip=peer, resolver=resolver)


def _header_items(raw: bytes) -> list[tuple[str, str]]:
    try:
        head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        return [(str(name), " ".join(str(value).split())) for name, value in head.items()]
    except Exception:  # unreadable headers: no trusted verdict
        return []
