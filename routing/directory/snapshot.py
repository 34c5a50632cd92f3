"""The directory as group selection sees it, read once and kept while it does not change.

Selection runs for every request and used to query the groups of each rule of
its chain, then load their areas, memberships and agents: about ten queries,
a fifth of a request's processing. The directory changes rarely (a CSV import,
the demo, an administrator), so a request now reads one row, the directory's
revision token that database triggers change with every write (see
``DirectoryRevision``), and selection works on the snapshot built for that
token: plain frozen values, safe to share between threads and sessions.

The snapshot is built inside the caller's transaction, so it sees what that
transaction sees, its own uncommitted changes included; they changed the token
too, and since tokens are random a rolled-back change leaves behind a token no
committed state will ever have.

Deactivated organisations, areas and groups (the admin's directory pages) are
left out of the snapshot, as if they were absent; so are deactivated agents.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.models import Agent, Area, DirectoryRevision, Group, Membership, Organisation, group_areas
from gateway.models.directory import full_name


@dataclass(frozen=True)
class AgentView:
    """An active member of a group, as a ticket's participant needs it."""

    id: int
    email: str
    full_name: str


@dataclass(frozen=True)
class GroupView:
    """A group with what selection and the ticket need: no session, no lazy loads.

    ``organisation`` is the organisation's catalog code; ``agents`` holds the
    active members only, by agent id.
    """

    id: int
    name: str
    organisation: str | None
    mailbox: str | None
    is_national: bool
    is_triage: bool
    areas: frozenset[str]
    agents: tuple[AgentView, ...]

    @property
    def reachable(self) -> bool:
        """Someone reads what is sent to the group: an active agent or a shared mailbox."""
        return bool(self.mailbox) or bool(self.agents)


class DirectorySnapshot:
    """Every group, indexed for the lookups of the selection chain.

    Each lookup returns groups in the database's order of group names (the
    order selection used when it queried with ``ORDER BY name``: collations
    differ between SQLite and PostgreSQL, so the database sorts, not Python).
    """

    def __init__(
        self, groups: Iterable[GroupView], token: str | None = None, aliases: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.token = token
        self.groups: tuple[GroupView, ...] = tuple(groups)
        #: (organisation code, aliases one per line) added in the database, by code: the
        #: classifier's catalog overrides, watched by the same revision token.
        self.aliases = aliases
        self._by_name = {g.name: g for g in self.groups}
        self._organisation_area: dict[tuple[str, str], list[GroupView]] = {}
        self._organisation_national: dict[str, list[GroupView]] = {}
        self._area_triage: dict[str, list[GroupView]] = {}
        self._triage_without_areas: list[GroupView] = []
        for group in self.groups:
            if group.organisation is not None:
                for area in group.areas:
                    self._organisation_area.setdefault((group.organisation, area), []).append(group)
                if group.is_national:
                    self._organisation_national.setdefault(group.organisation, []).append(group)
            if group.is_triage:
                for area in group.areas:
                    self._area_triage.setdefault(area, []).append(group)
                if not group.areas:
                    self._triage_without_areas.append(group)

    @classmethod
    def load(cls, session: Session, token: str | None = None) -> "DirectorySnapshot":
        """Read the directory with four queries: groups, their areas, their active members, aliases."""
        aliases = tuple(
            (code, text) for code, text in session.execute(
                select(Organisation.code, Organisation.aliases).where(Organisation.aliases != "").order_by(Organisation.code)
            )
        )
        areas: dict[int, set[str]] = {}
        for group_id, code in session.execute(
            select(group_areas.c.group_id, Area.code).join(Area, Area.id == group_areas.c.area_id)
            .where(Area.active.is_(True))
        ):
            areas.setdefault(group_id, set()).add(code)
        agents: dict[int, list[AgentView]] = {}
        for group_id, agent_id, email, first_name, last_name in session.execute(
            select(Membership.group_id, Agent.id, Agent.email, Agent.first_name, Agent.last_name)
            .join(Agent, Agent.id == Membership.agent_id)
            .where(Agent.active.is_(True))
            .order_by(Membership.group_id, Membership.agent_id)
        ):
            agents.setdefault(group_id, []).append(AgentView(agent_id, email, full_name(first_name, last_name)))
        rows = session.execute(
            select(Group.id, Group.name, Organisation.code, Group.mailbox, Group.is_national, Group.is_triage)
            .outerjoin(Organisation, Organisation.id == Group.organisation_id)
            .where(Group.active.is_(True), or_(Organisation.id.is_(None), Organisation.active.is_(True)))
            .order_by(Group.name)
        )
        return cls(
            (
                GroupView(
                    id=group_id, name=name, organisation=organisation, mailbox=mailbox,
                    is_national=bool(is_national), is_triage=bool(is_triage),
                    areas=frozenset(areas.get(group_id, ())), agents=tuple(agents.get(group_id, ())),
                )
                for group_id, name, organisation, mailbox, is_national, is_triage in rows
            ),
            token,
            aliases,
        )

    # -- the lookups of the selection chain --------------------------------
    def named(self, name: str) -> GroupView | None:
        return self._by_name.get(name)

    def organisation_area(self, organisation: str, area: str) -> list[GroupView]:
        """The organisation's groups covering the area."""
        return list(self._organisation_area.get((organisation, area), ()))

    def organisation_national(self, organisation: str) -> list[GroupView]:
        """The organisation's national groups."""
        return list(self._organisation_national.get(organisation, ()))

    def area_triage(self, area: str) -> list[GroupView]:
        """The triage groups covering the area."""
        return list(self._area_triage.get(area, ()))

    def national_triage(self, default_group: str) -> list[GroupView]:
        """The configured default group first (whatever it is), then the triage groups without areas."""
        default = self.named(default_group)
        rest = [g for g in self._triage_without_areas if g is not default]
        return [default, *rest] if default is not None else rest


_KEEP = 4  # a process sees one directory; a few entries cover a change racing with requests
_cache: OrderedDict[str, DirectorySnapshot] = OrderedDict()
_cache_lock = threading.Lock()


def revision_token(session: Session) -> str | None:
    """The directory's current revision, as the caller's transaction sees it."""
    return session.scalar(select(DirectoryRevision.token).where(DirectoryRevision.id == 1))


def current_snapshot(session: Session) -> DirectorySnapshot:
    """The snapshot for the directory the session sees: cached per token, built when new.

    Building happens outside the lock (it queries the database; two threads
    may build the same snapshot once, the first one stored wins). On
    PostgreSQL each statement of a READ COMMITTED transaction may see a newer
    commit, so the token is read again after building: a snapshot is cached
    only when nothing changed the directory while it was read. Without the
    revision row (deleted by hand) nothing is cached.
    """
    token = revision_token(session)
    if token is not None:
        with _cache_lock:
            cached = _cache.get(token)
            if cached is not None:
                _cache.move_to_end(token)
                return cached
    snapshot = DirectorySnapshot.load(session, token)
    if token is None or revision_token(session) != token:
        return snapshot
    with _cache_lock:
        snapshot = _cache.setdefault(token, snapshot)
        _cache.move_to_end(token)
        while len(_cache) > _KEEP:
            _cache.popitem(last=False)
    return snapshot


__all__ = ["AgentView", "DirectorySnapshot", "GroupView", "current_snapshot", "revision_token"]
