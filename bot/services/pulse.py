"""The pulse survey: rounds, anonymous answers, and closing a round into a reading.

Anonymous by construction. An answer is stored as a score (and an optional comment) with its
round and nothing else. Who is asked (each person at the schedule's time in their own zone,
once) and whether they answered is a separate marker, kept only while the round is open (to
ask once, refuse a second answer and chase once) and deleted when it closes. Nothing logs
or audits a person together with a score. A result is shown only when at least
`min_answers` (never below 3) people answered; below that the answers are deleted and
nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput, NotFound
from bot.services.local_time import enabled_schedules, people_due
from bot.services.team import roster_ids
from bot.services.team_metrics import metric_for
from models import (
    AuditEntry,
    MetricReading,
    PulseAnswer,
    PulseMarker,
    PulseRound,
    Schedule,
    ScheduleKind,
    Workspace,
)
from models.base import insert_ignoring_conflicts

DEFAULT_QUESTION = "How satisfied are you working on this team this month?"
ROUND_LENGTH = timedelta(days=3)
MIN_ANSWERS = 3  # the floor: fewer answers could point at a person
MAX_COMMENT = 1000
SETTING = "pulse_min_answers"


def min_answers(workspace: Workspace) -> int:
    configured = (workspace.settings or {}).get(SETTING) or MIN_ANSWERS
    return max(MIN_ANSWERS, int(configured))


def set_min_answers(workspace: Workspace, value: int) -> int:
    if value < MIN_ANSWERS:
        raise InvalidInput(
            f"A pulse result needs at least {MIN_ANSWERS} answers, so nobody's answer can be "
            "worked out; give 3 or more."
        )
    workspace.settings = {**(workspace.settings or {}), SETTING: int(value)}
    return int(value)


@dataclass(frozen=True)
class PulseAsk:
    """A roster member whose 11:00 (the schedule's time, in their own zone) has come."""

    schedule_id: int
    key: str  # the round: the occurrence's date in the person's zone, "2025-04-07"
    person: str


@dataclass(frozen=True)
class DuePlan:
    asks: list[PulseAsk]  # due now and not asked yet
    already: list[str]  # due, and asked already (or their round has closed)
    waiting: list[str]  # roster members whose local time has not come yet


def due_asks(*, session: Session, workspace: Workspace, now: datetime) -> DuePlan:
    """Who to ask now: each roster member whose local time of a pulse occurrence came within
    the last day, unless asked already (or their round has closed)."""
    people = roster_ids(session, workspace.id)
    asks: list[PulseAsk] = []
    already: set[str] = set()
    waiting: set[str] = set()
    if not people:
        return DuePlan(asks, [], [])
    for schedule in enabled_schedules(session, workspace.id, ScheduleKind.PULSE):
        due, later = people_due(session, workspace, [schedule], people, now)
        waiting.update(later)
        for one in due:
            key = one.day.isoformat()
            if _asked_already(session, schedule.id, key, one.person):
                already.add(one.person)
            else:
                asks.append(PulseAsk(schedule.id, key, one.person))
    return DuePlan(asks, sorted(already), sorted(waiting))


def _asked_already(session: Session, schedule_id: int, key: str, person: str) -> bool:
    pulse = session.scalar(
        select(PulseRound).where(
            PulseRound.schedule_id == schedule_id, PulseRound.occurrence_key == key
        )
    )
    if pulse is None:
        return False
    if pulse.closed_at is not None:
        return True
    asked = session.scalar(
        select(PulseMarker.asked_at).where(
            PulseMarker.round_id == pulse.id, PulseMarker.user_id == person
        )
    )
    return asked is not None


def open_round(
    *, session: Session, workspace: Workspace, schedule: Schedule, occurrence_key: str, now
) -> PulseRound:
    """The round of this occurrence, opened once (by whoever's local time comes first): a
    marker for each person on the roster, to be asked at their own local time."""
    people = roster_ids(session, workspace.id)
    created = insert_ignoring_conflicts(
        session,
        PulseRound,
        {
            "workspace_id": workspace.id,
            "schedule_id": schedule.id,
            "occurrence_key": occurrence_key,
            "question": (schedule.text or "").strip() or DEFAULT_QUESTION,
            "opened_at": now,
            "closes_at": now + ROUND_LENGTH,
            "asked": len(people),
            "min_answers": min_answers(workspace),
            "created_at": now,
            "updated_at": now,
        },
        ["schedule_id", "occurrence_key"],
    )
    pulse = session.scalar(
        select(PulseRound).where(
            PulseRound.schedule_id == schedule.id, PulseRound.occurrence_key == occurrence_key
        )
    )
    if created:
        for user_id in people:
            session.add(PulseMarker(workspace_id=workspace.id, round_id=pulse.id, user_id=user_id))
        session.flush()
    return pulse


def claim_ask(
    *, session: Session, workspace: Workspace, ask: PulseAsk, now: datetime
) -> PulseRound | None:
    """Claim the right to DM this person this round (the round opens with the first); None
    when someone else claimed it, or the round has closed. A round stays open 3 days from
    the last person asked, so someone in Los Angeles has as long to answer as Tokyo."""
    pulse = open_round(
        session=session,
        workspace=workspace,
        schedule=session.get(Schedule, ask.schedule_id),
        occurrence_key=ask.key,
        now=now,
    )
    if pulse.closed_at is not None:
        return None
    insert_ignoring_conflicts(  # someone who joined the roster since the round opened
        session,
        PulseMarker,
        {"workspace_id": workspace.id, "round_id": pulse.id, "user_id": ask.person},
        ["round_id", "user_id"],
    )
    claimed = session.execute(
        update(PulseMarker)
        .where(
            PulseMarker.round_id == pulse.id,
            PulseMarker.user_id == ask.person,
            PulseMarker.asked_at.is_(None),
        )
        .values(asked_at=now)
    ).rowcount
    if claimed != 1:
        return None
    closes = now + ROUND_LENGTH
    session.execute(
        update(PulseRound)
        .where(PulseRound.id == pulse.id, PulseRound.closes_at < closes)
        .values(closes_at=closes)
    )
    session.refresh(pulse)
    return pulse


def release_ask(session: Session, round_id: int, person: str) -> None:
    """The DM could not be posted: the next tick (within the day) tries again."""
    session.execute(
        update(PulseMarker)
        .where(PulseMarker.round_id == round_id, PulseMarker.user_id == person)
        .values(asked_at=None)
    )


@dataclass(frozen=True)
class PulseResult:
    """A closed round, as anyone may see it: counts and the mean, never who."""

    round_id: int
    question: str
    asked: int
    answers: int
    needed: int
    mean: float | None
    text: str  # "4.0/5 from 4 of 5" or why there is no result
    comments: list[str] = field(default_factory=list)
    recorded: bool = False  # a reading of the satisfaction metric
    metric: str | None = None


@dataclass(frozen=True)
class Answered:
    round_closed: PulseResult | None  # everyone answered: the round closed with this answer


def _round(session: Session, workspace: Workspace, round_id: int) -> PulseRound:
    pulse = session.scalar(
        select(PulseRound).where(PulseRound.workspace_id == workspace.id, PulseRound.id == round_id)
    )
    if pulse is None:
        raise NotFound("That pulse round is no longer there.")
    return pulse


def answer(
    *,
    session: Session,
    workspace: Workspace,
    user_id: str,
    round_id: int,
    score: int,
    comment: str | None,
    now: datetime,
) -> Answered:
    """Store one anonymous answer. A late answer, a second one, or one from someone who was
    not asked is refused (privately, by the caller) and changes nothing."""
    pulse = _round(session, workspace, round_id)
    if pulse.closed_at is not None or now >= pulse.closes_at:
        raise InvalidInput("This pulse round has closed; your answer was not recorded.")
    if not 1 <= score <= 5:
        raise InvalidInput("A pulse answer is 1 to 5.")
    comment = " ".join((comment or "").split()) or None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput(f"A comment is at most {MAX_COMMENT} characters.")
    marker = session.scalar(
        select(PulseMarker.id).where(
            PulseMarker.round_id == pulse.id, PulseMarker.user_id == user_id
        )
    )
    if marker is None:
        raise InvalidInput(
            "This pulse is for the people on the team roster, and this round was not sent to "
            "you: your answer was not recorded."
        )
    # One answer each, even with two clicks at once: only one UPDATE finds it unanswered.
    claimed = session.execute(
        update(PulseMarker)
        .where(PulseMarker.id == marker, PulseMarker.answered.is_(False))
        .values(answered=True)
    ).rowcount
    if claimed != 1:
        raise InvalidInput(
            "You already answered this round. Answers are anonymous, so one can't be changed."
        )
    session.add(
        PulseAnswer(workspace_id=workspace.id, round_id=pulse.id, score=score, comment=comment)
    )
    session.flush()
    waiting = session.scalar(
        select(func.count(PulseMarker.id)).where(
            PulseMarker.round_id == pulse.id, PulseMarker.answered.is_(False)
        )
    )
    if waiting == 0:
        return Answered(close_round(session=session, workspace=workspace, pulse=pulse, now=now))
    return Answered(None)


def close_round(
    *, session: Session, workspace: Workspace, pulse: PulseRound, now: datetime
) -> PulseResult:
    """Close the round: record its mean (with enough answers), delete the markers."""
    scores = list(
        session.scalars(select(PulseAnswer.score).where(PulseAnswer.round_id == pulse.id))
    )
    pulse.asked = session.scalar(  # the people it reached (someone it never could is not one)
        select(func.count(PulseMarker.id)).where(
            PulseMarker.round_id == pulse.id,
            or_(PulseMarker.asked_at.is_not(None), PulseMarker.answered.is_(True)),
        )
    )
    count, asked, needed = len(scores), pulse.asked, max(MIN_ANSWERS, pulse.min_answers)
    metric = metric_for(session, workspace.id, "pulse")
    recorded, comments, mean = False, [], None
    if count >= needed:
        mean = round(sum(scores) / count, 2)
        text = f"{mean:.1f}/5 from {count} of {asked}"
        comments = sorted(
            c
            for c in session.scalars(
                select(PulseAnswer.comment).where(
                    PulseAnswer.round_id == pulse.id, PulseAnswer.comment.is_not(None)
                )
            )
        )
        if metric is not None:
            recorded = insert_ignoring_conflicts(
                session,
                MetricReading,
                {
                    "workspace_id": workspace.id,
                    "metric_id": metric.id,
                    "value": mean,
                    "recorded_at": now,
                    "user_id": None,
                    "source": "pulse",
                    "note": text,
                    "idempotency_key": f"pulse-round:{pulse.id}",
                },
                ["workspace_id", "idempotency_key"],
            )
    else:
        text = (
            f"only {count} of {asked} answered; a result needs at least {needed} answers so "
            "nobody's answer can be worked out, so nothing was recorded"
        )
        # Too few to show: the answers themselves go too.
        session.execute(delete(PulseAnswer).where(PulseAnswer.round_id == pulse.id))
    session.execute(delete(PulseMarker).where(PulseMarker.round_id == pulse.id))
    pulse.closed_at, pulse.answers, pulse.mean, pulse.result = now, count, mean, text
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor="pulse",
            action="pulse.closed",
            target=str(pulse.id),
            details={"answers": count, "asked": asked, "recorded": recorded},
        )
    )
    session.flush()
    return PulseResult(
        pulse.id,
        pulse.question,
        asked,
        count,
        needed,
        mean,
        text,
        comments,
        recorded,
        metric.name if metric else None,
    )


def due_rounds(session: Session, workspace_id: int, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(PulseRound.id).where(
                PulseRound.workspace_id == workspace_id,
                PulseRound.closed_at.is_(None),
                PulseRound.closes_at <= now,
            )
        )
    )


def close_due(session: Session, workspace: Workspace, now: datetime) -> list[PulseResult]:
    return [
        close_round(
            session=session, workspace=workspace, pulse=session.get(PulseRound, rid), now=now
        )
        for rid in due_rounds(session, workspace.id, now)
    ]


def chase_list(session: Session, workspace_id: int, now: datetime) -> list[tuple[int, str]]:
    """(round, person) to remind once: people asked a day ago or more who have not answered
    and were not chased. The markers are marked chased here (the caller commits before it
    posts)."""
    rows = session.execute(
        select(PulseMarker.id, PulseMarker.round_id, PulseMarker.user_id)
        .join(PulseRound, PulseRound.id == PulseMarker.round_id)
        .where(
            PulseRound.workspace_id == workspace_id,
            PulseRound.closed_at.is_(None),
            PulseMarker.asked_at <= now - timedelta(days=1),
            PulseRound.closes_at > now,
            PulseMarker.answered.is_(False),
            PulseMarker.chased.is_(False),
        )
    ).all()
    if rows:
        session.execute(
            update(PulseMarker).where(PulseMarker.id.in_([r[0] for r in rows])).values(chased=True)
        )
    return [(round_id, user_id) for _, round_id, user_id in rows]


def latest_round(session: Session, workspace_id: int) -> PulseRound | None:
    return session.scalar(
        select(PulseRound)
        .where(PulseRound.workspace_id == workspace_id)
        .order_by(PulseRound.opened_at.desc(), PulseRound.id.desc())
        .limit(1)
    )
