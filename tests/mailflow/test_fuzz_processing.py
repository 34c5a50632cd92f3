"""Small fuzz through the whole processor: no traceback, every quarantine reason in French.

The long run (10^5 mails, understanding only) is benchmarks/fuzz_mails.py;
here each mutated mail is spooled and processed for real (database, routing,
fan-out to the outbox), which is where a Python exception used to become the
quarantine reason (``UnicodeEncodeError: 'ascii' codec...``).
"""

from __future__ import annotations

import logging
import re

from hypothesis import HealthCheck, given, settings as hypothesis_settings

from gateway.models import InboundMail
from gateway.processing.processor import process_next
from gateway.storage import spool
from tests.support.mutations import mutated_mail

PYTHON_ERROR = re.compile(r"\b[A-Z][A-Za-z]+(?:Error|Exception)\b|Traceback|codec can't")


@hypothesis_settings(max_examples=40, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=mutated_mail())
def test_mutated_mail_is_processed_without_traceback_and_reasons_are_french(database, settings, caplog, raw):
    caplog.clear()
    inbound_id = spool.enqueue(database, raw, mail_from="x@example.org", rcpt_tos=[settings.address])
    with caplog.at_level(logging.ERROR):
        assert process_next(database, settings)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    with database.begin() as session:
        row = session.get(InboundMail, inbound_id)
        assert row.state in ("done", "quarantined", "review"), (row.state, row.error)
        assert not PYTHON_ERROR.search(row.error or ""), row.error
