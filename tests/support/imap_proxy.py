"""A TCP relay between the poller and a real IMAP server that can misbehave on demand.

It stands for what a test cannot make Dovecot do: a connection that breaks in
the middle of a message (``cut_next_body``), or a server that announces a size
its message does not have (``lie_about_sizes``). Everything else passes
through byte for byte.
"""

from __future__ import annotations

import re
import socket
import threading

from tests.support.smtp_sink import free_port

_BODY_LITERAL = re.compile(rb"BODY\[\] \{(\d+)\}\r\n")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.cut_next_body = False  # close the connection halfway through the next message body
        self.lie_about_sizes = 0  # add this many bytes to every RFC822.SIZE the server announces
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, from_server: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_server:
                    data = self._tamper(data, source, target)
                    if data is None:
                        return
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()

    def _tamper(self, data: bytes, source: socket.socket, target: socket.socket) -> bytes | None:
        if self.lie_about_sizes:
            data = _SIZE.sub(lambda m: b"RFC822.SIZE %d" % (int(m.group(1)) + self.lie_about_sizes), data)
        literal = _BODY_LITERAL.search(data)
        if self.cut_next_body and literal:
            self.cut_next_body = False
            self.cuts += 1
            half = literal.end() + int(literal.group(1)) // 2
            target.sendall(data[:half])
            return None  # the connection ends here, mid-message
        return data
