"""The permission matrix: every route of the admin x every kind of account -> the status expected.

One row per route. Placeholders in paths: ``{ref}`` a ticket in the scope of
"manager" (CAF 13) and outside the scope of "manager_out" (area 75),
``{attachment}`` an attachment of that ticket, ``{participant}`` an agent of
it, ``{group}`` a group, ``{session}`` a live session of a bystander, ``{bystander}`` that account.
``tests/admin/test_permissions.py`` fails when a route of the app has no row
here, so a new blueprint (directory, mail flow, statistics, journal...) adds
its rows to ``ROUTES``.

Roles: anonymous (not logged in), observer, manager (areas 13 x CAF),
manager_out (area 75), admin. POSTs carry a valid CSRF token (CSRF itself is
tested elsewhere), so the status is about the permission only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("anonymous", "observer", "manager", "manager_out", "admin")
LOGIN = 302  # a stranger is sent to the login page


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expected: dict[str, int]
    form: dict[str, str] = field(default_factory=dict)
    rule: str = ""  # the Flask rule this row covers, when the path alone does not say it

    def status_for(self, role: str) -> int:
        return self.expected[role]


def everyone(status: int) -> dict[str, int]:
    return {role: status for role in ROLES}


def content(ok: int = 200) -> dict[str, int]:
    """A ticket's content: admins, and managers of its scope; out of scope looks absent."""
    return {"anonymous": LOGIN, "observer": 403, "manager": ok, "manager_out": 404, "admin": ok}


def admins_only(ok: int = 200) -> dict[str, int]:
    return {"anonymous": LOGIN, "observer": 403, "manager": 403, "manager_out": 403, "admin": ok}


def logged_in(ok: int = 200) -> dict[str, int]:
    return {"anonymous": LOGIN, "observer": ok, "manager": ok, "manager_out": ok, "admin": ok}


ROUTES: list[Route] = [
    Route("GET", "/", everyone(302)),
    Route("GET", "/connexion", {"anonymous": 200, "observer": 302, "manager": 302, "manager_out": 302, "admin": 302}),
    Route("POST", "/connexion", everyone(401), form={"email": "personne-{role}@example.fr", "password": "x" * 12}),
    Route("GET", "/connexion/lien", everyone(200)),
    Route("POST", "/connexion/lien", everyone(200), form={"email": "personne-{role}@example.fr"}),
    Route("GET", "/connexion/lien/jeton-inconnu", everyone(410), rule="/connexion/lien/<token>"),
    Route("POST", "/connexion/lien/jeton-inconnu", everyone(410), rule="/connexion/lien/<token>"),
    Route("GET", "/tickets", logged_in()),
    Route("GET", "/tickets?q=RSA&status=new&sort=ancien", logged_in()),
    Route("GET", "/tickets/{ref}", content()),
    Route("GET", "/tickets/{ref}/pieces-jointes/{attachment}", content()),
    Route("POST", "/tickets/{ref}/message", content(302), form={"text": "Bonjour.", "visibility": "internal"}),
    Route("POST", "/tickets/{ref}/inviter-groupe", content(302), form={"group_id": "{group}"}),
    Route("POST", "/tickets/{ref}/inviter-agent", content(302), form={"email": "luc.martin@cpam13.example"}),
    Route("POST", "/tickets/{ref}/participants/{participant}/retirer", content(302)),
    Route("POST", "/tickets/{ref}/reorienter", content(302), form={"group_id": "{group}"}),
    Route("POST", "/tickets/{ref}/clore", content(302)),
    Route("POST", "/tickets/{ref}/rouvrir", content(302)),
    Route("GET", "/comptes", admins_only()),
    Route("POST", "/comptes/sessions/{session}/revoquer", admins_only(302)),
    Route("POST", "/comptes/{bystander}/desactiver", admins_only(302)),
    Route("POST", "/comptes/{bystander}/reactiver", admins_only(302)),
    Route("POST", "/deconnexion", everyone(302)),  # last: it ends the session
]

#: Rules that are not pages of the admin (static files), checked elsewhere.
UNCHECKED_RULES = {"/static/dsfr/<path:filename>", "/static/admin/<path:filename>"}

from tests.admin.matrix_flow import FLOW_ROUTES  # noqa: E402  (the other areas' rows, before the logout)

ROUTES[-1:-1] = FLOW_ROUTES
