"""Public holidays: move an occurrence to the next working day, or skip it.

Regions are a country code, optionally with a subdivision: “DE”, “US-NY”, “DE-BY”
(``holidays.country_holidays(country, subdiv=...)``). Observed days count as holidays.
Weekends (per country, e.g. Friday and Saturday in Israel) are not working days, but an
occurrence that falls on a weekend and is not a holiday is left alone: the rule asked for it.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.services.schedule_rules.errors import RuleError, quoted
from bot.services.schedule_rules.rule import ScheduleRule, as_utc, wall_clock

POLICIES = ("none", "next_working_day", "skip")
_REGION = re.compile(r"(?P<country>[a-z]{2,3})(?:[-_/ ](?P<subdivision>[a-z0-9]{1,5}))?", re.I)
# A moved occurrence lands later than where it was planned, never more than two days before
# a later occurrence's instant (zone offsets differ by less than that); release after that.
_SETTLE = timedelta(days=2)
_MAX_MOVE = 366  # days; no calendar has a longer run of holidays and weekends


def holiday_calendar(region: str) -> holidays.HolidayBase:
    """The public holidays of a region like “DE”, “US-NY” or “de-by”; RuleError if unknown."""
    match = _REGION.fullmatch(region.strip())
    if not match:
        raise RuleError(
            f"{quoted(region)} is not a holiday region: use a country code such as “DE”, or a "
            "country and subdivision such as “US-NY” or “DE-BY”."
        )
    subdivision = match.group("subdivision")
    return _calendar(match.group("country").upper(), subdivision.upper() if subdivision else None)


@lru_cache(maxsize=64)
def _calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as error:
        raise RuleError(f"I have no public holidays for that region: {error}.") from error


def check_policy(policy: str) -> str:
    """The policy, normalized (“next working day” → “next_working_day”); RuleError if unknown."""
    normal = "_".join(str(policy).lower().replace("-", " ").split())
    if normal not in POLICIES:
        raise RuleError(
            f"{quoted(str(policy))} is not a holiday policy: use {', '.join(POLICIES)}."
        )
    return normal


def is_working_day(day: date, calendar: holidays.HolidayBase) -> bool:
    """Neither a public holiday nor a weekend day in that calendar."""
    return day not in calendar and day.weekday() not in getattr(calendar, "weekend", {5, 6})


def adjust_for_holidays(when_local: date, region: str | None, policy: str) -> date | None:
    """The date an occurrence planned for `when_local` happens on under a holiday policy:
    unchanged unless it is a public holiday in `region`; then the next working day
    (“next_working_day”) or None (“skip”)."""
    policy = check_policy(policy)
    day = when_local.date() if isinstance(when_local, datetime) else when_local
    if not region or policy == "none":
        return day
    calendar = holiday_calendar(region)
    if day not in calendar:
        return day
    if policy == "skip":
        return None
    for offset in range(1, _MAX_MOVE):
        if is_working_day(moved := day + timedelta(days=offset), calendar):
            return moved
    return None


def occurrences_with_holidays(
    rule: ScheduleRule,
    after: datetime,
    tz: ZoneInfo,
    region: str | None,
    policy: str,
    *,
    limit: int = 1000,
    until: datetime | None = None,
) -> Iterator[datetime]:
    """The rule's occurrences (aware UTC, strictly after `after`, at or before `until`, in
    order, at most `limit`) with the holiday policy applied to each one's local date, at the
    local time the rule planned. Occurrences moved onto the same instant are one occurrence.
    An occurrence planned before `after` but moved past it is included, so consecutive
    windows (after, until] together hold every occurrence exactly once."""
    policy = check_policy(policy)
    if not region or policy == "none":
        yield from rule.occurrences(after, tz, limit=limit, until=until)
        return
    calendar = holiday_calendar(region)
    after = as_utc(after)
    end = as_utc(until, "until") if until is not None else None
    start = after
    if policy == "next_working_day":
        # Occurrences planned in the run of non-working days just before `after` may move
        # into the window: plan from the start of that run.
        first = after.astimezone(tz).date()
        for _ in range(_MAX_MOVE):
            if is_working_day(first - timedelta(days=1), calendar):
                break
            first -= timedelta(days=1)
        start = min(after, wall_clock(first, time(0), tz) - timedelta(days=1))
    pending: list[datetime] = []
    previous, count = after, 0
    for item in rule.planned(start, tz, until=end):
        while pending and pending[0] < item.instant - _SETTLE:
            when = heapq.heappop(pending)
            if when > previous:
                previous, count = when, count + 1
                yield when
                if count >= limit:
                    return
        day = adjust_for_holidays(item.day, region, policy)
        if day is not None:
            when = item.instant if day == item.day else wall_clock(day, item.at, tz)
            if end is None or when <= end:
                heapq.heappush(pending, when)
    while pending and count < limit:
        when = heapq.heappop(pending)
        if when > previous:
            previous, count = when, count + 1
            yield when
