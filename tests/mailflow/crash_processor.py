"""Run one processing attempt that dies just before its commit (a test helper).

Everything of the attempt has been done and flushed (ticket, messages, outbox
rows); ``os._exit`` then kills the process like a power cut, so the database
must roll it all back and the spool must give the mail out again.
"""

import os
import sys
from dataclasses import replace

from gateway.storage import spool
from gateway.config import load_settings
from gateway.storage.db import Database
from gateway.processing.processor import process_next


def die_before_commit(*_args, **_kwargs):
    os._exit(9)


if __name__ == "__main__":
    database_url, data_dir = sys.argv[1], sys.argv[2]
    settings = load_settings(environ={}, data_dir=data_dir, database_url=database_url,
                             secret_key="test-secret-key", process_lease_seconds=0.5)
    spool.finish = die_before_commit  # the crash point: after all the work, before the commit
    process_next(Database.connect(database_url), settings)
    sys.exit(0)  # not reached
