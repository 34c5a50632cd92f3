"""/healthz and /metrics: open to the loopback (or by setting), JSON and Prometheus text, 503 when the database is down."""

from __future__ import annotations

from dataclasses import replace

from prometheus_client.parser import text_string_to_metric_families

from admin import create_app
from gateway.processing.processor import drain
from gateway.storage import spool
from gateway.storage.db import Database
from tests.admin_flow.conftest import newsletter
from tests.support.gateway import request_mail, small_directory
from tests.support.smtp_sink import free_port

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.5"}


def test_healthz_reports_the_queues(client, database, settings):
    small_directory(database, settings)
    spool.enqueue(database, newsletter().as_bytes(), rcpt_tos=[settings.address])
    drain(database, settings)
    spool.enqueue(database, request_mail().as_bytes(), rcpt_tos=[settings.address])
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.is_json
    body = answer.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert (body["spool"]["queued"], body["spool"]["quarantined"]) == (1, 1)
    assert body["spool"]["oldest_queued_seconds"] >= 0 and body["outbox"]["failed"] == 0


def test_metrics_in_the_prometheus_text_format(client, database, settings):
    small_directory(database, settings)
    spool.enqueue(database, request_mail().as_bytes(), rcpt_tos=[settings.address])
    drain(database, settings)
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(answer.get_data(as_text=True)) for s in family.samples}
    assert samples[("aplus_database_up", ())] == 1
    assert samples[("aplus_tickets", (("status", "new"),))] == 1
    assert samples[("aplus_spool_mails", (("state", "done"),))] == 1
    assert samples[("aplus_outbox_mails", (("state", "queued"),))] >= 2  # acknowledgement and the agent's notice
    assert ("aplus_outbox_failures", ()) in samples and ("aplus_spool_oldest_queued_age_seconds", ()) in samples


def test_other_addresses_get_404_unless_the_setting_opens_them(app, database, settings):
    assert app.test_client().get("/healthz", environ_base=ELSEWHERE).status_code == 404
    assert app.test_client().get("/metrics", environ_base=ELSEWHERE).status_code == 404
    opened = create_app(replace(settings, admin_metrics_public=True), database).test_client()
    assert opened.get("/metrics", environ_base=ELSEWHERE).status_code == 200


def test_healthz_says_503_when_the_database_is_unreachable(settings):
    missing = Database.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/test")  # nobody listens there
    client = create_app(settings, missing).test_client()
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["status"] == "error"
    assert "OperationalError" in answer.get_json()["database"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "aplus_database_up 0.0" in metrics
