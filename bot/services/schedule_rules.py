"""Schedule rules people write ("every monday 09:00", "last friday of the quarter 14:00", cron),
shown back in words, and their occurrences in wall-clock time, correct across DST."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4, "last": -1}  # fmt: skip
EXAMPLES = (
    '"every monday 09:00", "every weekday 9am", "first thursday of the month 15:00", '
    '"last friday of the quarter 14:00", "every 2 weeks on tuesday 10:00", '
    '"the 15th of every month 09:00" or a cron expression such as "0 9 * * 1"'
)
MAX_DAYS_SCANNED = 3 * 366


class RuleError(ValueError):
    """A schedule rule that cannot be understood; the message says what would be."""


def _weekday(word: str) -> int | None:
    word = word.strip().rstrip("s") if len(word) > 3 and word.endswith("s") else word.strip()
    for index, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return index
    return None


def _time(text: str) -> time:
    match = re.fullmatch(r"(?:at\s+)?(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?", text.strip())
    if not match:
        raise RuleError(f"'{text.strip()}' is not a time of day; write it like 09:00 or 3pm.")
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise RuleError(f"'{text.strip()}' is not a time of day.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise RuleError(f"'{text.strip()}' is not a time of day.")
    return time(hour, minute)


def _ordinal_day(word: str) -> int | None:
    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", word)
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 31 else None


@dataclass(frozen=True)
class ScheduleRule:
    text: str
    kind: str
    cron: str | None
    at: time | None = None
    matches: Callable[[date], bool] | None = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        if self.kind == "cron" and self.cron:
            from cron_descriptor import get_description

            described = get_description(self.cron)
            fields = self.cron.split()
            if fields[2] != "*" and fields[4] != "*":
                # APScheduler requires both the day and the weekday to match (not either).
                described = described.replace(", or on ", ", and only on ")
            return described
        return self.text

    def occurrences(
        self, after: datetime, tz: ZoneInfo, *, limit: int = 1000, until: datetime | None = None
    ) -> Iterator[datetime]:
        """Aware UTC instants strictly after `after`, in order (at most `limit`)."""
        if self.kind == "cron":
            yield from self._cron_occurrences(after, tz, limit, until)
            return
        count = 0
        day = after.astimezone(tz).date()
        last_day = until.astimezone(tz).date() if until else day + timedelta(MAX_DAYS_SCANNED)
        while day <= last_day and count < limit:
            if self.matches(day):
                when = wall_clock(day, self.at, tz)
                if when > after and (until is None or when <= until):
                    yield when
                    count += 1
            day += timedelta(days=1)

    def _cron_occurrences(self, after, tz, limit, until) -> Iterator[datetime]:

        trigger = cron_trigger(self.cron, tz)
        previous = None
        now = after + timedelta(microseconds=1)
        for _ in range(limit):
            fire = trigger.get_next_fire_time(previous, now)
            if fire is None or (until is not None and fire > until):
                return
            fire = fire.astimezone(UTC)
            if fire > after:
                yield fire
            previous, now = fire, fire + timedelta(seconds=1)

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime | None:
        return next(iter(self.occurrences(after, tz, limit=1)), None)


def wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` in `tz` as UTC. A time skipped by spring-forward moves forward by the
    gap (02:30 becomes 03:30); a time that happens twice in autumn is the first one."""
    # With fold=0 zoneinfo reads a skipped time with the offset before the gap, which lands
    # after the gap, and an ambiguous time as its first occurrence.
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def _nth_weekday(day: date, weekday: int, nth: int) -> bool:
    if day.weekday() != weekday:
        return False
    if nth > 0:
        return (day.day - 1) // 7 + 1 == nth
    return (day + timedelta(days=7)).month != day.month


def parse_rule(text: str, *, anchor: date | None = None) -> ScheduleRule:
    """Understand a schedule rule, or raise RuleError with examples."""
    raw = " ".join((text or "").split())
    words = raw.lower().replace(",", " , ")
    if not raw:
        raise RuleError(f"Write when it should happen, e.g. {EXAMPLES}.")
    if re.fullmatch(r"[\d*/,\-]+(\s+[\d*/,\-a-z]+){4}", raw.lower()):
        return _cron(raw)
    match = re.fullmatch(r"(?:every|each)?\s*(\d+)\s+weeks?\s+on\s+(\w+)\s+(.+)", words)
    if match:
        weeks, weekday, at = int(match.group(1)), _weekday(match.group(2)), _time(match.group(3))
        if weekday is None or not 1 <= weeks <= 52:
            raise RuleError(f"'{raw}': write it like every 2 weeks on tuesday 10:00.")
        start = anchor or date(2024, 1, 1)
        monday = start - timedelta(days=start.weekday())
        return ScheduleRule(
            f"every {weeks} weeks on {WEEKDAYS[weekday].title()} at {at:%H:%M}",
            "interval_weeks",
            None,
            at,
            lambda d: d.weekday() == weekday and ((d - monday).days // 7) % weeks == 0,
        )
    match = re.fullmatch(
        r"(?:on\s+)?(?:the\s+)?(\w+)\s+(\w+)\s+of\s+(?:the|every|each)\s+(month|quarter)\s+(.+)",
        words,
    )
    if match and match.group(1) in ORDINALS:
        nth, weekday, unit = ORDINALS[match.group(1)], _weekday(match.group(2)), match.group(3)
        at = _time(match.group(4))
        if weekday is None:
            raise RuleError(f"'{match.group(2)}' is not a day of the week.")
        name = f"{match.group(1)} {WEEKDAYS[weekday].title()} of the {unit} at {at:%H:%M}"
        if unit == "month":
            cron = None
            return ScheduleRule(
                name, "monthly_nth", cron, at, lambda d: _nth_weekday(d, weekday, nth)
            )
        months = (1, 4, 7, 10) if nth > 0 else (3, 6, 9, 12)
        return ScheduleRule(
            name,
            "quarterly_nth",
            None,
            at,
            lambda d: d.month in months and _nth_weekday(d, weekday, nth),
        )
    match = re.fullmatch(
        r"(?:on\s+)?(?:the\s+)?(\w+)\s+(?:day\s+)?of\s+(?:the|every|each)\s+month\s+(.+)", words
    )
    if match and _ordinal_day(match.group(1)):
        day_of_month, at = _ordinal_day(match.group(1)), _time(match.group(2))
        return ScheduleRule(
            f"day {day_of_month} of every month at {at:%H:%M}",
            "monthly_day",
            f"{at.minute} {at.hour} {day_of_month} * *",
            at,
            lambda d: d.day == day_of_month,
        )
    return _weekly(raw, words)


def _weekly(raw: str, words: str) -> ScheduleRule:
    match = re.fullmatch(
        r"(?:every|each|on)?\s*(.+?)\s+(?:at\s+)?(\d{1,2}(?:[:.h]\d{2})?\s*(?:am|pm)?)", words
    )
    if not match:
        raise RuleError(f"I don't understand '{raw}'. Try {EXAMPLES}.")
    days_text, at = match.group(1), _time(match.group(2))
    if days_text in ("day", "daily", "day of the week"):
        return ScheduleRule(
            f"every day at {at:%H:%M}", "daily", f"{at.minute} {at.hour} * * *", at, lambda d: True
        )
    if days_text in ("weekday", "weekdays", "working day", "workday"):
        return ScheduleRule(
            f"every weekday at {at:%H:%M}",
            "weekly",
            f"{at.minute} {at.hour} * * 1-5",
            at,
            lambda d: d.weekday() < 5,
        )
    days = []
    for word in re.split(r"\s*(?:,|and|&|\s)\s*", days_text):
        if not word:
            continue
        weekday = _weekday(word)
        if weekday is None:
            raise RuleError(f"I don't understand '{raw}'. Try {EXAMPLES}.")
        days.append(weekday)
    chosen = sorted(set(days))
    names = ", ".join(WEEKDAYS[d].title() for d in chosen)
    cron_days = ",".join(str((d + 1) % 7) for d in chosen)
    return ScheduleRule(
        f"every {names} at {at:%H:%M}",
        "weekly",
        f"{at.minute} {at.hour} * * {cron_days}",
        at,
        lambda d: d.weekday() in chosen,
    )


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(expression: str, tz: ZoneInfo):
    """An APScheduler trigger for a standard cron line. APScheduler 3 numbers weekdays from
    Monday = 0 while cron uses Sunday = 0 (and 7), so weekday numbers become names first."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, weekdays = expression.split()
    weekdays = re.sub(r"\d+", lambda m: _CRON_DAYS[int(m.group()) % 8], weekdays)
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=weekdays, timezone=tz
    )


def _cron(expression: str) -> ScheduleRule:
    try:
        if any(int(n) > 7 for n in re.findall(r"\d+", expression.split()[4])):
            raise ValueError("day of week goes from 0 (Sunday) to 7")
        cron_trigger(expression, ZoneInfo("UTC"))
    except (ValueError, IndexError) as error:
        raise RuleError(f"'{expression}' is not a valid cron expression: {error}") from error
    return ScheduleRule(expression, "cron", expression)


def occurrence_key(when_utc: datetime) -> str:
    """A stable key per occurrence, e.g. 2025-03-03T08:00Z."""
    return when_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _holiday_calendar(region: str):
    import holidays

    country, _, subdivision = region.upper().partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)


def adjust_for_holidays(when_local: date, region: str | None, policy: str) -> date | None:
    """Move an occurrence off a public holiday (next working day) or drop it (skip)."""
    if not region or policy == "none":
        return when_local
    calendar = _holiday_calendar(region)
    if when_local not in calendar:
        return when_local
    if policy == "skip":
        return None
    day = when_local + timedelta(days=1)
    while day in calendar or day.weekday() >= 5:
        day += timedelta(days=1)
    return day


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
    """The rule's occurrences with holidays applied, keeping each one's local time."""
    seen: set[datetime] = set()
    count = 0
    for when in rule.occurrences(after, tz, limit=limit, until=until):
        local = when.astimezone(tz)
        day = adjust_for_holidays(local.date(), region, policy)
        if day is None:
            continue
        moved = (
            when if day == local.date() else wall_clock(day, local.time().replace(tzinfo=None), tz)
        )
        if moved in seen or moved <= after:
            continue
        seen.add(moved)
        yield moved
        count += 1
        if count >= limit:
            return
