"""Writing a checked directory plan: get-or-create, compare, update, count. Never deletes.

Counting unchanged rows as well as created and updated ones is what makes a
second import of the same file report "nothing changed".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Agent, Area, Group, Membership, Organisation
from routing.directory.plan import AgentPlan, GroupPlan, Plan, RowChecker
from routing.directory.report import Change, ImportReport
from routing.directory.rows import ROLE_CELLS


class PlanWriter:
    """Applies a checked plan: get-or-create, compare, update, count."""

    def __init__(self, session: Session, report: ImportReport, checker: RowChecker) -> None:
        self.session = session
        self.report = report
        self.checker = checker
        self._organisations = {o.code: o for o in session.scalars(select(Organisation))}
        self._areas = {a.code: a for a in session.scalars(select(Area))}

    def apply(self, plan: Plan) -> None:
        with self.session.no_autoflush:  # one flush per phase, not one per lookup
            self._apply(plan)
        self.session.flush()

    def _apply(self, plan: Plan) -> None:
        groups = {name: self._group(g) for name, g in plan.groups.items()}
        existing_agents = self._existing_agents(plan.agents)
        agents = {email: self._agent(a, existing_agents.get(email)) for email, a in plan.agents.items()}
        self.session.flush()
        for group_name, email in plan.memberships:
            group = groups.get(group_name) or self.checker.existing_groups[group_name]
            agent = agents[email]
            role = plan.roles.get((group_name, email))
            existing = next((m for m in group.memberships if m.agent_id == agent.id), None)
            if existing is None:
                group.memberships.append(Membership(agent=agent, role=role or ""))
                self.report.memberships.created += 1
                line = plan.memberships[(group_name, email)]
                self.report.changes.append(Change("membership", "created", f"{email} → {group_name}", line))
            elif role is not None and existing.role != role:
                before, existing.role = existing.role, role
                self.report.memberships.updated += 1
                line = plan.memberships[(group_name, email)]
                self.report.changes.append(Change("membership", "updated", f"{email} → {group_name}", line,
                                                  (("le rôle", ROLE_CELLS[before], ROLE_CELLS[role]),)))
            else:
                self.report.memberships.unchanged += 1

    def _group(self, plan: GroupPlan) -> Group:
        group = self.checker.existing_groups.get(plan.name)
        created = group is None
        if created:
            group = Group(name=plan.name, is_national=False, is_triage=False)
            self.session.add(group)
        changed: list[tuple[str, str, str]] = []
        if plan.organisation is not None:
            organisation = self._organisation(plan.organisation)
            if group.organisation is not organisation:
                changed.append(("l'organisation", group.organisation.code if group.organisation else "", plan.organisation))
                group.organisation = organisation
        if plan.triage is not None and group.is_triage != plan.triage:
            changed.append(("le type", _kind(group.is_triage), _kind(plan.triage)))
            group.is_triage = plan.triage
        if plan.national is not None and group.is_national != plan.national:
            changed.append(("la portée", _scope(group.is_national), _scope(plan.national)))
            group.is_national = plan.national
        if plan.areas is not None and {a.code for a in group.areas} != set(plan.areas):
            changed.append(("le territoire", ", ".join(sorted(a.code for a in group.areas)), ", ".join(sorted(plan.areas))))
            group.areas = [self._area(code) for code in plan.areas]
        if plan.mailbox is not None and group.mailbox != plan.mailbox:
            changed.append(("la BAL", group.mailbox or "", plan.mailbox))
            group.mailbox = plan.mailbox
        counts = self.report.groups
        if created:
            counts.created += 1
            self.report.changes.append(Change("group", "created", plan.name, plan.line, tuple(changed)))
        elif changed:
            counts.updated += 1
            self.report.changes.append(Change("group", "updated", plan.name, plan.line, tuple(changed)))
        else:
            counts.unchanged += 1
        return group

    def _existing_agents(self, plans: dict[str, AgentPlan]) -> dict[str, Agent]:
        emails = list(plans)
        found: dict[str, Agent] = {}
        for start in range(0, len(emails), 500):
            statement = select(Agent).where(Agent.email.in_(emails[start:start + 500]))
            found.update((a.email, a) for a in self.session.scalars(statement))
        return found

    def _agent(self, plan: AgentPlan, agent: Agent | None) -> Agent:
        counts = self.report.agents
        if agent is None:
            agent = Agent(email=plan.email, first_name=plan.first_name, last_name=plan.last_name, active=True)
            self.session.add(agent)
            counts.created += 1
            self.report.changes.append(Change("agent", "created", plan.email, plan.line))
            return agent
        changed: list[tuple[str, str, str]] = []
        for key, label in (("first_name", "le prénom"), ("last_name", "le nom")):
            value = getattr(plan, key)
            if value and getattr(agent, key) != value:
                changed.append((label, getattr(agent, key), value))
                setattr(agent, key, value)
        if changed:
            counts.updated += 1
            self.report.changes.append(Change("agent", "updated", plan.email, plan.line, tuple(changed)))
        else:
            counts.unchanged += 1
        return agent

    def _organisation(self, code: str) -> Organisation:
        if code not in self._organisations:
            name = self.checker.organisations.names.get(code, code)
            self._organisations[code] = Organisation(code=code, name=name, aliases="")
            self.session.add(self._organisations[code])
        return self._organisations[code]

    def _area(self, code: str) -> Area:
        if code not in self._areas:
            self._areas[code] = Area(code=code, name=self.checker.territories.name(code))
            self.session.add(self._areas[code])
        return self._areas[code]


def _kind(triage: bool) -> str:
    return "triage" if triage else "normal"


def _scope(national: bool) -> str:
    return "national" if national else "local"
