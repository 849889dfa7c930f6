"""Schedules: the team's rituals, stored per workspace, as people write them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import kinds
from bot.services.actors import Actor, require_admin
from bot.services.channels import is_channel_id
from bot.services.errors import InvalidInput, NotFound
from bot.services.periods import CLOSING_BEFORE, closing_period, lifecycle, periods_of
from bot.services.schedule_rules import POLICIES, RuleError, parse_rule
from models import AuditEntry, Period, Schedule, Workspace


@dataclass(frozen=True)
class ScheduleView:
    id: int
    kind: str
    rule: str
    described: str
    timezone: str
    channel_id: str | None
    text: str | None
    enabled: bool
    paused_reason: str | None
    next_runs: tuple[datetime, ...]  # aware UTC
    holiday_policy: str = "none"
    holiday_region: str | None = None
    label: str = ""  # the kind's name for people, e.g. "Weekly digest"
    shows_text: bool = False  # lists quote the schedule's text (a reminder's)
    needs_channel: bool = True  # posts in a channel (not only in people's DMs)
    at_local_time: bool = False  # asks each person at its time in their own zone
    # Next occurrences a public holiday moves or skips: (planned day, holiday, moved to or None)
    holiday_moves: tuple[tuple[date, str, date | None], ...] = ()


def schedule_zone(schedule: Schedule, workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(schedule.timezone or workspace.timezone or "UTC")


def rule_of(schedule: Schedule):
    anchor = (schedule.options or {}).get("anchor")
    return parse_rule(schedule.rule, anchor=date.fromisoformat(anchor) if anchor else None)


def next_runs(
    schedule: Schedule,
    workspace: Workspace,
    now: datetime,
    count: int = 3,
    periods: list[Period] | None = None,
) -> tuple[datetime, ...]:
    """The schedule's next `count` runs after `now` (none while it is paused), public holidays
    applied. With `periods`, only the runs the roadmap's life cycle wants, by the planner's own
    rule (in_season): a kind that runs only while a period does (check-ins, weekly digests)
    lists none after the roadmap ended, and one that closes a period (the quarterly digest, the
    retrospective) only its first occurrence near a period's end."""
    from bot.services.schedule_rules import occurrences_with_holidays

    if not schedule.enabled:
        return ()
    rule = rule_of(schedule)
    zone = schedule_zone(schedule, workspace)
    spec = kinds.get(schedule.kind)
    gated = (
        periods is not None
        and spec is not None
        and (spec.needs_running_roadmap or spec.closes_period)
    )
    runs = []
    for when in occurrences_with_holidays(
        rule,
        now,
        zone,
        workspace.holiday_region,
        schedule.holiday_policy,
        limit=count * 20 if gated else count,
        until=None,
    ):
        if gated and not in_season(schedule, workspace, when, periods):
            continue
        runs.append(when)
        if len(runs) == count:
            break
    return tuple(runs)


def in_season(
    schedule: Schedule, workspace: Workspace, event_at: datetime, periods: list[Period]
) -> bool:
    """Whether the roadmap's life cycle wants the occurrence at `event_at` (the one rule for
    the clock's planner and for the lists): a kind that needs a running roadmap only while a
    period is under way; a kind that closes a period only at the first occurrence near a
    period's end (once per period, never for one that ended long ago, nor for none)."""
    from bot.services.schedule_rules import occurrences_with_holidays, wall_clock

    kind = kinds.get(schedule.kind)
    if kind is None or not (kind.needs_running_roadmap or kind.closes_period):
        return True
    zone = schedule_zone(schedule, workspace)
    day = event_at.astimezone(zone).date()
    if kind.needs_running_roadmap and not lifecycle(periods, day).running:
        return False
    if kind.closes_period:
        period = closing_period(periods, day)
        if period is None:
            return False
        opens = wall_clock(period.end_date - CLOSING_BEFORE, time(0), zone)
        earlier = next(
            iter(
                occurrences_with_holidays(
                    rule_of(schedule),
                    opens - timedelta(seconds=1),
                    zone,
                    workspace.holiday_region,
                    schedule.holiday_policy,
                    limit=1,
                    until=event_at - timedelta(seconds=1),
                )
            ),
            None,
        )
        if earlier is not None and closing_period(periods, earlier.astimezone(zone).date()) == (
            period
        ):
            return False  # this period's closing occurrence was an earlier one
    return True


def view_of(
    schedule: Schedule,
    workspace: Workspace,
    now: datetime,
    count: int = 3,
    periods: list[Period] | None = None,
) -> ScheduleView:
    """The schedule as people see it, with its next runs (see next_runs)."""
    rule = rule_of(schedule)
    zone = schedule_zone(schedule, workspace)
    runs = next_runs(schedule, workspace, now, count, periods)
    return ScheduleView(
        id=schedule.id,
        kind=schedule.kind,
        rule=schedule.rule,
        described=rule.describe(),
        timezone=zone.key,
        channel_id=schedule.channel_id or workspace.roadmap_channel_id,
        text=schedule.text,
        enabled=schedule.enabled,
        paused_reason=schedule.paused_reason,
        next_runs=runs,
        holiday_policy=schedule.holiday_policy or "none",
        holiday_region=workspace.holiday_region,
        label=kinds.label(schedule.kind),
        shows_text=bool((spec := kinds.get(schedule.kind)) and spec.shows_text),
        needs_channel=bool(spec is None or spec.needs_channel),
        at_local_time=bool(spec and spec.asks_at_local_time),
        holiday_moves=_holiday_moves(rule, zone, workspace, schedule, now, count)
        if schedule.enabled
        else (),
    )


def _holiday_moves(rule, zone, workspace, schedule, now, count):
    """The next occurrences (as the rule plans them, within a year) that a public holiday
    moves or skips, at most `count`, so a list shows what the holidays change."""
    from bot.services.schedule_rules import adjust_for_holidays, holiday_calendar

    region, policy = workspace.holiday_region, schedule.holiday_policy or "none"
    if not region or policy == "none":
        return ()
    calendar = holiday_calendar(region)
    moves = []
    for planned in rule.occurrences(now, zone, limit=400, until=now + timedelta(days=366)):
        day = planned.astimezone(zone).date()
        if day in calendar:
            moves.append((day, calendar.get(day), adjust_for_holidays(day, region, policy)))
        if len(moves) >= count:
            break
    return tuple(moves)


def list_schedules(*, session: Session, workspace: Workspace, now: datetime) -> list[ScheduleView]:
    schedules = session.scalars(
        select(Schedule).where(Schedule.workspace_id == workspace.id).order_by(Schedule.id)
    )
    periods = periods_of(session, workspace.id)
    return [view_of(s, workspace, now, periods=periods) for s in schedules]


def get_schedule(session: Session, workspace_id: int, schedule_id: int) -> Schedule:
    schedule = session.scalar(
        select(Schedule).where(Schedule.workspace_id == workspace_id, Schedule.id == schedule_id)
    )
    if schedule is None:
        raise NotFound(f"There is no schedule {schedule_id} in this workspace.")
    return schedule


def _check_rule(rule: str, now: datetime) -> str:
    try:
        parse_rule(rule, anchor=now.date())
    except RuleError as error:
        raise InvalidInput(str(error)) from error
    return rule


def _audit(session, workspace_id, actor, action, schedule, **details) -> None:
    session.add(
        AuditEntry(
            workspace_id=workspace_id,
            actor=actor.user_id if actor else None,
            action=action,
            target=str(schedule.id),
            details=details,
        )
    )


def default_holiday_policy(workspace: Workspace) -> str:
    """What a new schedule does on public holidays: it moves to the next working day once
    the team accepted its country's holidays (the Home tab's setup), else it goes ahead."""
    if not workspace.holiday_region:
        return "none"
    return (workspace.settings or {}).get("holiday_policy", "none")


def _check_channel(channel_id: str | None) -> str | None:
    """Only channel ids are stored (a typed #name is looked up before it gets here)."""
    if channel_id and not is_channel_id(channel_id):
        raise InvalidInput(f"I can't find a channel called {channel_id}.", field="channel")
    return channel_id


def add_schedule(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor | None,
    now: datetime,
    kind: str,
    rule: str,
    channel_id: str | None = None,
    text: str | None = None,
    timezone: str | None = None,
    source: str = "user",
) -> ScheduleView:
    if actor is not None:
        require_admin(workspace, actor, "add schedules")
    spec = kinds.get(kind)
    if spec is None:
        raise InvalidInput(f"'{kind}' is not a kind of schedule: {', '.join(kinds.names)}.")
    _check_channel(channel_id)
    if spec.needs_text and not (text or "").strip():
        raise InvalidInput(spec.needs_text)
    schedule = Schedule(
        workspace_id=workspace.id,
        kind=kind,
        rule=_check_rule(rule, now),
        timezone=timezone,
        channel_id=channel_id,
        text=(text or "").strip() or None,
        options={"anchor": now.date().isoformat()},
        holiday_policy=default_holiday_policy(workspace),
        enabled=True,
        source=source,
        created_by=actor.user_id if actor else None,
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    session.flush()
    _audit(session, workspace.id, actor, "schedule.add", schedule, kind=kind, rule=rule)
    return view_of(schedule, workspace, now)


def edit_schedule(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    now: datetime,
    schedule_id: int,
    rule: str | None = None,
    channel_id: str | None = None,
    text: str | None = None,
) -> ScheduleView:
    require_admin(workspace, actor, "change schedules")
    schedule = get_schedule(session, workspace.id, schedule_id)
    if rule:
        schedule.rule = _check_rule(rule, now)
        _plan_from(schedule, now)
    if channel_id:
        schedule.channel_id = _check_channel(channel_id)
    if text:
        schedule.text = text
    _audit(session, workspace.id, actor, "schedule.edit", schedule)
    session.flush()
    return view_of(schedule, workspace, now)


def _plan_from(schedule: Schedule, now: datetime) -> None:
    """A new rule or holiday policy applies from the change on: the planner does not look
    for its occurrences before it (it plans after `planned_until`)."""
    if schedule.planned_until is None or schedule.planned_until < now:
        schedule.planned_until = now


def set_holiday_policy(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    now: datetime,
    schedule_id: int,
    policy: str,
) -> ScheduleView:
    """What a schedule does on the workspace's public holidays: go ahead (none), move to the
    next working day, or skip."""
    require_admin(workspace, actor, "change schedules")
    if policy not in POLICIES:
        raise InvalidInput(f"A holiday policy is one of: {', '.join(POLICIES)}.")
    if policy != "none" and not workspace.holiday_region:
        raise InvalidInput(
            "Say whose public holidays first, e.g. /roadmap config holidays DE; then this "
            "schedule can move or skip them."
        )
    schedule = get_schedule(session, workspace.id, schedule_id)
    schedule.holiday_policy = policy
    _plan_from(schedule, now)
    _audit(session, workspace.id, actor, "schedule.holidays", schedule)
    session.flush()
    return view_of(schedule, workspace, now)


def set_enabled(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    now: datetime,
    schedule_id: int,
    enabled: bool,
) -> ScheduleView:
    require_admin(workspace, actor, "pause or resume schedules")
    schedule = get_schedule(session, workspace.id, schedule_id)
    schedule.enabled = enabled
    schedule.paused_reason = None if enabled else f"paused by <@{actor.user_id}>"
    schedule.consecutive_failures = 0
    _audit(
        session, workspace.id, actor, "schedule.resume" if enabled else "schedule.pause", schedule
    )
    session.flush()
    return view_of(schedule, workspace, now)


def delete_schedule(
    *, session: Session, workspace: Workspace, actor: Actor, schedule_id: int
) -> str:
    require_admin(workspace, actor, "delete schedules")
    schedule = get_schedule(session, workspace.id, schedule_id)
    described = f"{kinds.label(schedule.kind)} ({schedule.rule})"
    _audit(session, workspace.id, actor, "schedule.delete", schedule)
    session.delete(schedule)
    session.flush()
    return described


def ensure_default_schedules(*, session: Session, workspace: Workspace, now: datetime) -> int:
    """Give a workspace the default schedules it does not have yet; returns how many added."""
    present = set(
        session.scalars(select(Schedule.kind).where(Schedule.workspace_id == workspace.id))
    )
    added = 0
    defaults = sorted(
        (k for k in kinds.all_kinds() if k.default_rule), key=lambda k: k.default_rank
    )
    for kind in defaults:
        if kind.name not in present:
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=now,
                kind=kind.name,
                rule=kind.default_rule,
                source="default",
            )
            added += 1
    return added
