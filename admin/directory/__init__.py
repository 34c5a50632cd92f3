"""The directory (``/annuaire``): organisations, areas, groups with their shared mailbox, agents.

Admins change it (edit, deactivate, reactivate, import a CSV after reviewing
what it would do); area managers read the groups and agents of their scope
(and the reference lists of organisations and areas, which hold no personal
data). Every change is audited with the account, its address and the values
before and after. Deactivating never deletes: routing leaves the item out
(``routing.directory.snapshot``) and reactivating brings it back.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/annuaire")

from admin.directory import edits, importing, lists  # noqa: E402,F401  (register the views on bp)
