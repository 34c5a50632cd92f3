"""Rows of the permission matrix for the directory, mail flow, statistics, journal and health routes.

Kept apart from ``tests/admin/matrix.py`` (which appends them before its
final logout row) so the two lists grow without touching each other. The
spooled mail n° 1 and the outbound mail n° 1 are those of the ticket the
matrix's fixture opens (already processed, already queued): actions on them
are refused with a message and a redirect, so the rows do not change what
the next rows see.
"""

from __future__ import annotations

from tests.admin.matrix import Route, admins_only, everyone, logged_in

MAIL = "/courrier/entree/<int:inbound_id>"


def on_mail(action: str, **form: str) -> Route:
    return Route("POST", f"/courrier/entree/1/{action}", admins_only(302), form=form, rule=f"{MAIL}/{action}")


FLOW_ROUTES: list[Route] = [
    Route("GET", "/courrier", admins_only()),
    Route("GET", "/courrier/entree?etat=quarantined", admins_only(), rule="/courrier/entree"),
    Route("GET", "/courrier/entree/1", admins_only(), rule=MAIL),
    on_mail("retraiter"),
    on_mail("liberer"),
    on_mail("ecarter", raison="essai"),
    on_mail("valider"),
    on_mail("refuser", raison="essai"),
    Route("GET", "/courrier/sortie?etat=failed", admins_only(), rule="/courrier/sortie"),
    Route("POST", "/courrier/sortie/1/renvoyer", admins_only(302), rule="/courrier/sortie/<int:outbound_id>/renvoyer"),
    Route("GET", "/courrier/rebonds", admins_only()),
]

STATISTICS_ROUTES: list[Route] = [
    Route("GET", "/statistiques", logged_in()),
    Route("GET", "/statistiques/organismes.csv", logged_in(), rule="/statistiques/<name>.csv"),
]
FLOW_ROUTES += STATISTICS_ROUTES

FLOW_ROUTES += [
    Route("GET", "/journal", admins_only()),
    Route("GET", "/journal?acteur=admin&action=ticket&du=2020-01-01&page=2", admins_only()),
]

FLOW_ROUTES += [  # the test client speaks from 127.0.0.1; other addresses: tests/admin/test_health.py
    Route("GET", "/healthz", everyone(200)),
    Route("GET", "/metrics", everyone(200)),
]
