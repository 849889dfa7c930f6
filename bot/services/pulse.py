"""The pulse survey: rounds, anonymous answers, and closing a round into a reading.

Anonymous by construction. An answer is stored as a score (and an optional comment) with its
round and nothing else. Who is asked (each person at the schedule's time in their own zone,
once: bot.services.pulse_asking) and whether they answered is a separate marker, kept only
while the round is open (to ask once, refuse a second answer and chase once) and deleted when
it closes. Nothing logs or audits a person together with a score. A result is shown only when
at least `min_answers` (never below 3) people answered; below that the answers are deleted
and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput, NotFound
from bot.services.metric_values import format_value
from bot.services.team_metrics import metric_for
from models import (
    AuditEntry,
    MetricReading,
    PulseAnswer,
    PulseMarker,
    PulseRound,
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
class PulseResult:
    """A closed round, as anyone may see it: counts and the mean, never who."""

    round_id: int
    question: str
    asked: int
    answers: int
    needed: int
    mean: float | None
    text: str  # "4/5 from 4 of 5" or why there is no result
    comments: list[str] = field(default_factory=list)
    recorded: bool = False  # a reading of the satisfaction metric
    metric: str | None = None


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
) -> None:
    """Store one anonymous answer. A late answer, a second one, or one from someone who was
    not asked is refused (privately, by the caller) and changes nothing. Even the last answer
    closes nothing: a round everyone answered is closed, and published, by the next daily
    refresh (`due_rounds`), at a fixed time; whoever answers last is predictable (the
    westernmost), and a result or comment posted on their click would point at them."""
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
        text = f"{format_value(mean, '/5')} from {count} of {asked}"  # as the value reads
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
            f"only {count} of {asked} answered and a result needs at least {needed} answers "
            "(so that nobody's answer can be worked out): nothing was recorded"
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
    """Open rounds past their close, or that everyone has answered (closed by the daily
    refresh after the last answer, at a fixed time)."""
    unanswered = select(PulseMarker.id).where(
        PulseMarker.round_id == PulseRound.id, PulseMarker.answered.is_(False)
    )
    answered = select(PulseMarker.id).where(PulseMarker.round_id == PulseRound.id)
    return list(
        session.scalars(
            select(PulseRound.id)
            .where(
                PulseRound.workspace_id == workspace_id,
                PulseRound.closed_at.is_(None),
                or_(
                    PulseRound.closes_at <= now,
                    answered.exists() & ~unanswered.exists(),
                ),
            )
            .order_by(PulseRound.id)
        )
    )


def close_due(session: Session, workspace: Workspace, now: datetime) -> list[PulseResult]:
    return [
        close_round(
            session=session, workspace=workspace, pulse=session.get(PulseRound, rid), now=now
        )
        for rid in due_rounds(session, workspace.id, now)
    ]


@dataclass(frozen=True)
class Chase:
    round_id: int
    person: str
    question: str
    closes_at: datetime  # answers are refused from then on


def _chase_due(now: datetime) -> tuple:
    """A marker to remind now: asked a day ago or more, not answered, not chased yet, in a
    round still open."""
    return (
        PulseRound.closed_at.is_(None),
        PulseMarker.asked_at <= now - timedelta(days=1),
        PulseRound.closes_at > now,
        PulseMarker.answered.is_(False),
        PulseMarker.chased.is_(False),
    )


def workspaces_with_chases_due(session: Session, now: datetime) -> set[int]:
    """The workspaces where chase_list would remind somebody now (one query for them all)."""
    return set(
        session.scalars(
            select(PulseRound.workspace_id)
            .distinct()
            .join(PulseMarker, PulseMarker.round_id == PulseRound.id)
            .where(*_chase_due(now))
        )
    )


def chase_list(session: Session, workspace_id: int, now: datetime) -> list[Chase]:
    """Whom to remind once, now: people asked a day ago or more (so, run on every tick, at the
    survey's hour in their own zone the day after their DM) who have not answered and were
    not chased, in rounds still open. The markers are marked chased here (the caller commits
    before it posts, so nobody is reminded twice)."""
    rows = session.execute(
        select(
            PulseMarker.id,
            PulseMarker.round_id,
            PulseMarker.user_id,
            PulseRound.question,
            PulseRound.closes_at,
        )
        .join(PulseRound, PulseRound.id == PulseMarker.round_id)
        .where(PulseRound.workspace_id == workspace_id, *_chase_due(now))
        .order_by(PulseMarker.id)
    ).all()
    if rows:
        session.execute(
            update(PulseMarker).where(PulseMarker.id.in_([r[0] for r in rows])).values(chased=True)
        )
    return [Chase(round_id, user, question, closes) for _, round_id, user, question, closes in rows]


def latest_round(session: Session, workspace_id: int) -> PulseRound | None:
    return session.scalar(
        select(PulseRound)
        .where(PulseRound.workspace_id == workspace_id)
        .order_by(PulseRound.opened_at.desc(), PulseRound.id.desc())
        .limit(1)
    )
