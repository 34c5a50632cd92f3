"""Serving the admin with waitress, a production WSGI server (never Flask's development server).

``AdminServer`` binds at once (so a port already taken is a clear error
before anything else starts) and runs in a thread: ``aplus admin`` waits on
it, ``aplus run`` keeps it beside the SMTP receiver, the browser tests start
one on a free port.
"""

from __future__ import annotations

import threading

from waitress.server import create_server

from gateway.config import Settings
from gateway.storage.db import Database

THREADS = 4


class AdminServer:
    def __init__(self, settings: Settings, database: Database | None = None, *, host: str | None = None,
                 port: int | None = None) -> None:
        from admin import create_app

        self.app = create_app(settings, database)
        self._server = create_server(self.app, host=host or settings.admin_host,
                                     port=settings.admin_port if port is None else port,
                                     threads=THREADS, ident="A+ admin", clear_untrusted_proxy_headers=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.effective_port

    @property
    def host(self) -> str:
        return self._server.effective_host

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "AdminServer":
        self._thread = threading.Thread(target=self._server.run, name="admin-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish the requests being served, then close every socket so the loop ends at once.

        Closing only the listening socket would leave kept-alive browser
        connections in waitress's map, and its loop running until they time out.
        """
        self._server.task_dispatcher.shutdown(timeout=5)
        for channel in list(self._server._map.values()):
            channel.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
