"""Accounts of the oversight admin, their scopes, sessions, login attempts and magic links.

Only the national team (``admin``), area managers (``manager``, scoped to
areas x organisations) and observers (``observer``, counts only) have an
account; agents and usagers work by email and never log in.

Sessions live here rather than in a signed cookie alone, so that an
administrator can revoke one (a lost laptop, a departure) and it stops
working at the next request, in every process. Tokens (session cookies,
magic links) are stored as their SHA-256: a copy of the database does not
give anybody a working session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.models.base import Base, UTCDateTime, utcnow

ACCOUNT_ROLES = ("admin", "manager", "observer")
ROLE_LABELS = {"admin": "équipe nationale", "manager": "responsable de territoire", "observer": "observateur"}


class Account(Base):
    __tablename__ = "admin_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(200), default="")  # Argon2id; empty: magic link only
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scopes: Mapped[list["AccountScope"]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountScope.id"
    )

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class AccountScope(Base):
    """One (area, organisation) pair a manager oversees; an empty side means "any".

    ``area_id`` set and ``organisation_id`` empty: every ticket of that area;
    both set: the tickets of that area that involve that organisation.
    """

    __tablename__ = "admin_account_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("admin_accounts.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))

    account: Mapped[Account] = relationship(back_populates="scopes")


class AdminSession(Base):
    """A logged-in browser; the cookie holds the token, this row its hash."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("admin_accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str] = mapped_column(String(320), default="")
    client_address: Mapped[str] = mapped_column(String(100), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    method: Mapped[str] = mapped_column(String(10), default="password")  # password, link

    account: Mapped[Account] = relationship()


class LoginAttempt(Base):
    """One try at logging in (password or magic-link request), for the rate limits.

    In the database, not in memory, so the limit holds across the processes
    and restarts of the admin.
    """

    __tablename__ = "admin_login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(320), default="", index=True)
    client_address: Mapped[str] = mapped_column(String(100), default="", index=True)
    kind: Mapped[str] = mapped_column(String(10), default="password")  # password, link
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class MagicLink(Base):
    """A one-time login link sent by mail: single use, short-lived."""

    __tablename__ = "admin_magic_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("admin_accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_from: Mapped[str] = mapped_column(String(100), default="")

    account: Mapped[Account] = relationship()
