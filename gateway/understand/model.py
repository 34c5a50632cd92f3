"""Value objects produced by understanding a mail.

Understanding is a pure step: raw bytes in, an ``Understood`` out, nothing
written anywhere. The processor, ``aplus explain`` and the tests all read the
same object, so what the gateway decides can always be shown and replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: How a mail was produced. Anything but ``human`` is never answered nor relayed.
AutomaticKind = Literal["human", "auto_reply", "bulk", "bounce", "own"]

#: What the mail looks like before threading decides (``reply`` may still
#: become a new request when no ticket matches).
MailKind = Literal["request", "forward", "reply", "auto_reply", "bounce", "loop"]


@dataclass(frozen=True)
class Address:
    """One mailbox, address lower-cased for comparison, name as written."""

    email: str
    name: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name}


@dataclass
class Attachment:
    """One attached file, already decoded, with a filename safe to store."""

    filename: str
    content_type: str  # detected from the content when possible
    declared_type: str  # what the mail said
    content: bytes
    content_id: str | None = None  # for inline cid: images
    inline: bool = False
    is_message: bool = False  # an attached message/rfc822, kept whole

    @property
    def size(self) -> int:
        return len(self.content)

    def to_dict(self) -> dict[str, object]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


@dataclass
class Forwarded:
    """The original mail found inside a forward ("TR :", "Fwd:", attached message)."""

    sender: Address | None
    subject: str = ""
    date: str = ""
    text: str = ""
    attachments: list[Attachment] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.sender.to_dict() if self.sender else None,
            "subject": self.subject,
            "date": self.date,
            "text": self.text,
        }


@dataclass
class Bounce:
    """A delivery status notification reduced to what the gateway acts on."""

    recipients: list[str]
    status: str = ""  # RFC 3463 code, e.g. "5.1.1"
    action: str = ""  # RFC 3464 Action: failed, delayed, delivered, ...
    permanent: bool = True
    original_message_id: str | None = None  # Message-ID of the mail that bounced
    verp_address: str | None = None  # our VERP return path, when it could be found

    def to_dict(self) -> dict[str, object]:
        return {
            "recipients": self.recipients,
            "status": self.status,
            "action": self.action,
            "permanent": self.permanent,
        }


@dataclass
class Automatic:
    """Verdict of the automatic-mail rules, with the rule hits that led to it."""

    kind: AutomaticKind = "human"
    reasons: list[str] = field(default_factory=list)


@dataclass
class Understood:
    """Everything the gateway understood of one mail."""

    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    subject: str
    sender: Address | None  # From:
    reply_to: list[Address]
    to: list[Address]
    cc: list[Address]
    date: datetime | None
    text: str  # the whole readable body (plain text, or HTML made text)
    html: str | None  # sanitised HTML, for display only
    trimmed: str  # what the author wrote now
    elided: str  # quoted history and signature that were cut
    attachments: list[Attachment]
    automatic: Automatic
    forwarded: Forwarded | None
    forwarder_note: str  # the forwarder's own words above the forward
    bounce: Bounce | None
    defects: list[str]
    headers: dict[str, str]  # decoded header values, lower-case names, first occurrence
    signature: str = ""  # the author's identity block (name, title, service, phone), apart from ``trimmed``

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers, oldest first (References, then In-Reply-To)."""
        return [*self.references, *([self.in_reply_to] if self.in_reply_to else [])]

    @property
    def kind(self) -> MailKind:
        """The mail's kind as far as the mail alone can tell."""
        if self.automatic.kind == "bounce":
            return "bounce"
        if self.automatic.kind == "own":
            return "loop"
        if self.automatic.kind in ("auto_reply", "bulk"):
            return "auto_reply"
        if self.forwarded is not None:
            return "forward"
        if self.in_reply_to or self.references:
            return "reply"
        return "request"
