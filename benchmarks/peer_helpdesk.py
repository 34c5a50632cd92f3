"""Run django-helpdesk's email ingestion on a folder of mails; print tickets and seconds as JSON.

Executed by ``benchmarks/peer.py`` with the Python of django-helpdesk's own
virtual environment (never the project's): it imports Django, never the
gateway. Configured in code: SQLite in a fresh folder, one queue, outgoing
mail to Django's in-memory backend (the gateway's side delivers to a
transport that keeps nothing, so neither pays for a relay).

Timed: for each mail, what ``get_email`` does per message of an IMAP or POP3
mailbox — the bytes decoded with ``force_str(errors="replace")``, then
``helpdesk.email.extract_email_metadata`` (parse, ticket or follow-up,
attachments, the acknowledgement mail) — without the network. Its "local"
mailbox type was tried first: it opens each file in text mode with the
locale's encoding, so the first 8-bit ISO-8859-1 mail raised
``UnicodeDecodeError`` and stopped the whole queue, which measures nothing.

    <peer venv>/bin/python benchmarks/peer_helpdesk.py <mail folder> <work folder>
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path


def configure(work: Path) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="peer-benchmark",
        ALLOWED_HOSTS=["*"],
        SITE_ID=1,
        USE_TZ=True,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(work / "helpdesk.db")}},
        INSTALLED_APPS=[
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
            "django.contrib.sites", "django.contrib.messages", "django.contrib.humanize", "rest_framework", "helpdesk",
        ],
        MIDDLEWARE=[],
        ROOT_URLCONF=__name__,  # this module: ``urlpatterns`` below, set once Django is ready
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth",
                                                       "django.contrib.messages.context_processors.messages"]}}],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="aplus@aplus.localhost",
        MEDIA_ROOT=str(work / "media"),
        HELPDESK_TEAMS_MODE_ENABLED=False,
        LOGGING={"version": 1, "disable_existing_loggers": True},
    )
    django.setup()
    from django.urls import include, path

    global urlpatterns  # links in helpdesk's mails are reversed in the "helpdesk" namespace
    urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]


urlpatterns: list = []


def main() -> None:
    mails, work = Path(sys.argv[1]), Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    configure(work)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.utils import encoding
    from helpdesk.email import extract_email_metadata
    from helpdesk.models import FollowUp, Queue, Ticket

    queue = Queue.objects.create(
        title="A+", slug="aplus", email_address="aplus@aplus.localhost", allow_email_submission=True,
        email_box_type="imap", email_box_interval=0, logging_type="none",
    )
    logger = logging.getLogger("peer")
    logger.disabled = True
    failed = 0
    started = time.perf_counter()
    for path in sorted(mails.iterdir()):
        message = encoding.force_str(path.read_bytes(), errors="replace")  # what imap_sync/pop3_sync do
        try:
            extract_email_metadata(message=message, queue=queue, logger=logger)
        except Exception:  # noqa: BLE001 - counted, as get_email would log it and go on
            failed += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"tickets": Ticket.objects.count(), "followups": FollowUp.objects.count(), "seconds": seconds,
                      "failed": failed}))


if __name__ == "__main__":
    main()
