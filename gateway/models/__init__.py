"""Typed SQLAlchemy models, one module per idea."""

from gateway.models.accounts import Account, AccountScope, AdminSession, LoginAttempt, MagicLink
from gateway.models.audit import AuditEvent, audit
from gateway.models.base import Base, utcnow
from gateway.models.bounces import Bounce
from gateway.models.directory import (
    Agent, Area, DirectoryRevision, Group, Membership, Organisation, directory_revision_ddl, group_areas,
)
from gateway.models.imap import ImapArrival, ImapMailbox, ImapProblem
from gateway.models.lifecycle import LifecycleMark
from gateway.models import list_indexes  # noqa: F401  (indexes of the admin's ticket list, on tickets)
from gateway.models.mail import InboundMail, OutboundMail
from gateway.models import search as _search  # noqa: F401  (its DDL event must be registered)
from gateway.models.scopes import TicketArea, TicketGroup, TicketOrganisation
from gateway.models.tickets import Attachment, Message, Participant, Ticket

__all__ = [
    "Agent", "Area", "Attachment", "AuditEvent", "Base", "DirectoryRevision", "Group", "ImapArrival", "ImapMailbox", "ImapProblem", "InboundMail", "Membership",
    "Account", "AccountScope", "AdminSession", "LoginAttempt", "MagicLink",
    "Agent", "Area", "Attachment", "AuditEvent", "Base", "Bounce", "DirectoryRevision", "Group", "InboundMail",
    "LifecycleMark", "Membership", "TicketArea", "TicketGroup", "TicketOrganisation",
    "Message", "Organisation", "OutboundMail", "Participant", "Ticket", "audit", "directory_revision_ddl", "group_areas",
    "utcnow",
]
