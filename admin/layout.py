"""What every page shares: the main menu, template helpers, and error pages in French."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Flask, render_template, request
from markupsafe import Markup
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from admin.security import current_account
from admin.ticket_view import visible_controls

PARIS = ZoneInfo("Europe/Paris")

# (label, path, roles). Paths rather than endpoints: the blueprints of other
# areas (directory, mail flow, statistics, journal) may land in any order.
MENU = (
    ("Tickets", "/tickets", ("admin", "manager", "observer")),
    ("Annuaire", "/annuaire", ("admin", "manager")),
    ("Courrier", "/courrier", ("admin",)),
    ("Statistiques", "/statistiques", ("admin", "manager", "observer")),
    ("Journal", "/journal", ("admin",)),
    ("Comptes", "/comptes", ("admin",)),
)

ERRORS = {
    400: ("Requête incorrecte", "La demande n'a pas pu être comprise."),
    403: ("Accès refusé", "Votre compte ne permet pas d'ouvrir cette page."),
    404: ("Page introuvable", "Cette page n'existe pas, ou plus."),
    405: ("Action impossible", "Cette adresse ne s'utilise pas ainsi."),
    410: ("Lien expiré", "Ce lien n'est plus valable."),
    413: ("Envoi trop volumineux", "Le formulaire envoyé est trop volumineux."),
    429: ("Trop de tentatives", "Patientez quelques minutes avant de réessayer."),
    500: ("Erreur du serveur", "Une erreur est survenue de notre côté ; l'équipe technique peut la retrouver dans le journal du serveur."),
}
CSRF_MESSAGE = ("Le formulaire a expiré ou ne vient pas de cette page (jeton de sécurité absent ou invalide). "
                "Rechargez la page et recommencez.")


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    current: bool


def navigation() -> list[MenuItem]:
    account = current_account()
    if account is None:
        return []
    return [MenuItem(label, path, request.path == path or request.path.startswith(path + "/"))
            for label, path, roles in MENU if account.role in roles]


def date_fr(value) -> str:
    """A date as people read it here: "04/12/2026 à 09:30" (Paris time)."""
    if value is None:
        return ""
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def audit_detail(details: dict) -> Markup:
    """An audit event's detail as "key : value" lines (values escaped, controls visible)."""
    lines = []
    for key, value in (details or {}).items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(item) for item in value)
        lines.append(Markup("%s : %s") % (key, visible_controls(str(value)[:500])))
    return Markup("<br>").join(lines)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_account=current_account, navigation=navigation)
    app.jinja_env.filters.update(inert=visible_controls, date_fr=date_fr, audit_detail=audit_detail)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def _csrf_error(error: CSRFError):
    return render_template("admin/error.html", title="Formulaire refusé", message=CSRF_MESSAGE), 400


def _http_error(error: HTTPException):
    title, message = ERRORS.get(error.code or 500, (error.name, ""))
    return render_template("admin/error.html", title=title, message=message), error.code
