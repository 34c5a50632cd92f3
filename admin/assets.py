"""Static files served by the admin itself: the State's design system and the admin's own.

The DSFR comes from the npm package ``@gouvfr/dsfr`` that ``make install``
installs with ``npm ci`` (``package-lock.json`` pins it); it is never loaded
from a CDN, so the admin works on a closed network and its CSP allows only
``'self'``. ``APLUS_ADMIN_ASSETS_DIR`` names another ``node_modules`` when the
admin runs outside a checkout.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory

from gateway.config import Settings

ROOT = Path(__file__).resolve().parents[1]
OWN_STATIC = Path(__file__).resolve().parent / "static"
DSFR_HINT = "Le système de design de l'État (DSFR) n'est pas installé : lancez « make install » (npm ci)."
CACHE_SECONDS = 24 * 3600


def node_modules(settings: Settings) -> Path:
    return Path(settings.admin_assets_dir) if settings.admin_assets_dir else ROOT / "node_modules"


def dsfr_dist(settings: Settings) -> Path:
    return node_modules(settings) / "@gouvfr" / "dsfr" / "dist"


def init_app(app: Flask, settings: Settings) -> None:
    dist = dsfr_dist(settings)
    bp = Blueprint("assets", __name__)

    @bp.get("/static/dsfr/<path:filename>")
    def dsfr(filename: str):
        if not dist.is_dir():
            abort(404, DSFR_HINT)
        return send_from_directory(dist, filename, max_age=CACHE_SECONDS)

    @bp.get("/static/admin/<path:filename>")
    def admin_static(filename: str):
        return send_from_directory(OWN_STATIC, filename, max_age=CACHE_SECONDS)

    app.register_blueprint(bp)
    app.config["APLUS_DSFR_PRESENT"] = dist.is_dir()
