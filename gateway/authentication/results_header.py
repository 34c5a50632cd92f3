"""The verdict of a trusted MTA, read from its ``Authentication-Results`` header (RFC 8601).

When Postfix (with OpenDKIM/OpenDMARC, rspamd, ...) already checked the mail,
its verdict is better than ours: it saw the real client address, where the
gateway only sees the MTA. Only the topmost header whose authserv-id is the
configured one counts (the MTA adds it last, above anything a sender wrote;
RFC 8601 §5 has it remove forged ones with its own id). A ``dmarc=`` result
decides; without one, ``dkim=``/``spf=`` passes are checked for alignment with
the From domain here. Parsed with ``authres``.
"""

from __future__ import annotations

import authres

from gateway.authentication.verdict import Verdict, aligned, domain_of


def trusted_results(headers: list[tuple[str, str]], authserv_id: str):
    """The parsed topmost ``Authentication-Results`` of ``authserv_id``, or None."""
    for name, value in headers:
        if name.lower() != "authentication-results":
            continue
        try:
            parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
        except Exception:  # unreadable: not the one our MTA wrote
            continue
        if str(parsed.authserv_id).lower() == authserv_id.lower():
            return parsed
    return None


def verdict_from_results(parsed, from_address: str) -> Verdict:
    """Turn the MTA's results into our three-way verdict about ``from_address``."""
    from_domain = domain_of(from_address)
    verdict = Verdict("none", from_domain, [f"authserv-id={parsed.authserv_id}"])
    for result in parsed.results:
        method, outcome = str(result.method).lower(), str(result.result).lower()
        verdict.details.append(f"{method}={outcome}")
        properties = {f"{p.type}.{p.name}".lower(): str(p.value) for p in result.properties}
        if method == "dmarc" and outcome in ("pass", "fail"):
            verdict.result = outcome
            return verdict
        if method == "dkim" and outcome == "pass" and aligned(properties.get("header.d", ""), from_domain):
            verdict.result = "pass"
        if method == "spf" and outcome == "pass" and aligned(domain_of(properties.get("smtp.mailfrom", "")), from_domain):
            verdict.result = "pass"
    return verdict
