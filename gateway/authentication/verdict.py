"""Is the From address of an inbound mail authenticated? DKIM, SPF, DMARC alignment.

The From header proves nothing; what a domain proves is a valid DKIM
signature of that domain (dkimpy) or an SPF pass for the envelope sender's
domain (pyspf), *aligned* with the From domain in the DMARC sense (same
organisational domain, from the public suffix list that ``publicsuffixlist``
ships). The verdict is one of:

* ``pass``: aligned DKIM or SPF passed: the From domain vouches for the mail;
* ``fail``: the From domain publishes a DMARC policy (any ``p=``) and nothing
  aligned passed, or it has no DMARC but its SPF explicitly fails for an
  envelope sender of the same domain: the mail is not from who it says;
* ``none``: no verdict can be had (no DMARC, DNS unreachable): the caller
  falls back on comparing the envelope sender with the From address.

Behind a trusted MTA that already checked (``APLUS_TRUSTED_AUTHSERV_ID``), its
``Authentication-Results`` header is read instead (``results_header``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache

import dkim
import spf
from publicsuffixlist import PublicSuffixList

from gateway.authentication.dns import DnsUnavailable, Resolver

MAX_SIGNATURES = 5  # verifying costs a DNS lookup and RSA each; real mail carries one to three


@dataclass
class Verdict:
    result: str  # "pass", "fail" or "none"
    domain: str  # the From domain the verdict is about
    details: list[str] = field(default_factory=list)  # e.g. ["dkim=pass d=example.org", "spf=fail", "dmarc=p=reject"]

    @property
    def text(self) -> str:
        """One line for ``InboundMail.auth_verdict``: ``fail: dkim=none spf=fail dmarc=reject``."""
        return f"{self.result}: {' '.join(self.details)}"[:200]


@lru_cache(maxsize=1)
def _suffix_list() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped with the package: no download


def organisational_domain(domain: str) -> str:
    """``mail.caf.fr`` -> ``caf.fr``; a public suffix itself stays as it is."""
    domain = domain.lower().rstrip(".")
    return _suffix_list().privatesuffix(domain) or domain


def aligned(one: str, other: str) -> bool:
    """DMARC relaxed alignment: same organisational domain."""
    return bool(one and other) and organisational_domain(one) == organisational_domain(other)


def domain_of(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")


def authenticate(raw: bytes, *, from_address: str, mail_from: str, peer_ip: str, resolver: Resolver,
                 helo: str = "unknown") -> Verdict:
    """Verify the mail's DKIM signatures and its SPF, then DMARC alignment with ``from_address``."""
    from_domain = domain_of(from_address)
    verdict = Verdict("none", from_domain)
    if not from_domain:
        verdict.details.append("no From domain")
        return verdict
    dkim_domains, _failed = _dkim_passes(raw, resolver, verdict.details)
    spf_result, spf_domain = _spf(peer_ip, mail_from, helo, resolver, verdict.details)
    if any(aligned(d, from_domain) for d in dkim_domains) or (spf_result == "pass" and aligned(spf_domain, from_domain)):
        verdict.result = "pass"
        return verdict
    try:
        policy = dmarc_policy(from_domain, resolver)
    except DnsUnavailable:
        verdict.details.append("dmarc=temperror")
        return verdict
    if policy is not None:
        verdict.details.append(f"dmarc=fail p={policy}")
        verdict.result = "fail"
    elif spf_result == "fail" and aligned(spf_domain, from_domain):
        verdict.result = "fail"  # no DMARC, but the domain says this host may not send its mail
    else:
        verdict.details.append("dmarc=none")
    return verdict


def _dkim_passes(raw: bytes, resolver: Resolver, details: list[str]) -> tuple[list[str], list[str]]:
    """Domains (d=) of the signatures that verify, and of those that do not."""
    passed: list[str] = []
    failed: list[str] = []

    def txt(name, timeout=5):  # dkimpy's dnsfunc: bytes of the first TXT record, or None
        try:
            records = resolver.txt(name.decode() if isinstance(name, bytes) else name)
        except DnsUnavailable as error:
            raise dkim.DnsTimeoutError(str(error)) from error
        return records[0].encode() if records else None

    try:
        checker = dkim.DKIM(raw, minkey=1024)
        count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    except Exception:  # dkimpy's parser raises on broken headers: no usable signature
        details.append("dkim=permerror")
        return passed, failed
    for index in range(min(count, MAX_SIGNATURES)):
        try:
            ok = checker.verify(idx=index, dnsfunc=txt)
        except dkim.DnsTimeoutError:
            ok = False
            details.append("dkim=temperror")
        except Exception:  # malformed signature: it vouches for nothing
            ok = False
        domain = (checker.domain or b"").decode("ascii", "replace").lower()
        (passed if ok else failed).append(domain)
        details.append(f"dkim={'pass' if ok else 'fail'} d={domain or '?'}")
    if count == 0:
        details.append("dkim=none")
    return passed, failed


def _spf(peer_ip: str, mail_from: str, helo: str, resolver: Resolver, details: list[str]) -> tuple[str, str]:
    """SPF result for the envelope sender (``neutral`` when the peer address is unusable)."""
    sender = mail_from.strip().strip("<>")
    domain = domain_of(sender) if "@" in sender else ""
    try:
        ipaddress.ip_address(peer_ip)
    except ValueError:
        details.append("spf=none (no client address)")
        return "none", domain
    if not domain:
        details.append("spf=none (empty envelope sender)")
        return "none", domain
    try:
        result = _ResolverQuery(peer_ip, sender, helo or "unknown", resolver=resolver).check()[0]
    except Exception:  # pyspf raises on records it cannot read: no verdict from SPF
        result = "permerror"
    details.append(f"spf={result} smtp.mailfrom={domain}")
    return result, domain


class _ResolverQuery(spf.query):
    """pyspf's query with its DNS through our resolver instead of the module-wide dnspython one."""

    def __init__(self, i: str, s: str, h: str, *, resolver: Resolver) -> None:
        super().__init__(i=i, s=s, h=h, timeout=20)
        self._resolver = resolver

    def dns(self, name, qtype, cnames=None, ignore_void=False):
        name = str(name).rstrip(".").lower()
        if not name or any(not 0 < len(label) < 64 for label in name.split(".")):
            return []
        try:
            records = self._resolver.lookup(name, qtype)
        except DnsUnavailable as error:
            raise spf.TempError(f"DNS {error}") from error
        if qtype in ("A", "AAAA"):
            return [r.address for r in records]
        if qtype == "MX":
            return [(r.preference, r.exchange.to_text(True)) for r in records]
        if qtype == "PTR":
            return [r.target.to_text(True) for r in records]
        if qtype in ("TXT", "SPF"):
            return [list(r.strings) for r in records]
        return []


def dmarc_policy(domain: str, resolver: Resolver) -> str | None:
    """The ``p=`` of the domain's DMARC record, or of its organisational domain; None without one."""
    for name in dict.fromkeys((domain, organisational_domain(domain))):
        for record in resolver.txt(f"_dmarc.{name}"):
            if record.strip().lower().startswith("v=dmarc1"):
                tags = dict(_tag(part) for part in record.split(";") if "=" in part)
                return tags.get("p", "none") if name == domain else tags.get("sp", tags.get("p", "none"))
    return None


def _tag(part: str) -> tuple[str, str]:
    key, _, value = part.partition("=")
    return key.strip().lower(), value.strip().lower()
