"""Mail in each state of the spool, made by the real processor (no rows written by hand)."""

from __future__ import annotations

import pytest

from gateway.processing.processor import drain
from gateway.storage import spool
from tests.support.gateway import request_mail, small_directory


@pytest.fixture
def directory(database, settings):
    small_directory(database, settings)
    return database


def newsletter(subject: str = "Les actualités du mois"):
    mail = request_mail(sender="lettre@newsletter.example", subject=subject)
    mail["List-Unsubscribe"] = "<mailto:unsubscribe@newsletter.example>"
    mail["Precedence"] = "bulk"
    return mail


@pytest.fixture
def quarantined(directory, settings) -> int:
    """A mail the processor quarantined (bulk mail), as the admin finds it."""
    inbound_id = spool.enqueue(directory, newsletter().as_bytes(), mail_from="lettre@newsletter.example",
                               rcpt_tos=[settings.address])
    drain(directory, settings)
    return inbound_id
