"""A parsed schedule rule and its occurrences in wall-clock time.

Occurrences are built as local dates and local times, and only then turned into instants
with zoneinfo (``wall_clock``); no timedelta is ever added to an aware local datetime.

DST, decided once for every kind of rule:

* A local time that does not exist (skipped when clocks spring forward) is read with the
  offset in force before the gap, so it moves forward by the length of the gap: 02:30 on
  2025-03-30 in Europe/Berlin is 01:30Z, i.e. 03:30 CEST; 02:15 on a Lord Howe spring day
  (a 30-minute gap) becomes 02:45.
* A local time that happens twice (clocks falling back) is its first occurrence (fold=0),
  so it fires once: 02:30 on 2025-10-26 in Europe/Berlin is 00:30Z only.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.schedule_rules.cron import CronFields, describe_cron

KINDS = ("weekly", "daily", "monthly_nth", "monthly_day", "quarterly_nth", "interval_weeks", "cron")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HORIZON = timedelta(days=30 * 366)  # how far ahead to look when no `until` is given
LAST = -1  # `nth` / `day_of_month` meaning "the last one"


def wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant (aware UTC) the clocks in `tz` show `at` on `day`; see the module notes
    for times skipped or repeated by DST."""
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)


def occurrence_key(when_utc: datetime) -> str:
    """A stable key per occurrence, e.g. “2025-03-03T08:00Z” (seconds only if not zero)."""
    if when_utc.tzinfo is None:
        raise ValueError("occurrence_key needs an aware datetime")
    when = when_utc.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ" if when.second else "%Y-%m-%dT%H:%MZ")


def as_utc(when: datetime, name: str = "after") -> datetime:
    """An aware datetime in UTC; naive ones are refused rather than guessed."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"`{name}` must be timezone-aware")
    return when.astimezone(UTC)


@dataclass(frozen=True, order=True)
class Planned:
    """One occurrence: its instant and the local date and time it was planned for."""

    instant: datetime  # aware UTC
    day: date  # the local date the rule chose
    at: time  # the local time the rule chose (before any DST gap moved it)


@dataclass(frozen=True)
class ScheduleRule:
    """A rule as people wrote it, normalized. Build it with ``parse_rule``."""

    text: str  # normalized, e.g. "every Monday at 09:00"; parse_rule(text) gives this rule back
    kind: str  # one of KINDS
    cron: str | None  # an equivalent standard cron expression, when one exists exactly
    at: time | None = None  # the local time of day (None for cron: its fields hold the times)
    weekdays: tuple[int, ...] = ()  # Monday = 0 (weekly, interval_weeks, *_nth)
    nth: int | None = None  # 1..5, or LAST (monthly_nth, quarterly_nth)
    day_of_month: int | None = None  # 1..31, or LAST (monthly_day)
    every_weeks: int | None = None  # interval_weeks
    anchor: date | None = None  # interval_weeks: the Monday of the week counting starts from
    fields: CronFields | None = None  # cron

    def describe(self) -> str:
        """The rule in words: cron_descriptor's for cron, else the normalized text (with a
        note where a rule needs one to be understood)."""
        if self.kind == "cron" and self.cron and self.fields:
            return describe_cron(self.cron, self.fields)
        if self.kind == "interval_weeks" and self.anchor:
            anchor = self.anchor
            return f"{self.text}, counting weeks from the week of {anchor.day} {anchor:%B %Y}"
        if self.kind == "monthly_day" and self.day_of_month and self.day_of_month > 28:
            return f"{self.text} (skipped in months without that day)"
        if self.kind == "monthly_nth" and self.nth == 5:
            return f"{self.text} (skipped in months without a fifth one)"
        return self.text

    def matches(self, day: date) -> bool:
        """Whether the rule fires on this local date."""
        if self.kind == "cron":
            return self.fields is not None and self.fields.matches(day)
        if self.kind == "daily":
            return True
        if self.kind == "monthly_day":
            return day.day == self.day_of_month or (
                self.day_of_month == LAST and (day + timedelta(days=1)).day == 1
            )
        if day.weekday() not in self.weekdays:
            return False
        if self.kind == "weekly":
            return True
        if self.kind == "interval_weeks":
            monday = day - timedelta(days=day.weekday())
            anchor = self.anchor or monday
            return ((monday - anchor).days // 7) % (self.every_weeks or 1) == 0
        if self.kind == "monthly_nth":
            first = day.replace(day=1)
            return day == _nth_weekday(first, _month_end(first), day.weekday(), self.nth or 1)
        if self.kind == "quarterly_nth":
            first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            last = _month_end(date(first.year, first.month + 2, 1))
            return day == _nth_weekday(first, last, day.weekday(), self.nth or 1)
        return False

    def times(self) -> tuple[time, ...]:
        """The local times of day the rule fires at, in order."""
        if self.kind == "cron":
            return self.fields.times() if self.fields else ()
        return (self.at,) if self.at is not None else ()

    def planned(
        self, after: datetime, tz: ZoneInfo, *, until: datetime | None = None
    ) -> Iterator[Planned]:
        """Every occurrence strictly after `after` (and at or before `until`), in order and
        without duplicates, with the local date and time each was planned for."""
        after, times = as_utc(after), self.times()
        end = as_utc(until, "until") if until is not None else None
        if not times:
            return
        # Offsets are under 24 h, so a local date D yields instants within a day of D 00:00Z.
        day = _shift(after.date(), timedelta(days=-2))
        last_day = _shift(end.date(), timedelta(days=2)) if end else _shift(after.date(), HORIZON)
        pending: list[Planned] = []
        previous = after
        while day <= last_day:
            if self.matches(day):
                for at in times:
                    heapq.heappush(pending, Planned(wall_clock(day, at, tz), day, at))
            # No later local date can give an instant before this one: release what is earlier.
            ready = datetime.combine(day, time(0), tzinfo=UTC)
            while pending and (pending[0].instant <= ready or day == last_day):
                item = heapq.heappop(pending)
                if end is not None and item.instant > end:
                    return
                if item.instant > previous:
                    previous = item.instant
                    yield item
            day += timedelta(days=1)

    def occurrences(
        self, after: datetime, tz: ZoneInfo, *, limit: int = 1000, until: datetime | None = None
    ) -> Iterator[datetime]:
        """Aware UTC instants strictly after `after`, at or before `until`, in increasing
        order, at most `limit` of them (looking at most 30 years ahead without `until`)."""
        if limit <= 0:
            return
        for count, item in enumerate(self.planned(after, tz, until=until), start=1):
            yield item.instant
            if count >= limit:
                return

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime | None:
        """The first occurrence strictly after `after`, or None."""
        return next(self.occurrences(after, tz, limit=1), None)


def _shift(day: date, delta: timedelta) -> date:
    """`day` + `delta`, kept within the dates Python can represent."""
    try:
        return day + delta
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _nth_weekday(first: date, last: date, weekday: int, nth: int) -> date | None:
    """The nth (or LAST) `weekday` between two dates, or None when there is no such day."""
    if nth == LAST:
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day <= last else None
