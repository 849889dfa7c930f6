"""Asking people at the schedule's local time in their own time zone.

The check-in prompts and the pulse survey ask each person once per occurrence, at the
schedule's wall-clock time evaluated in *that person's* zone (Slack's `tz`, cached by the
people directory; the schedule's zone when it is unknown): Tokyo at its 11:00, Los Angeles
at its. This module only says who is due now. Each kind claims a person once, by a unique key
in the database, before it posts; the clock runs every such kind on its ticks
(bot.scheduling.local_time, in the workspaces bot.scheduling.local_gate finds someone may be
due in), and a kind's own scheduled delivery runs the same pass.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.people import timezones
from bot.services.schedule_rules import occurrences_with_holidays, parse_rule
from bot.services.schedules import schedule_zone
from models import Schedule, Workspace

# A person is still asked this long after their local time (after downtime).
LATE_LIMIT = timedelta(hours=24)


@dataclass(frozen=True)
class Due:
    """A person whose local time has come: the occurrence, and its date in their zone (which
    names the cycle, or the round, it belongs to)."""

    person: str
    at: datetime
    day: date


def zone_named(name: str | None) -> ZoneInfo | None:
    with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(name) if name else None
    return None


def enabled_schedules(session: Session, workspace_id: int, kind: str) -> list[Schedule]:
    return list(
        session.scalars(
            select(Schedule)
            .where(
                Schedule.workspace_id == workspace_id,
                Schedule.kind == kind,
                Schedule.enabled.is_(True),
            )
            .order_by(Schedule.id)
        )
    )


@dataclass(frozen=True)
class Timing:
    """What a schedule's occurrences in a given zone depend on: schedules (of any workspace)
    with equal timings fall due at the same instants there."""

    rule: str
    anchor: str | None
    holiday_region: str | None
    holiday_policy: str


def timing_of(schedule: Schedule, workspace: Workspace) -> Timing:
    anchor = (schedule.options or {}).get("anchor")
    return Timing(schedule.rule, anchor, workspace.holiday_region, schedule.holiday_policy)


def latest_in_zone(timing: Timing, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The latest occurrence within the last day (LATE_LIMIT) in `zone`; None when none fell
    due, or when the rule no longer parses (it asks nobody)."""
    try:
        anchor = date.fromisoformat(timing.anchor) if timing.anchor else None
        occurrences = list(
            occurrences_with_holidays(
                parse_rule(timing.rule, anchor=anchor),
                now - LATE_LIMIT,
                zone,
                timing.holiday_region,
                timing.holiday_policy,
                limit=50,
                until=now,
            )
        )
    except ValueError:
        return None
    return occurrences[-1] if occurrences else None


def latest_occurrence(
    schedules: list[Schedule], workspace: Workspace, timezone: str | None, now: datetime
) -> tuple[datetime, date] | None:
    """The schedules' latest occurrence within the last day, evaluated in the zone `timezone`
    (the schedule's when unknown), with its date there; None when none fell due."""
    latest = None
    for schedule in schedules:
        zone = zone_named(timezone) or schedule_zone(schedule, workspace)
        at = latest_in_zone(timing_of(schedule, workspace), zone, now)
        if at is not None and (latest is None or at > latest[0]):
            latest = (at, at.astimezone(zone).date())
    return latest


def people_due(
    session: Session,
    workspace: Workspace,
    schedules: list[Schedule],
    people: list[str],
    now: datetime,
) -> tuple[list[Due], list[str]]:
    """Of `people`, who is due now (their local time came within the last day) and who is
    still waiting for theirs. Evaluated once per time zone, however many people share it."""
    zones = timezones(session, workspace.id, people)
    found: dict[str | None, tuple[datetime, date] | None] = {}
    due, waiting = [], []
    for person in people:
        name = zones.get(person)
        if name not in found:
            found[name] = latest_occurrence(schedules, workspace, name, now)
        occurrence = found[name]
        if occurrence is None:
            waiting.append(person)
        else:
            due.append(Due(person, *occurrence))
    return due, waiting
