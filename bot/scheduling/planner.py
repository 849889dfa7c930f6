"""Turn schedules into deliveries: one row per (schedule, occurrence), made unique by the
database, so any number of clocks and ticks plan the same occurrence once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.kinds import get as kind_or_none
from bot.kinds import kind_of
from bot.services.schedule_rules import occurrence_key, occurrences_with_holidays
from bot.services.schedules import in_season as occurrence_in_season
from bot.services.schedules import rule_of, schedule_zone
from models import Delivery, DeliveryState, Period, Schedule, Workspace
from models.base import insert_all_ignoring_conflicts

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)  # downtime longer than this is not caught up at all
MAX_OCCURRENCES_PER_PASS = 500


@dataclass
class PlanReport:
    pending: list[tuple[int, str]] = field(default_factory=list)  # (schedule id, key)
    missed: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedDelivery:
    key: str
    due_at: datetime
    event_at: datetime  # the occurrence itself (for rituals, the session; else = due_at)


def offsets_of(schedule: Schedule) -> list[int]:
    """Days before the occurrence at which it is announced (0 = on the day): its kind's."""
    return kind_of(schedule.kind).offsets(schedule.options)


def deliveries_between(
    schedule: Schedule, workspace: Workspace, start: datetime, end: datetime
) -> list[PlannedDelivery]:
    """The deliveries of `schedule` due in (start, end], in order."""
    rule = rule_of(schedule)
    zone = schedule_zone(schedule, workspace)
    offsets = offsets_of(schedule)
    lookahead = timedelta(days=max(offsets))
    planned = []
    for event_at in occurrences_with_holidays(
        rule,
        start,
        zone,
        workspace.holiday_region,
        schedule.holiday_policy,
        limit=MAX_OCCURRENCES_PER_PASS,
        until=end + lookahead,
    ):
        base = occurrence_key(event_at)
        for days in offsets:
            due = event_at - timedelta(days=days)
            if start < due <= end:
                key = base if days == 0 else f"{base}-{days}d"
                planned.append(PlannedDelivery(key, due, event_at))
    return sorted(planned, key=lambda p: p.due_at)


def still_useful(schedule: Schedule, planned: PlannedDelivery, now: datetime) -> bool:
    """Whether a late occurrence is still worth sending: its kind says for how long."""
    return kind_of(schedule.kind).still_useful(planned.due_at, planned.event_at, now)


def has_channel(schedule: Schedule, workspace: Workspace) -> bool:
    """Whether a delivery of the schedule has somewhere to go: until a roadmap channel is
    set, a kind that posts in a channel is not attempted at all (the list says why)."""
    kind = kind_of(schedule.kind)
    return not kind.needs_channel or bool(schedule.channel_id or workspace.roadmap_channel_id)


def in_season(
    schedule: Schedule, workspace: Workspace, planned: PlannedDelivery, periods: list[Period]
) -> bool:
    """Whether the roadmap's life cycle wants this occurrence (bot.services.schedules.in_season,
    the rule the lists use too)."""
    return occurrence_in_season(schedule, workspace, planned.event_at, periods)


def plan(
    session: Session, now: datetime, *, skip_teams: frozenset[str] = frozenset()
) -> PlanReport:
    """Record every occurrence that has come due since the last pass, once.

    After downtime only the latest occurrence that is still useful is sent (late, once);
    the others are recorded as missed, so a week offline never produces a burst of posts.
    Occurrences the roadmap's life cycle does not want (a weekly digest after the roadmap
    ended, a retrospective of no period) and those with no channel to go to are not planned.
    Workspaces in `skip_teams` (the console's local one when Slack is configured) are left
    alone.

    Only schedules whose `next_due_at` has come (or is unknown) are read: a tick where
    nothing is due reads no schedule and writes nothing. Each schedule looked at gets its
    watermark and its next due instant back in one statement for all, and its deliveries
    are inserted in one statement too.
    """
    report = PlanReport()
    if session.get_bind().dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE does it
        session.execute(_ONE_PLANNER_AT_A_TIME)
    rows = session.execute(
        select(Schedule, Workspace)
        .join(Workspace, Workspace.id == Schedule.workspace_id)
        .where(
            Schedule.enabled.is_(True),
            Workspace.uninstalled_at.is_(None),
            or_(Schedule.next_due_at.is_(None), Schedule.next_due_at <= now),
        )
        .order_by(Schedule.id)
    ).all()
    looked: list[tuple[Schedule, Workspace, list[PlannedDelivery]]] = []
    marks: list[dict] = []
    for schedule, workspace in rows:
        if workspace.team_id in skip_teams:
            continue
        if kind_or_none(schedule.kind) is None:  # e.g. a kind this version does not install
            log.warning("schedule %s: no kind %r is installed", schedule.id, schedule.kind)
            continue
        start = max(schedule.planned_until or schedule.created_at, now - LOOKBACK)
        if start >= now:
            continue
        try:
            # Two windows, each within the rule's occurrence limit: what came due (however
            # long the clock was down), and the next due time (however often the rule fires).
            candidates = deliveries_between(schedule, workspace, start, now)
            later = deliveries_between(schedule, workspace, now, now + NEXT_LOOK)[:1]
        except ValueError:  # a rule that no longer parses plans nothing; looked at again later
            log.warning("schedule %s: its rule %r does not parse", schedule.id, schedule.rule)
            candidates, later = [], []
        looked.append((schedule, workspace, candidates))
        marks.append(
            {
                "sid": schedule.id,
                "until": now,
                "next": later[0].due_at if later else now + NEXT_LOOK,
            }
        )
    periods = periods_by_workspace(session, {w.id for _, w, due in looked if due})
    values: list[dict] = []
    for schedule, workspace, candidates in looked:
        due = [
            p
            for p in candidates
            if has_channel(schedule, workspace)
            and in_season(schedule, workspace, p, periods.get(workspace.id, []))
        ]
        useful = [p for p in due if still_useful(schedule, p, now)]
        send = {useful[-1].key} if useful else set()
        for planned in due:
            state = DeliveryState.PENDING if planned.key in send else DeliveryState.MISSED
            values.append(
                {
                    "workspace_id": workspace.id,
                    "schedule_id": schedule.id,
                    "occurrence_key": planned.key,
                    "due_at": planned.due_at,
                    "state": state,
                    "attempts": 0,
                    "created_at": now,
                    "error": None if state == DeliveryState.PENDING else "too late after downtime",
                }
            )
    inserted = insert_all_ignoring_conflicts(
        session,
        Delivery,
        values,
        ["schedule_id", "occurrence_key"],
        [Delivery.schedule_id, Delivery.occurrence_key, Delivery.state],
    )
    for schedule_id, key, state in inserted:
        (report.pending if state == DeliveryState.PENDING else report.missed).append(
            (schedule_id, key)
        )
    if marks:
        session.connection().execute(_MARK, marks)
        for schedule, _, _ in looked:  # the objects in hand agree with what was written
            set_committed_value(schedule, "planned_until", now)
    return report


# Clocks plan one at a time: the second to tick waits for the first's commit, then finds
# nothing left due, rather than planning every due schedule again beside it (rows that ON
# CONFLICT throws away) while the first clock's deliveries already go out. Held until the
# planning transaction ends.
PLANNER_LOCK = 0x726F61646D6170  # "roadmap"
_ONE_PLANNER_AT_A_TIME = select(func.pg_advisory_xact_lock(PLANNER_LOCK))

# How far ahead the planner looks for a schedule's next due time; one with nothing due in
# that long (a monthly ritual) is looked at again after it anyway. A week and a day: a weekly
# schedule is read once a week.
NEXT_LOOK = timedelta(days=8)

_MARK = (
    update(Schedule)
    .where(Schedule.id == bindparam("sid"))
    .values(planned_until=bindparam("until"), next_due_at=bindparam("next"))
    .execution_options(synchronize_session=False)
)


def periods_by_workspace(session: Session, workspace_ids: set[int]) -> dict[int, list[Period]]:
    """The periods of these workspaces (those with something due), in one query."""
    found: dict[int, list[Period]] = {}
    if workspace_ids:
        for period in session.scalars(
            select(Period)
            .where(Period.workspace_id.in_(workspace_ids))
            .order_by(Period.workspace_id, Period.start_date, Period.end_date)
        ):
            found.setdefault(period.workspace_id, []).append(period)
    return found


_KEY = re.compile(r"^(?P<base>.+?)(?:-(?P<days>\d+)d)?$")


def parse_occurrence_key(key: str) -> tuple[datetime, int]:
    """The occurrence (aware UTC) and the days-before offset a delivery key stands for.
    A manual post's key, "manual:<UTC time>:<user id>", stands for the time it was asked."""
    if key.startswith("manual:"):
        key = key.removeprefix("manual:").rpartition(":")[0]
    match = _KEY.match(key)
    base = match.group("base")
    when = datetime.fromisoformat(base.replace("Z", "+00:00"))
    return when.astimezone(UTC), int(match.group("days") or 0)
