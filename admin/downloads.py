"""Downloads of attachments too big to relay: ``/pieces-jointes/<token>`` (no login, the link is the key).

The link was mailed to the participants of a ticket (``gateway.outbound.attachment_links``);
its token is signed and expires, so it is checked without a login, like the
file it replaces would have been opened from the mail. Served as a download
(``Content-Disposition: attachment``, ``nosniff``): never shown inline in the
admin's origin, whatever the file claims to be. Every download is audited.
"""

from __future__ import annotations

from email.utils import encode_rfc2231

from flask import Blueprint, Response

from admin import context
from gateway.models import Attachment, Message, audit
from gateway.outbound.attachment_links import verify_link
from gateway.storage import attachment_store

bp = Blueprint("downloads", __name__)

EXPIRED = ("Ce lien de téléchargement n'est pas valide ou a expiré. "
           "Demandez la pièce jointe à votre correspondant en répondant au courriel.")


@bp.get("/pieces-jointes/<token>")
def download(token: str) -> Response:
    settings = context.settings()
    attachment_id = verify_link(settings, token)
    if attachment_id is None:
        return Response(EXPIRED, status=404, mimetype="text/plain")
    session = context.db()
    row = session.get(Attachment, attachment_id)
    if row is None:
        return Response(EXPIRED, status=404, mimetype="text/plain")
    try:
        content = attachment_store.load(settings.attachments_dir, row.sha256)
    except FileNotFoundError:  # wiped with the ticket's personal data
        return Response(EXPIRED, status=404, mimetype="text/plain")
    message = session.get(Message, row.message_id)
    audit(session, "attachment.downloaded", ticket_id=message.ticket_id if message else None,
          attachment_id=row.id, filename=row.filename)
    response = Response(content, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f"attachment; filename*={encode_rfc2231(row.filename or 'piece-jointe', 'utf-8')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
