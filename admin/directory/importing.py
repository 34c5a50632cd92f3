"""CSV import of the directory in two steps: a review of what it would do, then the import itself.

Step 1 (``POST /annuaire/import``) runs the importer's dry run
(``routing.directory.csv_file.import_directory(dry_run=True)``, a savepoint
rolled back) and shows every group, agent and membership it would add or
change, every rejected line with its reasons, and the warnings. The file
travels back in the confirmation form (base64, no copy kept on the server)
with a fingerprint of the reviewed plan. Step 2 (``POST /annuaire/import/appliquer``)
runs the dry run again: if the plan is no longer the one reviewed (the
directory changed meanwhile), the new review is shown instead of importing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from flask import flash, redirect, render_template, request, url_for

from admin import audit_log, context
from admin.directory import bp
from admin.security import role_required
from routing.directory.csv_file import DirectoryFileError, ImportReport, import_directory

MAX_BYTES = 1024 * 1024
KIND_LABELS = {"group": "Groupe", "agent": "Agent", "membership": "Appartenance"}


def fingerprint(report: ImportReport) -> str:
    """What was reviewed, as a hash: counts, changes, rejections and warnings."""
    summary = {**report.to_dict(), "changes": [(c.kind, c.action, c.name, c.line, c.fields) for c in report.changes]}
    return hashlib.sha256(json.dumps(summary, sort_keys=True, default=str).encode()).hexdigest()


@bp.get("/import")
@role_required("admin")
def import_form():
    return render_template("admin/directory/import.html")


@bp.post("/import")
@role_required("admin")
def import_review():
    upload = request.files.get("fichier")
    content = upload.read(MAX_BYTES + 1) if upload else b""
    if not content:
        flash("Choisissez un fichier CSV à importer.", "error")
        return redirect(url_for("directory.import_form"))
    if len(content) > MAX_BYTES:
        flash("Le fichier dépasse 1 Mo : découpez-le en plusieurs fichiers.", "error")
        return redirect(url_for("directory.import_form"))
    return _review(content, upload.filename or "annuaire.csv")


def _review(content: bytes, filename: str, *, changed_since: bool = False):
    try:
        report = import_directory(context.db(), content, dry_run=True)
    except DirectoryFileError as problem:
        flash(f"Ce fichier ne peut pas être importé : {problem}", "error")
        return redirect(url_for("directory.import_form"))
    return render_template("admin/directory/import_review.html", report=report, filename=filename[:200],
                           payload=base64.b64encode(content).decode(), fingerprint=fingerprint(report),
                           kinds=KIND_LABELS, changed_since=changed_since)


@bp.post("/import/appliquer")
@role_required("admin")
def import_apply():
    filename = (request.form.get("nom") or "annuaire.csv")[:200]
    try:
        content = base64.b64decode(request.form.get("fichier", ""), validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not content:
        flash("Le fichier revu n'a pas été transmis : recommencez l'import.", "error")
        return redirect(url_for("directory.import_form"))
    try:
        planned = import_directory(context.db(), content, dry_run=True)
    except DirectoryFileError as problem:
        flash(f"Ce fichier ne peut pas être importé : {problem}", "error")
        return redirect(url_for("directory.import_form"))
    if fingerprint(planned) != request.form.get("empreinte"):
        return _review(content, filename, changed_since=True)
    report = import_directory(context.db(), content)
    audit_log.record("directory.imported", file=filename, sha256=hashlib.sha256(content).hexdigest(),
                     groups=report.groups.to_dict(), agents=report.agents.to_dict(),
                     memberships=report.memberships.to_dict(), rejected=[r.line for r in report.rejected])
    flash(f"Import terminé : {_counts(report)}." + (f" {len(report.rejected)} ligne(s) rejetée(s), non importée(s)."
                                                   if report.rejected else ""), "success")
    return redirect(url_for("directory.groups"))


def _counts(report: ImportReport) -> str:
    return (f"groupes {report.groups.created} nouveau(x) et {report.groups.updated} modifié(s), "
            f"agents {report.agents.created} nouveau(x) et {report.agents.updated} modifié(s), "
            f"{report.memberships.created} appartenance(s) ajoutée(s)")
