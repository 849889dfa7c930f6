"""Check-ins: answers about goals, from a reaction, a button, a reply or a command.

Every answer is its own row (the goal shows the latest), so a goal's history keeps the whole
story of a cycle; a cycle is a week, named by its ISO week ("2025-W10") and shown to people
as "Week of 3 March"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, is_roadmap_admin, require_goal_change
from bot.services.errors import InvalidInput
from bot.services.goals import GoalView, get_goal, goal_view, goal_views
from bot.services.periods import current_period, periods_of, workspace_today
from bot.services.settings import setting
from models import (
    GOAL_STATUSES,
    AuditEntry,
    Checkin,
    CheckinPrompt,
    CheckinSource,
    Goal,
    GoalStatus,
    Member,
    ProcessedEvent,
    Workspace,
)
from models.base import insert_ignoring_conflicts

SKIN_TONE = re.compile(r"::skin-tone-\d$")


def cycle_of(workspace: Workspace, now: datetime) -> str:
    """Weekly cycles named by the ISO week in the workspace's zone, e.g. 2025-W10."""
    return cycle_of_day(workspace_today(workspace, now))


def cycle_of_day(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def cycle_monday(cycle: str) -> date:
    year, week = cycle.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def cycle_words(cycle: str) -> str:
    """ "Week of 3 March" (with the year when it is not `this_year`)."""
    try:
        monday = cycle_monday(cycle)
    except ValueError:
        return cycle
    return f"Week of {monday.day} {monday:%B}"


def previous_cycle(cycle: str) -> str:
    year, week = cycle.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1) - timedelta(days=7)
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


def first_time(session: Session, event_id: str, team_id: str | None, event_type: str) -> bool:
    """Record a Slack event id; False when it was seen before (a retry, or a race lost)."""
    return insert_ignoring_conflicts(
        session,
        ProcessedEvent,
        {
            "event_id": event_id,
            "team_id": team_id,
            "event_type": event_type,
            "received_at": datetime.now().astimezone(),
        },
        ["event_id"],
    )


def status_for_reaction(workspace: Workspace, reaction: str) -> str | None:
    """The status a reaction means (skin tones count as the plain emoji)."""
    name = SKIN_TONE.sub("", reaction)
    return setting(workspace, "reactions").get(name)


@dataclass(frozen=True)
class CheckinResult:
    goal: GoalView
    status: str | None
    progress: int | None
    note: str | None
    by: str
    source: str
    cycle: str
    replaced: bool  # an earlier answer in this cycle was replaced
    prompts: list[tuple[str, str]] = field(default_factory=list)  # (channel, ts) to update
    owners: tuple[str, ...] = ()
    rounds: tuple[int, ...] = ()  # the rounds (top messages) that ask about this goal


def prompt_at(session: Session, workspace_id: int, channel: str, ts: str) -> CheckinPrompt | None:
    return session.scalar(
        select(CheckinPrompt).where(
            CheckinPrompt.workspace_id == workspace_id,
            CheckinPrompt.channel_id == channel,
            CheckinPrompt.message_ts == ts,
        )
    )


def prompt_in_workspace(
    session: Session, workspace_id: int, prompt_id: int | None
) -> CheckinPrompt | None:
    """A prompt by id, only when it belongs to this workspace (a modal's metadata names it)."""
    if prompt_id is None:
        return None
    prompt = session.get(CheckinPrompt, prompt_id)
    if prompt is None or prompt.workspace_id != workspace_id:
        return None
    return prompt


def goal_of_note(session: Session, workspace_id: int, message_ts: str) -> Goal | None:
    """The goal a reply was already recorded for (its edit goes to the same goal)."""
    goal_id = session.scalar(
        select(Checkin.goal_id).where(
            Checkin.workspace_id == workspace_id, Checkin.note_message_ts == message_ts
        )
    )
    return session.get(Goal, goal_id) if goal_id is not None else None


def goal_of(session: Session, prompt: CheckinPrompt) -> Goal:
    """The goal a prompt asks about (same workspace: a prompt only names its own goals)."""
    return session.get(Goal, prompt.goal_id)


def _prompts_of(session: Session, goal: Goal, cycle: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(CheckinPrompt.channel_id, CheckinPrompt.message_ts).where(
            CheckinPrompt.workspace_id == goal.workspace_id,
            CheckinPrompt.goal_id == goal.id,
            CheckinPrompt.cycle == cycle,
            CheckinPrompt.message_ts.is_not(None),
        )
    ).all()
    return [(c, t) for c, t in rows]


def _rounds_of(session: Session, goal: Goal, cycle: str) -> tuple[int, ...]:
    return tuple(
        session.scalars(
            select(CheckinPrompt.round_id).where(
                CheckinPrompt.workspace_id == goal.workspace_id,
                CheckinPrompt.goal_id == goal.id,
                CheckinPrompt.cycle == cycle,
                CheckinPrompt.round_id.is_not(None),
            )
        )
    )


def _answers(session: Session, goal: Goal, cycle: str) -> list[Checkin]:
    return list(
        session.scalars(
            select(Checkin)
            .where(
                Checkin.workspace_id == goal.workspace_id,
                Checkin.goal_id == goal.id,
                Checkin.cycle == cycle,
                Checkin.retracted_at.is_(None),
            )
            .order_by(Checkin.created_at, Checkin.id)
        )
    )


def latest_answer(session: Session, goal: Goal, cycle: str) -> Answer | None:
    """This cycle's answer as it stands: the latest status and progress, and the latest note."""
    answers = _answers(session, goal, cycle)
    if not answers:
        return None
    status = next((a for a in reversed(answers) if a.status is not None), None)
    noted = next((a for a in reversed(answers) if a.note is not None), None)
    last = answers[-1]
    return Answer(
        status=status.status if status else None,
        progress=status.progress if status else None,
        note=noted.note if noted and (status is None or noted.id >= status.id) else None,
        by=last.user_id,
        source=last.source,
    )


@dataclass(frozen=True)
class Answer:
    status: str | None
    progress: int | None
    note: str | None
    by: str
    source: str


def _result(session, goal, cycle, actor_id, source, replaced) -> CheckinResult:
    answer = latest_answer(session, goal, cycle)
    return CheckinResult(
        goal=goal_view(session, goal),
        status=answer.status if answer else None,
        progress=answer.progress if answer else None,
        note=answer.note if answer else None,
        by=actor_id,
        source=source,
        cycle=cycle,
        replaced=replaced,
        prompts=_prompts_of(session, goal, cycle),
        owners=tuple(o.owner for o in goal.owners),
        rounds=_rounds_of(session, goal, cycle),
    )


def record_checkin(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    ref: str | None = None,
    now: datetime,
    source: str,
    status: str | None = None,
    progress: int | None = None,
    note: str | None = None,
    reaction: str | None = None,
    prompt: CheckinPrompt | None = None,
    goal: Goal | None = None,
    round_id: int | None = None,
    cycle: str | None = None,
    note_message_ts: str | None = None,
) -> CheckinResult:
    """Record one answer about a goal (kept beside the cycle's earlier ones) and move the
    goal along: its status and progress are the latest given, its note the latest answer's.

    The goal is named by `ref`, or given already loaded (`goal`, e.g. a prompt's own goal,
    so an answer to a prompt looks it up once)."""
    if status is not None and status not in GOAL_STATUSES:
        raise InvalidInput(f"'{status}' is not a status: {', '.join(GOAL_STATUSES)}.")
    if progress is not None and not 0 <= progress <= 100:
        raise InvalidInput("Progress is a percentage from 0 to 100.")
    if goal is None:
        goal = get_goal(session, workspace.id, ref or "")
    require_goal_change(workspace, actor, goal)
    cycle = cycle or (prompt.cycle if prompt else cycle_of(workspace, now))
    earlier = any(a.status is not None for a in _answers(session, goal, cycle))
    if status == GoalStatus.DONE and progress is None:
        progress = 100
    checkin = Checkin(
        workspace_id=workspace.id,
        goal_id=goal.id,
        cycle=cycle,
        user_id=actor.user_id,
        source=source,
        status=status,
        progress=progress,
        note=note,
        reaction=reaction if status is not None else None,
        prompt_id=prompt.id if prompt is not None else None,
        round_id=round_id,
        note_message_ts=note_message_ts,
        previous_status=goal.status,
        previous_progress=goal.progress,
        created_at=now,
        updated_at=now,
    )
    session.add(checkin)
    if status is not None:
        goal.status = status
        goal.status_note = note  # a new status never keeps an earlier answer's note
    elif note is not None:
        goal.status_note = note
    if progress is not None:
        goal.progress = progress
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id,
            action="checkin",
            target=goal.ref,
            details={"cycle": cycle, "status": status, "progress": progress, "source": source},
        )
    )
    session.flush()
    return _result(session, goal, cycle, actor.user_id, source, earlier and status is not None)


def retract_reaction(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    prompt: CheckinPrompt | None = None,
    round_id: int | None = None,
    reaction: str,
    now: datetime,
) -> list[CheckinResult]:
    """Removing the reaction that recorded answers takes them back: on a goal's message that
    goal's, on a round's top message every goal it answered. A goal whose latest answer was
    taken back returns to the status it had before."""
    name = SKIN_TONE.sub("", reaction)
    query = select(Checkin).where(
        Checkin.workspace_id == workspace.id,
        Checkin.user_id == actor.user_id,
        Checkin.retracted_at.is_(None),
        Checkin.status.is_not(None),
    )
    if prompt is not None:
        query = query.where(
            Checkin.prompt_id == prompt.id,
            Checkin.round_id.is_(None),
            Checkin.source == CheckinSource.REACTION,
        )
    else:
        query = query.where(Checkin.round_id == round_id)
    results = []
    latest_by_goal: dict[int, Checkin] = {}
    for checkin in session.scalars(query.order_by(Checkin.created_at, Checkin.id)):
        if SKIN_TONE.sub("", checkin.reaction or "") == name:
            latest_by_goal[checkin.goal_id] = checkin
    for goal_id, checkin in latest_by_goal.items():
        goal = session.get(Goal, goal_id)
        newer = session.scalar(
            select(Checkin.id).where(
                Checkin.goal_id == goal_id,
                Checkin.retracted_at.is_(None),
                Checkin.status.is_not(None),
                Checkin.id > checkin.id,
            )
        )
        checkin.retracted_at = now
        if newer is None:  # it was what the goal shows: put back what was there before
            goal.status = checkin.previous_status or GoalStatus.NOT_STARTED
            goal.progress = (
                checkin.previous_progress if checkin.previous_progress is not None else 0
            )
        session.flush()
        results.append(
            _result(session, goal, checkin.cycle, actor.user_id, CheckinSource.REACTION, False)
        )
    return results


def note_from_reply(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    goal: Goal,
    cycle: str,
    text: str,
    message_ts: str,
    now: datetime,
    prompt: CheckinPrompt | None = None,
    round_id: int | None = None,
) -> CheckinResult:
    """A reply in a prompt's thread is a note about the goal it was routed to; its edit
    changes that same note."""
    edited = session.scalar(
        select(Checkin).where(
            Checkin.workspace_id == workspace.id,
            Checkin.note_message_ts == message_ts,
            Checkin.user_id == actor.user_id,
        )
    )
    if edited is not None:
        require_goal_change(workspace, actor, goal)
        edited.note, edited.updated_at = text.strip(), now
        later_note = session.scalar(
            select(Checkin.id).where(
                Checkin.goal_id == edited.goal_id,
                Checkin.id > edited.id,
                Checkin.retracted_at.is_(None),
                (Checkin.note.is_not(None)) | (Checkin.status.is_not(None)),
            )
        )
        edited_goal = session.get(Goal, edited.goal_id)
        if later_note is None:
            edited_goal.status_note = edited.note
        session.flush()
        return _result(
            session, edited_goal, edited.cycle, actor.user_id, CheckinSource.THREAD, True
        )
    return record_checkin(
        session=session,
        workspace=workspace,
        actor=actor,
        goal=goal,
        now=now,
        source=CheckinSource.THREAD,
        note=text.strip(),
        prompt=prompt,
        round_id=round_id,
        cycle=cycle,
        note_message_ts=message_ts,
    )


@dataclass(frozen=True)
class HistoryEntry:
    cycle: str
    status: str | None
    progress: int | None
    note: str | None
    user_id: str
    source: str
    at: datetime
    retracted: bool


def history(
    *, session: Session, workspace: Workspace, ref: str
) -> tuple[GoalView, list[HistoryEntry]]:
    goal = get_goal(session, workspace.id, ref)
    rows = session.scalars(
        select(Checkin)
        .where(Checkin.workspace_id == workspace.id, Checkin.goal_id == goal.id)
        .order_by(Checkin.created_at, Checkin.id)
    )
    return goal_view(session, goal), [
        HistoryEntry(
            cycle=c.cycle,
            status=c.status,
            progress=c.progress,
            note=c.note,
            user_id=c.user_id,
            source=c.source,
            at=c.created_at,
            retracted=c.retracted_at is not None,
        )
        for c in rows
    ]


@dataclass(frozen=True)
class Completion:
    """Who checked in this cycle: people with open goals, and those still missing."""

    cycle: str
    checked_in: int  # people who answered about every open goal of theirs
    total: int  # people with open goals
    missing_people: list[str]  # user ids, in the order of their first goal
    missing: list[GoalView]  # the goals still without an answer
    goals_answered: int = 0
    goals_total: int = 0


def completion(*, session: Session, workspace: Workspace, cycle: str, now: datetime) -> Completion:
    """How many people with open goals of the current period answered about all of them
    in `cycle`; who is missing, and which goals."""
    period = current_period(periods_of(session, workspace.id), workspace_today(workspace, now))
    if period is None:
        return Completion(cycle, 0, 0, [], [])
    goals = list(
        session.scalars(
            select(Goal)
            .where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.archived.is_(False),
            )
            .order_by(Goal.number)
        )
    )
    answered = set(
        session.scalars(
            select(Checkin.goal_id).where(
                Checkin.workspace_id == workspace.id,
                Checkin.cycle == cycle,
                Checkin.retracted_at.is_(None),
                Checkin.status.is_not(None),
            )
        )
    )
    open_goals = [g for g in goals if g.status != GoalStatus.DONE or g.id in answered]
    missing = [g for g in open_goals if g.id not in answered]
    people: dict[str, bool] = {}
    for goal in open_goals:
        for owner in (o.owner for o in goal.owners):
            if owner[:1] in ("U", "W"):
                people[owner] = people.get(owner, True) and goal.id in answered
    missing_people = [p for p, done in people.items() if not done]
    return Completion(
        cycle,
        checked_in=len(people) - len(missing_people),
        total=len(people),
        missing_people=missing_people,
        missing=goal_views(session, missing),
        goals_answered=len(open_goals) - len(missing),
        goals_total=len(open_goals),
    )


def set_away(*, session: Session, workspace: Workspace, actor: Actor, until: date | None) -> None:
    member = session.scalar(
        select(Member).where(Member.workspace_id == workspace.id, Member.user_id == actor.user_id)
    )
    if member is None:
        member = Member(workspace_id=workspace.id, user_id=actor.user_id)
        session.add(member)
    member.away_until = until
    session.flush()


def can_answer(workspace: Workspace, actor: Actor, goal: Goal) -> bool:
    return is_roadmap_admin(workspace, actor) or actor.user_id in {o.owner for o in goal.owners}
