"""Walk a mail's parts: body text and HTML on one side, attachments on the other.

Every attachment gets a filename safe to store, a type read from its content
(``filetype``) rather than only trusted from the mail, and goes through the
size caps of ``Limits``: a part over a cap is dropped with a defect, never
decoded. ``winmail.dat`` (TNEF, Outlook) is unpacked into the files it
carries (``tnefparse``); an attached ``message/rfc822`` is kept whole, as one
attachment, and its parsed message is handed back so a forward can be built.

The walk is iterative, with a part counter and a depth counter, so a mail
with 10,000 parts or 200 nested multiparts costs bounded work.
"""

from __future__ import annotations

import binascii
import mimetypes
import quopri
from dataclasses import dataclass, field
from email.message import Message

from .bigparts import LiftedMail
from .limits import Limits
from .model import Attachment
from .parse import decode_bytes, decode_header_value
from .part_fields import (
    MESSAGE_TYPES,
    charset_of,
    content_id_of,
    content_type_of,
    detect_type,
    disposition_of,
    filename_of,
    is_body,
    safe_filename,
    tnef_name,
    types_disagree,
)

#: Parts that carry machine reports, not text nor files: bounce parsing reads them.
REPORT_TYPES = {
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "message/global-disposition-notification",
    "message/feedback-report",
    "text/rfc822-headers",
    "text/global-headers",
    "message/partial",
    "message/external-body",
}
#: Signatures of multipart/signed mails: nothing a person opens (the raw mail keeps them).
SIGNATURE_TYPES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}


@dataclass
class MailParts:
    """What a walk found: readable bodies, files, and attached messages."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # parsed message/rfc822 attachments
    tnef_bodies: list[str] = field(default_factory=list)  # HTML or text bodies found inside winmail.dat


@dataclass
class _Budget:
    """Shared across a mail and the messages attached to it."""

    parts_seen: int = 0
    bytes_kept: int = 0
    parts_capped: bool = False


class PartWalker:
    """Collects the parts of one mail under the caps of ``Limits``."""

    def __init__(self, lifted: LiftedMail, limits: Limits, defects: list[str]):
        self.lifted = lifted
        self.limits = limits
        self.defects = defects
        self.budget = _Budget()

    def collect(self, message: Message, depth: int = 0) -> MailParts:
        """Walk ``message`` (not descending into attached messages)."""
        found = MailParts()
        stack: list[tuple[Message, int]] = [(message, depth)]
        while stack:
            part, level = stack.pop()
            if not self._count_part():
                break
            if level > self.limits.max_depth:
                self.defects.append(f"nesting deeper than {self.limits.max_depth}: inner parts ignored")
                continue
            try:
                children = self._visit(part, level, found)
            except Exception as error:  # one broken part must not lose the others
                self.defects.append(f"part {self.budget.parts_seen} unreadable: {type(error).__name__}: {error}")
                continue
            stack.extend((child, level + 1) for child in reversed(children))
        return found

    def _count_part(self) -> bool:
        if self.budget.parts_seen >= self.limits.max_parts:
            if not self.budget.parts_capped:
                self.budget.parts_capped = True
                self.defects.append(f"more than {self.limits.max_parts} MIME parts: the rest was ignored")
            return False
        self.budget.parts_seen += 1
        return True

    def _visit(self, part: Message, level: int, found: MailParts) -> list[Message]:
        content_type = content_type_of(part)
        payload = part.get_payload()
        if isinstance(payload, list) and content_type not in MESSAGE_TYPES:
            return [] if content_type in REPORT_TYPES else [child for child in payload if isinstance(child, Message)]
        if content_type.startswith("multipart/"):  # boundary missing: the body is read as text
            self._add_body(part, "text/plain", found)
            return []
        if content_type in MESSAGE_TYPES:
            self._attach_message(part, payload, found)
            return []
        if content_type in REPORT_TYPES or content_type in SIGNATURE_TYPES:
            return []
        disposition = disposition_of(part)
        filename = filename_of(part)
        if is_body(content_type, disposition, filename):
            self._add_body(part, content_type, found)
            return []
        data = self._payload(part, filename or content_type)
        if data is None:
            return []
        if content_type in TNEF_TYPES or (filename or "").lower() == "winmail.dat":
            if self._unpack_tnef(data, found):
                return []
        self._add_attachment(found, filename, content_type, data, content_id_of(part), disposition)
        return []

    # --- bodies --------------------------------------------------------------

    def _add_body(self, part: Message, content_type: str, found: MailParts) -> None:
        data = self._payload(part, content_type, counts=False)
        if data is None:
            return
        text = decode_bytes(data, charset_of(part), self.defects, content_type)
        (found.html if content_type == "text/html" else found.plain).append(text)

    # --- payloads under caps ---------------------------------------------------

    def _payload(self, part: Message, label: str, counts: bool = True) -> bytes | None:
        """Decoded bytes of a leaf part, or None when a cap says drop it."""
        raw_payload = part.get_payload()
        encoding = str(part.get("content-transfer-encoding", "") or "").strip().lower()
        if self.lifted.is_cut(raw_payload):  # the parser read only the head of this part
            if counts:
                self.defects.append(f"{label}: cut where the mail was too long to read: dropped")
                return None
            raw_payload = raw_payload.split(self.lifted.cut_mark, 1)[0]
            part.set_payload(raw_payload)
        blob = self.lifted.blob_of(raw_payload)
        if blob is not None and encoding == "base64":
            if not self._fits(blob.estimated_size, label, counts):
                return None
            data = self.lifted.decode(blob)
        else:
            if isinstance(raw_payload, str) and self.lifted.blobs:
                restored = self.lifted.restore_text(raw_payload)
                if restored is not raw_payload:
                    part.set_payload(restored)
                    raw_payload = restored
            estimate = len(raw_payload) if isinstance(raw_payload, (str, bytes)) else 0
            if encoding == "base64":
                estimate = estimate * 3 // 4
            if not self._fits(estimate, label, counts):
                return None
            data = part.get_payload(decode=True) or b""
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogateescape")
        if counts:
            self.budget.bytes_kept += len(data)
        return data

    def _fits(self, size: int, label: str, counts: bool) -> bool:
        cap = self.limits.max_attachment_bytes
        if size > cap:
            self.defects.append(f"{label}: {size} bytes, over the {cap} bytes cap per file: dropped")
            return False
        total = self.limits.max_total_bytes
        if counts and self.budget.bytes_kept + size > total:
            self.defects.append(f"{label}: {size} bytes, over the {total} bytes cap per mail: dropped")
            return False
        return True

    # --- attachments -----------------------------------------------------------

    def _add_attachment(
        self,
        found: MailParts,
        filename: str | None,
        declared: str,
        data: bytes,
        content_id: str | None,
        disposition: str | None,
        is_message: bool = False,
    ) -> Attachment:
        index = len(found.attachments) + 1
        detected = declared if is_message else detect_type(data, declared, filename)
        if not is_message and types_disagree(declared, detected):
            self.defects.append(f"attachment {index}: declared {declared} but content is {detected}")
        attachment = Attachment(
            filename=safe_filename(filename, index, detected),
            content_type=detected,
            declared_type=declared,
            content=data,
            content_id=content_id,
            inline=bool(content_id) and disposition != "attachment",
            is_message=is_message,
        )
        found.attachments.append(attachment)
        return attachment

    def _attach_message(self, part: Message, payload: object, found: MailParts) -> None:
        inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        encoding = str(part.get("content-transfer-encoding", "") or "").strip().lower()
        if inner is None or encoding in ("base64", "quoted-printable"):
            self._attach_encoded_message(part, inner, encoding, found)
            return
        found.messages.append(inner)  # a forward can be built even when the whole is too big to keep
        regenerated = message_bytes(inner)
        if not self._fits(self.lifted.restored_size(regenerated), "message/rfc822", True):
            return
        data = self.lifted.restore_bytes(regenerated)
        self.budget.bytes_kept += len(data)
        self._add_message_attachment(part, inner, data, found)

    def _attach_encoded_message(self, part: Message, inner: Message | None, encoding: str, found: MailParts) -> None:
        """An attached mail sent base64 or quoted-printable (RFC 2046 forbids it, clients do it)."""
        if inner is None:
            data = self._payload(part, "message/rfc822")
        else:  # the parser read the encoded text as a headerless message: decode that text
            encoded = self.lifted.restore_bytes(message_bytes(inner))
            if not self._fits(len(encoded) * 3 // 4, "message/rfc822", True):
                return
            try:
                data = binascii.a2b_base64(encoded) if encoding == "base64" else quopri.decodestring(encoded)
            except (binascii.Error, ValueError):
                self.defects.append("attached message: broken base64, kept as it came")
                data = encoded
            self.budget.bytes_kept += len(data)
        if not data:
            return
        parsed = _parse_attached(data)
        found.messages.append(parsed)
        self._add_message_attachment(part, parsed, data, found)

    def _add_message_attachment(self, part: Message, inner: Message, data: bytes, found: MailParts) -> None:
        subject = decode_header_value(str(inner.get("subject", "") or ""))
        filename = filename_of(part) or (f"{subject[:100]}.eml" if subject.strip() else None)
        self._add_attachment(found, filename, "message/rfc822", data, None, "attachment", True)

    def _unpack_tnef(self, data: bytes, found: MailParts) -> bool:
        """Replace winmail.dat by the files inside it; False keeps it as it is."""
        try:
            from tnefparse import TNEF

            tnef = TNEF(data, do_checksum=False)
        except Exception as error:  # tnefparse raises plain exceptions on bad blobs
            self.defects.append(f"winmail.dat not readable ({type(error).__name__}): kept as is")
            return False
        for item in tnef.attachments:
            name = tnef_name(item)
            content = item.data or b""
            if isinstance(content, str):
                content = content.encode("utf-8", "surrogateescape")
            if not self._fits(len(content), name or "winmail.dat item", True):
                continue
            self.budget.bytes_kept += len(content)
            guessed = mimetypes.guess_type(name or "")[0] or "application/octet-stream"
            self._add_attachment(found, name, guessed, content, None, "attachment")
        body = getattr(tnef, "htmlbody", None) or getattr(tnef, "body", None)
        if body:
            found.tnef_bodies.append(body if isinstance(body, str) else decode_bytes(body))
        return True


def _parse_attached(data: bytes) -> Message:
    import email
    import email.policy

    try:
        return email.message_from_bytes(data, policy=email.policy.default)
    except Exception:
        return email.message_from_bytes(data, policy=email.policy.compat32)


def message_bytes(message: Message) -> bytes:
    """Bytes of an attached message, regenerated (lenient policy when needed)."""
    import email.policy

    try:
        return message.as_bytes()
    except Exception:
        try:
            return message.as_bytes(policy=email.policy.compat32)
        except Exception:
            return str(message.get_payload()).encode("utf-8", "surrogateescape")
