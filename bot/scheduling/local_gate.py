"""Which workspaces the clock's local-time pass (bot.scheduling.local_time) visits on a tick.

A kind's full pass in a workspace (who owns what, who was asked, in whose zone) costs a few
milliseconds; run in every workspace on every tick it was most of an idle clock's CPU. Who
can be due is decided here for all workspaces at once, from a few statements whatever their
number: the schedules of the kinds, the distinct time zones the people directory holds for
each workspace (with the schedule's own zone for people with none), and each kind's pending
work (the pulse's reminders). A workspace where no zone had an occurrence within LATE_LIMIT
asks nobody: it is skipped, as the full pass would have found.

Within LATE_LIMIT of an occurrence most ticks would find everyone asked already, so the full
pass runs only
- while an occurrence is fresh (it fell within the last FRESH, or since the clock's previous
  tick): the ticks at and right after each zone's time ask its people on time;
- on a sweep: each workspace once every SWEEP_MINUTES minutes (staggered by its id, so the
  sweeps of the day after a common occurrence spread over the minutes instead of landing on
  one tick), and every workspace on a catch-up tick: a clock's first (after a start, and
  `python -m bot tick`), or one long after its previous tick (CATCH_UP_AFTER). Sweeps ask
  whoever became due after their occurrence (a goal given an owner at 10:05 after its
  10:00, a post Slack refused) at most SWEEP_MINUTES late, and catch up after downtime.
Nothing here is shared between clocks or kept across restarts: each decides from the time it
is given, its own previous tick and the database; the kinds' claims still ask nobody twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kinds.base import Kind
from bot.services.local_time import Timing, latest_in_zone, zone_named
from models import Member, Schedule, Workspace

log = logging.getLogger(__name__)

# Two ticks: the one at the occurrence's minute and the next, in case the first failed. A
# fresh occurrence costs each of its workspaces two full passes per clock.
FRESH = timedelta(minutes=2)
# Someone who became due after their occurrence is asked at most this many minutes late; in
# the day after an occurrence a workspace's full pass runs once in this many ticks, not each.
SWEEP_MINUTES = 15
# The clock's ticks come every minute; a gap up to this long (a tick that ran long, so the
# next one or two were skipped) only widens the window to the minutes in between. A longer
# one (a pause, a stuck clock, time passed in that jumped), or a negative one, sweeps all.
# Not every gap: at an occurrence over many workspaces a tick can run past its minute, and a
# full sweep then would make the next tick long too, and so on for the rest of the day.
CATCH_UP_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class PassWindow:
    """One tick's view of time: which occurrences are fresh, and which workspaces it sweeps.
    `since`: the clock's previous tick (None: sweep every workspace)."""

    now: datetime
    since: datetime | None = None

    @classmethod
    def after(cls, previous: datetime | None, now: datetime) -> PassWindow:
        """The window of a tick at `now` whose clock's previous tick was at `previous`
        (None: this is its first)."""
        if previous is None or not timedelta(0) <= now - previous <= CATCH_UP_AFTER:
            return cls(now)
        return cls(now, previous)

    def fresh(self, occurrence: datetime) -> bool:
        start = self.now - FRESH if self.since is None else min(self.since, self.now - FRESH)
        return occurrence > start

    def sweeps(self, workspace_id: int) -> bool:
        """Every workspace on a catch-up; else each in one minute of SWEEP_MINUTES (by its id),
        when that minute is one since the previous tick (this tick's, at one a minute)."""
        if self.since is None:
            return True
        minutes = range(_minute(self.since) + 1, _minute(self.now) + 1)
        return any((minute + workspace_id) % SWEEP_MINUTES == 0 for minute in minutes)


def _minute(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() // 60)


@dataclass(frozen=True)
class _Scheduled:
    kind: str
    workspace_id: int
    zone: str  # the schedule's own: people with no known zone are asked in it
    timing: Timing


def workspaces_to_visit(
    session: Session, local_kinds: list[Kind], window: PassWindow
) -> dict[str, list[Workspace]]:
    """For each kind, the installed workspaces with an enabled schedule of it where its
    pass may have something to do now (by id)."""
    names = [kind.name for kind in local_kinds]
    scheduled = _scheduled(session, names)
    if not scheduled:
        return {}
    zones = _people_zones(session, names)
    latest: dict[tuple[Timing, str], datetime | None] = {}  # shared by all workspaces

    def occurrence_counts(entry: _Scheduled) -> bool:
        try:
            own = ZoneInfo(entry.zone)
        except (ZoneInfoNotFoundError, ValueError):  # the pass reports such a schedule itself
            return True
        for name in {entry.zone, *zones.get(entry.workspace_id, ())}:
            zone = zone_named(name) or own
            key = (entry.timing, zone.key)
            if key not in latest:
                latest[key] = latest_in_zone(entry.timing, zone, window.now)
            at = latest[key]
            if at is not None and (window.fresh(at) or window.sweeps(entry.workspace_id)):
                return True
        return False

    has_kind: dict[str, set[int]] = {name: set() for name in names}
    for entry in scheduled:
        has_kind[entry.kind].add(entry.workspace_id)
    visit = {
        kind.name: kind.local_work_due(session, window.now) & has_kind[kind.name]
        if kind.local_work_due is not None
        else set()
        for kind in local_kinds
    }
    for entry in scheduled:
        if entry.workspace_id not in visit[entry.kind] and occurrence_counts(entry):
            visit[entry.kind].add(entry.workspace_id)
    wanted = set().union(*visit.values())
    log.debug(
        "local-time pass: %d of %d workspaces", len(wanted), len(set().union(*has_kind.values()))
    )
    if not wanted:
        return {}
    by_id = {w.id: w for w in session.scalars(select(Workspace).where(Workspace.id.in_(wanted)))}
    return {name: [by_id[w] for w in sorted(visit[name]) if w in by_id] for name in names}


def _scheduled(session: Session, names: list[str]) -> list[_Scheduled]:
    rows = session.execute(
        select(
            Schedule.kind,
            Schedule.workspace_id,
            Schedule.rule,
            Schedule.options,
            Schedule.timezone,
            Schedule.holiday_policy,
            Workspace.timezone,
            Workspace.holiday_region,
        )
        .join(Workspace, Workspace.id == Schedule.workspace_id)
        .where(
            Schedule.kind.in_(names),
            Schedule.enabled.is_(True),
            Workspace.uninstalled_at.is_(None),
        )
    ).all()
    return [
        _Scheduled(
            kind,
            workspace_id,
            zone or workspace_zone or "UTC",  # as bot.services.schedules.schedule_zone
            Timing(rule, (options or {}).get("anchor"), region, policy),
        )
        for kind, workspace_id, rule, options, zone, policy, workspace_zone, region in rows
    ]


def _people_zones(session: Session, names: list[str]) -> dict[int, set[str]]:
    """The distinct zones the people directory holds, by workspace: those of everyone who
    could be asked (owners, admins, the roster) among them."""
    rows = session.execute(
        select(Member.workspace_id, Member.timezone)
        .distinct()
        .where(
            Member.timezone.is_not(None),
            Member.workspace_id.in_(
                select(Schedule.workspace_id).where(
                    Schedule.kind.in_(names), Schedule.enabled.is_(True)
                )
            ),
        )
    ).all()
    zones: dict[int, set[str]] = defaultdict(set)
    for workspace_id, zone in rows:
        zones[workspace_id].add(zone)
    return zones
