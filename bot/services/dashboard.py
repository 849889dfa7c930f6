"""What the App Home shows, as plain data, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot import kinds
from bot.services.goals import GoalView, goal_views
from bot.services.metrics import MetricView, list_metrics
from bot.services.periods import (
    current_period,
    lifecycle,
    period_phase,
    periods_of,
    workspace_today,
)
from models import Category, Goal, GoalOwner, GoalStatus, Schedule, Workspace

ATTENTION = (GoalStatus.AT_RISK, GoalStatus.OFF_TRACK, GoalStatus.BLOCKED)


@dataclass(frozen=True)
class CategoryProgress:
    name: str
    goals: int
    done: int
    progress: int  # average, percent


@dataclass(frozen=True)
class Ritual:
    kind: str
    label: str  # how the Home tab names it
    rule: str
    channel_id: str | None
    enabled: bool
    next_at: datetime | None = None  # aware UTC
    timezone: str = "UTC"


@dataclass(frozen=True)
class HomeSummary:
    workspace_name: str | None
    period: str | None
    goal_count: int
    # "current", or "ended"/"upcoming" when no period is under way today (with the date)
    period_phase: str = "current"
    period_boundary: date | None = None
    # The roadmap's last day once it ended or ends within two weeks with nothing after it:
    # the Home tab says so, with the "Import the next roadmap" button, until a period exists.
    roadmap_ends: date | None = None
    today: date | None = None
    categories: list[CategoryProgress] = field(default_factory=list)
    mine: list[GoalView] = field(default_factory=list)
    attention: list[GoalView] = field(default_factory=list)  # the first few
    attention_total: int = 0
    metrics: list[MetricView] = field(default_factory=list)
    rituals: list[Ritual] = field(default_factory=list)


MAX_MINE = 20
MAX_ATTENTION = 12


def _ritual(schedule: Schedule, workspace: Workspace, now: datetime, periods) -> Ritual:
    from bot.services.schedules import view_of

    try:
        view = view_of(schedule, workspace, now, count=1, periods=periods)
        next_at, zone = (view.next_runs[0] if view.next_runs else None), view.timezone
    except ValueError:  # a rule that no longer parses: show it as written
        next_at, zone = None, workspace.timezone or "UTC"
    return Ritual(
        kind=schedule.kind,
        label=kinds.kind_of(schedule.kind).home_label or schedule.kind,
        rule=schedule.rule,
        channel_id=schedule.channel_id,
        enabled=schedule.enabled,
        next_at=next_at,
        timezone=zone,
    )


def home_summary(
    *, session: Session, workspace: Workspace, user_id: str, now: datetime
) -> HomeSummary:
    """The viewer's dashboard for the current period, in a fixed number of queries that do
    not load every goal: counts are aggregated in SQL and the lists are bounded."""
    periods = periods_of(session, workspace.id)
    today = workspace_today(workspace, now)
    period = current_period(periods, today)
    if period is None:
        return HomeSummary(workspace_name=workspace.name, period=None, goal_count=0)
    phase = period_phase(period, today)
    life = lifecycle(periods, today)
    roadmap_ends = life.last_day if life.ending_soon() else None
    in_period = (
        Goal.workspace_id == workspace.id,
        Goal.period_id == period.id,
        Goal.archived.is_(False),
    )
    per_category = session.execute(
        select(
            Category.name,
            func.count(Goal.id),
            func.sum(case((Goal.status == GoalStatus.DONE, 1), else_=0)),
            func.avg(Goal.progress),
        )
        .join(Goal, Goal.category_id == Category.id)
        .where(*in_period)
        .group_by(Category.id, Category.name, Category.position)
        .order_by(Category.position)
    ).all()
    categories = [
        CategoryProgress(name=name, goals=count, done=int(done or 0), progress=round(avg or 0))
        for name, count, done, avg in per_category
    ]
    ordered = (Goal.position, Goal.number)
    mine = list(
        session.scalars(
            select(Goal)
            .where(
                *in_period,
                Goal.id.in_(
                    select(GoalOwner.goal_id).where(
                        GoalOwner.workspace_id == workspace.id, GoalOwner.owner == user_id
                    )
                ),
            )
            .order_by(*ordered)
            .limit(MAX_MINE + 1)
        )
    )
    attention = list(
        session.scalars(
            select(Goal)
            .where(*in_period, Goal.status.in_(ATTENTION))
            .order_by(*ordered)
            .limit(MAX_ATTENTION + 1)
        )
    )
    attention_total = session.scalar(
        select(func.count()).select_from(Goal).where(*in_period, Goal.status.in_(ATTENTION))
    )
    views = {
        v.ref: v for v in goal_views(session, list({g.id: g for g in mine + attention}.values()))
    }
    rituals = [
        _ritual(s, workspace, now, periods)
        for s in session.scalars(
            select(Schedule)
            .where(
                Schedule.workspace_id == workspace.id,
                Schedule.kind.in_([k.name for k in kinds.all_kinds() if k.home_label]),
            )
            .order_by(Schedule.id)
        )
    ]
    return HomeSummary(
        workspace_name=workspace.name,
        period=period.label,
        goal_count=sum(c.goals for c in categories),
        period_phase=phase,
        period_boundary={"ended": period.end_date, "upcoming": period.start_date}.get(phase),
        roadmap_ends=roadmap_ends,
        today=today,
        categories=categories,
        mine=[views[g.ref] for g in mine],
        attention=[views[g.ref] for g in attention],
        attention_total=attention_total or 0,
        metrics=list_metrics(session=session, workspace=workspace, now=now),
        rituals=rituals,
    )
