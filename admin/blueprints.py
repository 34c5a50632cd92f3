"""The admin's areas, one blueprint each; a new area is one import and one entry here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from admin import accounts, auth, downloads, ticket_actions, tickets
    from admin import health, journal, statistics
    from admin.directory import bp as directory
    from admin.mailflow import bp as mailflow

    for blueprint in (auth.bp, tickets.bp, ticket_actions.bp, accounts.bp,
                      mailflow, statistics.bp, journal.bp, health.bp, directory, downloads.bp):
        app.register_blueprint(blueprint)
