"""``aplus spool`` and ``aplus outbox retry`` as a person runs them: a real process, French answers."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models import AuditEvent, InboundMail, Ticket
from tests.cli.test_commands import aplus


def environment(database, tmp_path) -> dict[str, str]:
    url = database.engine.url.render_as_string(hide_password=False)
    return {"APLUS_DATA_DIR": str(tmp_path / "var"), "APLUS_DATABASE_URL": url, "APLUS_SECRET_KEY": "test-secret-key"}


def test_release_then_the_journal_names_the_console(directory, quarantined, tmp_path):
    result = aplus(["spool", "release", str(quarantined)], environment(directory, tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    with directory.begin() as session:
        reference = session.scalars(select(Ticket.reference)).one()
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "spool.release")).one()
    assert f"dossier {reference} ouvert" in result.stdout.decode()
    assert event.actor.startswith("console") and event.details["client_address"] == "console"


def test_a_refused_action_is_one_french_sentence_and_status_1(directory, quarantined, tmp_path):
    env = environment(directory, tmp_path)
    result = aplus(["spool", "discard", str(quarantined), "--reason", " "], env)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "Indiquez pourquoi ce message est écarté : la raison est gardée au journal."
    result = aplus(["outbox", "retry", "777"], env)
    assert (result.returncode, result.stderr.decode().strip()) == (1, "Aucun message sortant n° 777.")
    with directory.begin() as session:
        assert session.get_one(InboundMail, quarantined).state == "quarantined"


def test_discard_then_reprocess(directory, quarantined, tmp_path):
    env = environment(directory, tmp_path)
    assert aplus(["spool", "discard", str(quarantined), "--reason", "publicité"], env).returncode == 0
    result = aplus(["spool", "reprocess", str(quarantined)], env)
    assert result.returncode == 0 and "remis en file" in result.stdout.decode()
    with directory.begin() as session:
        assert session.get_one(InboundMail, quarantined).state == "queued"
