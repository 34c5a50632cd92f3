"""Message-IDs carry an HMAC per recipient: a reply quoting one proves who received it."""

from __future__ import annotations

from dataclasses import replace

from gateway.outbound.message_ids import for_recipient, recipient_of, shared_id


def test_personal_ids_verify_only_for_their_recipient_and_secret(settings):
    personal = for_recipient(settings, "<m.abc123.0a1b2c@aplus.localhost>", 42)
    assert personal != for_recipient(settings, "<m.abc123.0a1b2c@aplus.localhost>", 43)
    assert personal == for_recipient(settings, "<m.abc123.0a1b2c@aplus.localhost>", 42)  # deterministic: retries agree
    assert recipient_of(settings, personal) == 42
    assert recipient_of(replace(settings, secret_key="another"), personal) is None
    assert recipient_of(settings, personal.replace(".p42.", ".p41.")) is None
    assert shared_id(personal) == "<m.abc123.0a1b2c@aplus.localhost>"


def test_root_and_foreign_ids_stay_shared(settings):
    assert for_recipient(settings, "<ticket.abc123@aplus.localhost>", 1) == "<ticket.abc123@aplus.localhost>"
    assert for_recipient(settings, "<x@elsewhere.example>", 1) == "<x@elsewhere.example>"
    assert recipient_of(settings, "<ticket.abc123@aplus.localhost>") is None
