"""DNS lookups for authentication, through one resolver object.

Everything that asks DNS (DKIM keys, SPF policies, DMARC records) goes through
a ``Resolver``, built from the settings: the system's resolver, or the servers
named by ``APLUS_DNS_SERVERS`` (``host:port``, comma-separated). Tests point it
at a small DNS server of their own (tests/support/dns_server.py) serving TXT
records, so verification runs for real without the network. A lookup that
cannot be answered (timeout, no server) raises ``DnsUnavailable``: callers turn
that into "no verdict", never into a failure of the sender.
"""

from __future__ import annotations

import dns.exception
import dns.nameserver
import dns.resolver

from gateway.config import Settings


class DnsUnavailable(Exception):
    """DNS could not answer (timeout, no reachable server, SERVFAIL)."""


class Resolver:
    """A dnspython resolver with the gateway's servers and time budget."""

    def __init__(self, servers: str = "", timeout: float = 3.0) -> None:
        self._resolver = dns.resolver.Resolver(configure=not servers)
        if servers:
            self._resolver.nameservers = [_nameserver(item) for item in servers.split(",") if item.strip()]
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout

    def lookup(self, name: str, rdtype: str) -> list:
        """The records of ``name`` (dnspython rdata), [] when it has none."""
        try:
            return list(self._resolver.resolve(name.rstrip(".") + ".", rdtype, search=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.LifetimeTimeout, OSError) as error:
            raise DnsUnavailable(f"{name} {rdtype}: {type(error).__name__}") from error
        except dns.exception.DNSException as error:  # malformed name or answer: nothing usable
            raise DnsUnavailable(f"{name} {rdtype}: {type(error).__name__}") from error

    def txt(self, name: str) -> list[str]:
        """TXT records of ``name``, each one's strings joined (RFC 7208 §3.3)."""
        return [b"".join(record.strings).decode("utf-8", "replace") for record in self.lookup(name, "TXT")]


def _nameserver(item: str):
    host, _, port = item.strip().rpartition(":") if item.count(":") == 1 else (item.strip(), "", "")
    return dns.nameserver.Do53Nameserver(host or item.strip(), int(port) if port else 53)


def resolver_for(settings: Settings) -> Resolver:
    return Resolver(settings.dns_servers, settings.dns_timeout)
