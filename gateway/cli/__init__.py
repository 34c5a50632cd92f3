"""The ``aplus`` command: run the gateway, feed it mail, look inside.

One module per family of commands; each registers itself on ``main`` when
imported here, so adding a family is one module and one import line
(one line per module: parallel work merges without conflicts).
"""

from gateway.cli import database, feeding, lifecycle, looking, running  # noqa: F401  (register their commands)
from gateway.cli import admin  # noqa: F401  (registers its commands)
from gateway.cli import database  # noqa: F401  (registers its commands)
from gateway.cli import dkim  # noqa: F401  (registers its commands)
from gateway.cli import feeding  # noqa: F401  (registers its commands)
from gateway.cli import imap  # noqa: F401  (registers its commands)
from gateway.cli import looking  # noqa: F401  (registers its commands)
from gateway.cli import mailflow  # noqa: F401  (registers its commands)
from gateway.cli import outbox  # noqa: F401  (registers its commands)
from gateway.cli import review  # noqa: F401  (registers its commands)
from gateway.cli import running  # noqa: F401  (registers its commands)
from gateway.cli.app import main
from gateway.cli.feeding import EX_TEMPFAIL, iter_mail_files  # noqa: F401  (used by tests and scripts)


def _register_directory() -> None:
    try:
        from routing.cli import directory
    except ImportError:  # routing's CLI is optional for the mail engine
        return
    main.add_command(directory)


_register_directory()

__all__ = ["main"]
