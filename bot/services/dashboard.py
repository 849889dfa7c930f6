"""What the App Home shows, as plain data, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.goals import GoalView, goal_views
from bot.services.metrics import MetricView, list_metrics
from bot.services.periods import current_period, periods_of, workspace_today
from models import Category, Goal, GoalOwner, Schedule, Workspace

ATTENTION = ("at-risk", "off-track", "blocked")


@dataclass(frozen=True)
class CategoryProgress:
    name: str
    goals: int
    done: int
    progress: int  # average, percent


@dataclass(frozen=True)
class Ritual:
    kind: str
    rule: str
    channel_id: str | None
    enabled: bool


@dataclass(frozen=True)
class HomeSummary:
    workspace_name: str | None
    period: str | None
    goal_count: int
    categories: list[CategoryProgress] = field(default_factory=list)
    mine: list[GoalView] = field(default_factory=list)
    attention: list[GoalView] = field(default_factory=list)
    metrics: list[MetricView] = field(default_factory=list)
    rituals: list[Ritual] = field(default_factory=list)


def home_summary(
    *, session: Session, workspace: Workspace, user_id: str, now: datetime
) -> HomeSummary:
    periods = periods_of(session, workspace.id)
    period = current_period(periods, workspace_today(workspace, now))
    if period is None:
        return HomeSummary(workspace_name=workspace.name, period=None, goal_count=0)
    goals = list(
        session.scalars(
            select(Goal)
            .where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.archived.is_(False),
            )
            .order_by(Goal.position, Goal.number)
        )
    )
    names = dict(
        session.execute(
            select(Category.id, Category.name)
            .where(Category.workspace_id == workspace.id)
            .order_by(Category.position)
        ).all()
    )
    categories = []
    for category_id, name in names.items():
        members = [g for g in goals if g.category_id == category_id]
        if members:
            categories.append(
                CategoryProgress(
                    name=name,
                    goals=len(members),
                    done=sum(g.status == "done" for g in members),
                    progress=round(sum(g.progress for g in members) / len(members)),
                )
            )
    owned = set(
        session.scalars(
            select(GoalOwner.goal_id).where(
                GoalOwner.workspace_id == workspace.id, GoalOwner.owner == user_id
            )
        )
    )
    views = {v.ref: v for v in goal_views(session, goals)}
    mine = [views[g.ref] for g in goals if g.id in owned]
    attention = [views[g.ref] for g in goals if g.status in ATTENTION]
    rituals = [
        Ritual(kind=s.kind, rule=s.rule, channel_id=s.channel_id, enabled=s.enabled)
        for s in session.scalars(
            select(Schedule)
            .where(
                Schedule.workspace_id == workspace.id,
                Schedule.kind.in_(("knowledge_sharing", "retrospective", "checkin_prompt")),
            )
            .order_by(Schedule.id)
        )
    ]
    return HomeSummary(
        workspace_name=workspace.name,
        period=period.label,
        goal_count=len(goals),
        categories=categories,
        mine=mine,
        attention=attention,
        metrics=list_metrics(session=session, workspace=workspace, now=now),
        rituals=rituals,
    )
