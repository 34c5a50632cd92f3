"""Run one IMAP pass that dies right after the spool commit, before the move (a test helper).

The mails are committed to the spool; ``os._exit`` then kills the process
like a power cut, before the server is told anything: the next poller must
move them without storing them again.
"""

import os
import sys

from gateway.config import load_settings
from gateway.inbound.imap import MailboxPoller
from gateway.inbound.imap_config import mailboxes_from_settings
from gateway.storage.db import Database


def die_before_the_move(self, client, uidvalidity, uids):
    if uids:
        os._exit(9)
    return 0


if __name__ == "__main__":
    database_url, data_dir, port, ca_file = sys.argv[1:5]
    settings = load_settings(environ={}, data_dir=data_dir, database_url=database_url, secret_key="test-secret-key",
                             imap_host="127.0.0.1", imap_port=port, imap_user="aplus",
                             imap_password="motdepasse-de-test", imap_security="starttls", imap_ca_file=ca_file)
    MailboxPoller._acknowledge = die_before_the_move  # the crash point: stored, not yet moved
    MailboxPoller(Database.connect(database_url), settings, mailboxes_from_settings(settings)[0]).poll_once()
    sys.exit(0)  # not reached
