"""Retrospectives: the quarter's outcomes, what the team says about it (went well, to improve,
actions), action items turned into next period's goals, and unfinished goals carried over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, admins_phrase, is_roadmap_admin
from bot.services.digests import QuarterlyDigest, quarterly_digest
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.goals import MAX_TITLE, GoalView, add_goal, get_goal
from bot.services.periods import (
    closing_period,
    current_period,
    period_on,
    periods_of,
    workspace_today,
)
from bot.services.roadmap_document import normalize_title
from bot.services.schedules import schedule_zone
from models import AuditEntry, Category, Goal, GoalOwner, Period, RetroItem, Schedule, Workspace
from models.roadmap import next_goal_number

RETRO_KINDS = ("went_well", "to_improve", "action")
MAX_ITEM = 500


@dataclass(frozen=True)
class RetroItemView:
    id: int
    kind: str  # went_well | to_improve | action
    text: str
    user_id: str | None
    goal_ref: str | None  # the goal an action item became


@dataclass(frozen=True)
class RetroBoard:
    """Everything a retrospective message shows: outcomes, items, where goals can go next."""

    period_id: int | None
    period: str | None
    next_period: str | None
    timezone: str
    digest: QuarterlyDigest
    items: list[RetroItemView] = field(default_factory=list)


@dataclass(frozen=True)
class PromotedAction:
    item: RetroItemView
    goal: GoalView


@dataclass(frozen=True)
class CarryOver:
    next_period: str
    carried: list[tuple[str, str]]  # (old ref, new ref)
    already_there: list[str]  # unfinished goals with a same-titled goal next period
    scope: str  # "all" for admins, "own" for owners carrying their own goals


def retro_period(periods: list[Period], day: date) -> Period | None:
    """The period a retrospective on `day` looks back on: the one ending (or just ended)
    near that day, else the one around it."""
    return closing_period(periods, day) or period_on(periods, day) or current_period(periods, day)


def following_period(periods: list[Period], period: Period) -> Period | None:
    """The period after `period`, by start date."""
    later = [p for p in periods if p.start_date > period.start_date]
    return min(later, key=lambda p: (p.start_date, p.end_date), default=None)


def _period(session: Session, workspace: Workspace, period_id: int) -> Period:
    period = session.scalar(
        select(Period).where(Period.workspace_id == workspace.id, Period.id == period_id)
    )
    if period is None:
        raise NotFound("That retrospective's period no longer exists.")
    return period


def _item_views(session: Session, workspace_id: int, period_id: int) -> list[RetroItemView]:
    rows = session.execute(
        select(RetroItem, Goal.number)
        .outerjoin(Goal, Goal.id == RetroItem.goal_id)
        .where(RetroItem.workspace_id == workspace_id, RetroItem.period_id == period_id)
        .order_by(RetroItem.created_at, RetroItem.id)
    ).all()
    return [_item_view(item, number) for item, number in rows]


def _item_view(item: RetroItem, goal_number: int | None) -> RetroItemView:
    return RetroItemView(
        id=item.id,
        kind=item.kind,
        text=item.text,
        user_id=item.user_id,
        goal_ref=f"G{goal_number}" if goal_number is not None else None,
    )


def retro_board(
    *,
    session: Session,
    workspace: Workspace,
    schedule_id: int | None,
    now: datetime,
    event_day: date | None = None,
    period_id: int | None = None,
) -> RetroBoard:
    """The board of the retrospective of `period_id`, or of the period around `event_day`."""
    schedule = (
        session.scalar(
            select(Schedule).where(
                Schedule.workspace_id == workspace.id, Schedule.id == schedule_id
            )
        )
        if schedule_id is not None
        else None
    )
    zone = schedule_zone(schedule, workspace).key if schedule else workspace.timezone or "UTC"
    periods = periods_of(session, workspace.id)
    if period_id is not None:
        period = _period(session, workspace, period_id)
    else:
        period = (
            retro_period(periods, event_day or workspace_today(workspace, now)) if periods else None
        )
    if period is None:
        digest = quarterly_digest(session=session, workspace=workspace, period_label=None, now=now)
        return RetroBoard(None, None, None, zone, digest)
    digest = quarterly_digest(
        session=session, workspace=workspace, period_label=period.label, now=now
    )
    following = following_period(periods, period)
    return RetroBoard(
        period_id=period.id,
        period=period.label,
        next_period=following.label if following else None,
        timezone=zone,
        digest=digest,
        items=_item_views(session, workspace.id, period.id),
    )


def add_item(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    period_id: int,
    kind: str,
    text: str,
    now: datetime,
) -> RetroItemView:
    """Anyone may add what went well, what to improve, or an action."""
    if kind not in RETRO_KINDS:
        raise InvalidInput("Choose went well, to improve, or action.")
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput("Write the item.")
    if len(cleaned) > MAX_ITEM:
        raise InvalidInput(f"An item can be at most {MAX_ITEM} characters.")
    period = _period(session, workspace, period_id)
    item = RetroItem(
        workspace_id=workspace.id,
        period_id=period.id,
        kind=kind,
        text=cleaned,
        user_id=actor.user_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return _item_view(item, None)


def promote_action(
    *, session: Session, workspace: Workspace, actor: Actor, item_id: int, now: datetime
) -> PromotedAction:
    """Make an action item a goal of the period after the retrospective's (admins, or the
    person who wrote the action, who will own the goal)."""
    item = session.scalar(
        select(RetroItem)
        .where(RetroItem.workspace_id == workspace.id, RetroItem.id == item_id)
        .with_for_update()
    )
    if item is None:
        raise NotFound("That retrospective item no longer exists.")
    if item.kind != "action":
        raise InvalidInput("Only action items can become goals.")
    if item.goal_id is not None:
        goal = session.get(Goal, item.goal_id)
        raise InvalidInput(f"That action is already goal {goal.ref}.")
    if not (is_roadmap_admin(workspace, actor) or actor.user_id == item.user_id):
        who = f"<@{item.user_id}> (who wrote it) or " if item.user_id else ""
        raise PermissionDenied(f"Only {who}{admins_phrase(workspace)} can make this action a goal.")
    periods = periods_of(session, workspace.id)
    following = following_period(periods, _period(session, workspace, item.period_id))
    if following is None:
        raise NotFound("There is no next period to add the goal to: import the next one first.")
    title = " ".join(item.text.split())[:MAX_TITLE]
    view = add_goal(
        session=session,
        workspace=workspace,
        actor=actor,
        now=now,
        title=title,
        period=following.label,
        owners=[item.user_id or actor.user_id],
    )
    item.goal_id = get_goal(session, workspace.id, view.ref).id
    session.flush()
    return PromotedAction(_item_view(item, int(view.ref[1:])), view)


def carry_over(
    *, session: Session, workspace: Workspace, actor: Actor, period_id: int, now: datetime
) -> CarryOver:
    """Copy each unfinished goal of the period (title, category, owners) into the next one,
    unless a goal with the same title is already there; admins carry every goal, owners
    their own. Each copy is audited as "goal.add" with details["carried_from"]."""
    period = _period(session, workspace, period_id)
    following = following_period(periods_of(session, workspace.id), period)
    if following is None:
        raise NotFound("There is no next period to carry goals into: import the next one first.")
    # Serialise carry-overs into the same period, so two clicks at once copy nothing twice.
    session.execute(select(Period.id).where(Period.id == following.id).with_for_update())
    unfinished = list(
        session.scalars(
            select(Goal)
            .where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.archived.is_(False),
                Goal.status != "done",
            )
            .order_by(Goal.position, Goal.number)
        )
    )
    admin = is_roadmap_admin(workspace, actor)
    if not admin:
        unfinished = [g for g in unfinished if actor.user_id in {o.owner for o in g.owners}]
        if not unfinished:
            raise PermissionDenied(
                f"Only {admins_phrase(workspace)}, or the owners of unfinished goals for their "
                "own goals, can carry goals over."
            )
    there = set(
        session.scalars(
            select(Goal.normalized_title).where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == following.id,
                Goal.archived.is_(False),
            )
        )
    )
    carried, already = [], []
    for goal in unfinished:
        if goal.normalized_title in there:
            already.append(goal.ref)
            continue
        copy = _copy_goal(session, workspace, actor, goal, following, now)
        there.add(goal.normalized_title)
        carried.append((goal.ref, copy.ref))
    return CarryOver(following.label, carried, already, "all" if admin else "own")


def _category_for(session: Session, goal: Goal, period: Period) -> int:
    """The goal's category, or the same-named one of the next period's roadmap."""
    if period.roadmap_id == goal.roadmap_id:
        return goal.category_id
    name = session.scalar(select(Category.name).where(Category.id == goal.category_id))
    found = session.scalar(
        select(Category.id).where(Category.roadmap_id == period.roadmap_id, Category.name == name)
    )
    if found is not None:
        return found
    category = Category(workspace_id=goal.workspace_id, roadmap_id=period.roadmap_id, name=name)
    session.add(category)
    session.flush()
    return category.id


def _copy_goal(
    session: Session, workspace: Workspace, actor: Actor, goal: Goal, period: Period, now: datetime
) -> Goal:
    """A not-started copy of `goal` in `period`, audited as carried from it."""
    position = session.scalar(
        select(func.max(Goal.position)).where(Goal.workspace_id == workspace.id)
    )
    copy = Goal(
        workspace_id=workspace.id,
        number=next_goal_number(session, workspace.id),
        roadmap_id=period.roadmap_id,
        period_id=period.id,
        category_id=_category_for(session, goal, period),
        title=goal.title,
        normalized_title=normalize_title(goal.title),
        status="not-started",
        progress=0,
        archived=False,
        position=(position or 0) + 1,
        created_by=actor.user_id,
        owners=[
            GoalOwner(workspace_id=workspace.id, owner=o.owner, position=i)
            for i, o in enumerate(goal.owners)
        ],
    )
    session.add(copy)
    session.flush()
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            at=now,
            actor=actor.user_id,
            action="goal.add",
            target=copy.ref,
            details={"title": copy.title, "carried_from": goal.ref},
        )
    )
    return copy
