"""Asking the pulse: each roster member at the schedule's time in their own zone, once.

A round is one occurrence of the survey, named by its date in the people's zones
("2025-04-07"): it opens with the first person whose local time comes, with a marker for
everyone on the roster; each person's marker is claimed (its `asked_at` set) once, before their
DM goes, so two clocks or a re-run tick ask nobody twice. The round stays open 3 days from the
last person asked. Answering and closing are bot.services.pulse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services.local_time import enabled_schedules, people_due, zone_named
from bot.services.people import timezones
from bot.services.pulse import DEFAULT_QUESTION, ROUND_LENGTH, Chase, chase_list, min_answers
from bot.services.team import roster_ids
from models import PulseMarker, PulseRound, Schedule, ScheduleKind, Workspace
from models.base import insert_ignoring_conflicts


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
class Reminder:
    chase: Chase
    closes: str  # when the round closes, in the person's zone: "Thursday at 14:00"


def due_reminders(*, session: Session, workspace: Workspace, now: datetime) -> list[Reminder]:
    """The once-only reminders due now, each saying when the round closes in that person's
    own zone (the workspace's when theirs is unknown). Claimed here: commit before posting."""
    chases = chase_list(session, workspace.id, now)
    zones = timezones(session, workspace.id, [c.person for c in chases])
    reminders = []
    for chase in chases:
        zone = zone_named(zones.get(chase.person)) or zone_named(workspace.timezone)
        closes = chase.closes_at
        if closes.tzinfo is None:
            closes = closes.replace(tzinfo=UTC)
        local = closes.astimezone(zone or UTC)
        reminders.append(Reminder(chase, f"{local:%A} at {local:%H:%M}"))
    return reminders
