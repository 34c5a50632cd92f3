"""Which groups and agents an account may read: everything for admins, their scope for managers (in SQL)."""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, false, or_, select

from gateway.models import Account, Agent, Group, Membership, group_areas


def visible_groups(statement: Select, account: Account) -> Select:
    """Restrict a select over ``groups``: a manager sees the groups of their (area, organisation) pairs."""
    if account.role == "admin":
        return statement
    if account.role != "manager":
        return statement.where(false())
    conditions = []
    for scope in account.scopes:
        parts = []
        if scope.area_id is not None:
            parts.append(exists(select(group_areas.c.group_id).where(
                group_areas.c.group_id == Group.id, group_areas.c.area_id == scope.area_id)))
        if scope.organisation_id is not None:
            parts.append(Group.organisation_id == scope.organisation_id)
        if parts:
            conditions.append(and_(*parts))
    return statement.where(or_(*conditions) if conditions else false())


def visible_agents(statement: Select, account: Account) -> Select:
    """Restrict a select over ``agents``: a manager sees the members of the groups they see."""
    if account.role == "admin":
        return statement
    groups = visible_groups(select(Group.id), account)
    return statement.where(exists(select(Membership.agent_id).where(
        Membership.agent_id == Agent.id, Membership.group_id.in_(groups))))
