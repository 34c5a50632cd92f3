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


def readers(ok: int = 200) -> dict[str, int]:
    """The directory's lists: admins and managers (each their scope), not observers."""
    return {"anonymous": 302, "observer": 403, "manager": ok, "manager_out": ok, "admin": ok}


def one_group(ok: int = 200) -> dict[str, int]:
    """``{group}`` is CPAM 13: outside the scope of both managers (CAF 13; area 75), so it looks absent."""
    return {"anonymous": 302, "observer": 403, "manager": 404, "manager_out": 404, "admin": ok}


ITEM = "/annuaire/<kind>/<int:item_id>"
FLOW_ROUTES += [
    Route("GET", "/annuaire?q=caf&inactifs=1", readers(), rule="/annuaire"),
    Route("GET", "/annuaire/groupes/{group}", one_group(), rule="/annuaire/groupes/<int:group_id>"),
    Route("GET", "/annuaire/agents?q=a", readers(), rule="/annuaire/agents"),
    # agent n° 1 is Awa Diallo of CAF 13 (tests/admin/builders.py): in the scope of "manager" only
    Route("GET", "/annuaire/agents/1", {"anonymous": 302, "observer": 403, "manager": 200, "manager_out": 404,
                                        "admin": 200}, rule="/annuaire/agents/<int:agent_id>"),
    Route("GET", "/annuaire/organismes", readers()),
    Route("GET", "/annuaire/territoires", readers()),
    Route("POST", "/annuaire/groupes/{group}", admins_only(302), rule=ITEM,
          form={"name": "CPAM 13", "organisation": "CPAM", "areas": "13"}),
    Route("POST", "/annuaire/groupes/{group}/desactiver", admins_only(302), rule=f"{ITEM}/desactiver"),
    Route("POST", "/annuaire/groupes/{group}/reactiver", admins_only(302), rule=f"{ITEM}/reactiver"),
    Route("GET", "/annuaire/import", admins_only()),
    Route("POST", "/annuaire/import", admins_only(302)),  # no file: sent back to the form with a message
    Route("POST", "/annuaire/import/appliquer", admins_only(302)),
    Route("GET", "/annuaire/export.csv", admins_only()),
]

FLOW_ROUTES += [  # w/bounds' signed links: the token is the permission, whoever asks; a bad one looks absent
    Route("GET", "/pieces-jointes/jeton-inconnu", everyone(404), rule="/pieces-jointes/<token>"),
]
