"""The oversight admin: a Flask app for the national A+ team and the area managers.

``create_app(settings, database=None)`` builds one app with everything passed
in explicitly (no global state): the settings, and the gateway's own
``Database`` (one unit of work per request, see ``admin.context``). One
blueprint per area; templates in ``templates/admin/``; the State's design
system (DSFR) served by the app itself from the npm package. Every page is a
plain HTML form and link flow: the DSFR's JavaScript only adds comfort.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.config import Settings
from gateway.outbound.templating import templates_dir
from gateway.storage.db import Database


def create_app(settings: Settings, database: Database | None = None) -> Flask:
    """Build the admin for these settings; connects to their database unless one is given."""
    from admin import assets, context, layout, security
    from admin.blueprints import register_blueprints

    app = Flask(__name__, template_folder=str(templates_dir()), static_folder=None)
    app.config.update(context.flask_config(settings))
    if database is None:
        database = Database.connect(settings.effective_database_url)
    context.init_app(app, settings, database)
    CSRFProtect(app)
    security.init_app(app)
    layout.init_app(app)
    assets.init_app(app, settings)
    register_blueprints(app)
    if settings.admin_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.admin_proxies, x_proto=settings.admin_proxies)
    return app
