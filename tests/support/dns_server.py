"""A real DNS server on a free UDP port, serving the records a test gives it.

Authentication (DKIM keys, SPF, DMARC) asks DNS; the test machine has no
network, so tests run this server and point ``APLUS_DNS_SERVERS`` at it. Names
it does not know get NXDOMAIN (a domain without DMARC: no verdict);
``unavailable`` makes it drop every query, like an unreachable resolver.
"""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsServer:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.unavailable = False
        self.queries: list[tuple[str, str]] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def add(self, name: str, rdtype: str, *values: str) -> None:
        """Serve ``values`` for ``name`` (TXT values as plain text, split into 255-byte strings)."""
        self.records.setdefault((name.lower().rstrip("."), rdtype.upper()), []).extend(values)

    def txt(self, name: str, value: str) -> None:
        self.add(name, "TXT", value)

    def start(self) -> "DnsServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, client = self._socket.recvfrom(4096)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            if self.unavailable:
                continue
            try:
                self._socket.sendto(self._answer(data).to_wire(), client)
            except Exception:  # a malformed query: ignore it, as a server would
                continue

    def _answer(self, data: bytes) -> dns.message.Message:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rdtype))
        values = self.records.get((name, rdtype))
        if values:
            texts = [_txt_wire(v) for v in values] if rdtype == "TXT" else values
            response.answer.append(dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, rdtype, texts))
        elif not any(known == name for known, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response


def _txt_wire(value: str) -> str:
    """A TXT value in zone-file syntax: quoted 255-byte strings."""
    chunks = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
