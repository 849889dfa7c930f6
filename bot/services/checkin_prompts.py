"""Check-in prompts: who is asked about which goal each cycle, claimed exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from bot.services.checkins import cycle_of, previous_cycle
from bot.services.goals import GoalView, goal_views
from bot.services.periods import current_period, periods_of, workspace_today
from bot.services.settings import setting
from models import Checkin, CheckinPrompt, Goal, GoalStatus, Member, Workspace
from models.base import insert_ignoring_conflicts


@dataclass(frozen=True)
class PromptTarget:
    goal: GoalView
    goal_id: int
    recipient: str  # a user id (their DM) or the roadmap channel id


@dataclass(frozen=True)
class PromptPlan:
    cycle: str
    targets: list[PromptTarget]
    unowned: list[GoalView]
    admins: list[str]
    skipped_away: list[str]


def plan_prompts(*, session: Session, workspace: Workspace, now: datetime) -> PromptPlan:
    """Who to ask about which goal this cycle: owners in their DM, or the roadmap channel."""
    cycle = cycle_of(workspace, now)
    period = current_period(periods_of(session, workspace.id), workspace_today(workspace, now))
    admins = list(workspace.admin_user_ids or [])
    if period is None:
        return PromptPlan(cycle, [], [], admins, [])
    goals = list(
        session.scalars(
            select(Goal)
            .where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.archived.is_(False),
                Goal.status != GoalStatus.DONE,
            )
            .order_by(Goal.position, Goal.number)
        )
    )
    today = workspace_today(workspace, now)
    away = set(
        session.scalars(
            select(Member.user_id).where(
                Member.workspace_id == workspace.id, Member.away_until >= today
            )
        )
    )
    views = {v.ref: v for v in goal_views(session, goals)}
    in_channel = setting(workspace, "checkins") == "channel" and workspace.roadmap_channel_id
    targets, unowned, skipped = [], [], set()
    for goal in goals:
        people = [o.owner for o in goal.owners if o.owner[:1] in ("U", "W")]
        if not people:
            unowned.append(views[goal.ref])
            continue
        present = [p for p in people if p not in away]
        skipped |= set(people) - set(present)
        if not present:
            continue
        if in_channel:
            targets.append(PromptTarget(views[goal.ref], goal.id, workspace.roadmap_channel_id))
        else:
            targets += [PromptTarget(views[goal.ref], goal.id, p) for p in present]
    return PromptPlan(cycle, targets, unowned, admins, sorted(skipped))


def reserve_prompt(
    session: Session, workspace: Workspace, target: PromptTarget, cycle: str, now: datetime
) -> CheckinPrompt | None:
    """Claim the right to post this prompt; None when it was posted (or claimed) already."""
    inserted = insert_ignoring_conflicts(
        session,
        CheckinPrompt,
        {
            "workspace_id": workspace.id,
            "goal_id": target.goal_id,
            "cycle": cycle,
            "recipient": target.recipient,
            "created_at": now,
        },
        ["goal_id", "cycle", "recipient"],
    )
    if not inserted:
        return None
    return session.scalar(
        select(CheckinPrompt).where(
            CheckinPrompt.workspace_id == workspace.id,
            CheckinPrompt.goal_id == target.goal_id,
            CheckinPrompt.cycle == cycle,
            CheckinPrompt.recipient == target.recipient,
        )
    )


def due_chases(*, session: Session, workspace: Workspace, now: datetime) -> list[CheckinPrompt]:
    """Prompts past the deadline with no answer in their cycle and no reminder yet: this
    cycle's, and last cycle's too (a prompt posted late on Sunday falls due in the new week)
    unless a newer prompt for the same goal has reached the same person since."""
    hours = setting(workspace, "chase_after_hours")
    if hours is None:  # reminders are off
        return []
    cycle = cycle_of(workspace, now)
    newer = aliased(CheckinPrompt)
    answered = exists().where(
        Checkin.workspace_id == workspace.id,
        Checkin.goal_id == CheckinPrompt.goal_id,
        # in the prompt's cycle, or since: a Monday `/roadmap checkin` answers Sunday's prompt
        Checkin.cycle >= CheckinPrompt.cycle,
        Checkin.retracted_at.is_(None),
        Checkin.status.is_not(None),
    )
    superseded = exists().where(
        newer.workspace_id == workspace.id,
        newer.goal_id == CheckinPrompt.goal_id,
        newer.recipient == CheckinPrompt.recipient,
        newer.cycle > CheckinPrompt.cycle,  # "2025-W10" names sort in time order
        newer.message_ts.is_not(None),  # a reservation that never posted replaces nothing
    )
    return list(
        session.scalars(
            select(CheckinPrompt).where(
                CheckinPrompt.workspace_id == workspace.id,
                CheckinPrompt.cycle.in_((cycle, previous_cycle(cycle))),
                CheckinPrompt.message_ts.is_not(None),
                CheckinPrompt.reminded_at.is_(None),
                CheckinPrompt.posted_at <= now - timedelta(hours=int(hours)),
                ~answered,
                ~superseded,
            )
        )
    )


def claim_chase(session: Session, prompt_id: int, now: datetime) -> bool:
    """Mark a prompt reminded; only one process ever wins (never more than one reminder)."""
    result = session.execute(
        update(CheckinPrompt)
        .where(CheckinPrompt.id == prompt_id, CheckinPrompt.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return result.rowcount == 1
