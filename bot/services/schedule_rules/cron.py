"""Standard 5-field cron expressions (minute hour day-of-month month day-of-week).

Semantics are those of Vixie cron, the ones `man 5 crontab` and cron_descriptor describe:
Sunday is 0 or 7, and when both the day of the month and the day of the week are restricted
(neither field starts with ``*``) a day matches if *either* does. APScheduler validates the
expression too, but it is not used to compute times: APScheduler 3 numbers weekdays from
Monday = 0 in ``from_crontab`` and fires twice on a wall-clock time repeated in autumn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, time

from apscheduler.triggers.cron import CronTrigger
from cron_descriptor import get_description

from bot.services.schedule_rules.errors import RuleError, examples, quoted

FIELDS = ("minute", "hour", "day of the month", "month", "day of the week")
BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CRON_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering: Sunday = 0
PY_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Python numbering: Monday = 0
LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ITEM = re.compile(r"(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:/([0-9]{1,2}))?")
_CRONISH = re.compile(r"[0-9*/,\-]+")


@dataclass(frozen=True)
class CronFields:
    """A cron expression as the values each field allows."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # Python numbering, Monday = 0
    day_restricted: bool  # the day-of-month field does not start with "*"
    weekday_restricted: bool  # the day-of-week field does not start with "*"

    def matches(self, day: date) -> bool:
        """Whether the expression fires on this local date (at some time)."""
        if day.month not in self.months:
            return False
        on_day, on_weekday = day.day in self.days, day.weekday() in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return on_day or on_weekday
        return on_day and on_weekday

    def times(self) -> tuple[time, ...]:
        """The local times of day the expression fires at, in order."""
        return tuple(time(hour, minute) for hour in self.hours for minute in self.minutes)


def looks_like_cron(words: list[str]) -> bool:
    """Whether text is meant as cron: its minute and hour fields are numbers, * , - or /."""
    return len(words) >= 2 and all(_CRONISH.fullmatch(word) for word in words[:2])


def parse_cron(expression: str) -> tuple[str, CronFields]:
    """The normalized expression and its fields; RuleError if it is not valid cron."""
    words = expression.lower().split()
    shown = quoted(expression)
    if len(words) != 5:
        raise RuleError(
            f"{shown} has {len(words)} fields, but a cron expression has 5: minute, hour, "
            f"day of the month, month and day of the week, e.g. “0 9 * * 1”. "
            f"Or write it in words: {examples()}."
        )
    values = [_field(word, index, shown) for index, word in enumerate(words)]
    minutes, hours, days, months, cron_weekdays = values
    fields = CronFields(
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset((day - 1) % 7 for day in cron_weekdays),
        day_restricted=not words[2].startswith("*"),
        weekday_restricted=not words[4].startswith("*"),
    )
    normalized = " ".join(words)
    _validate_with_apscheduler(words, fields, shown)
    if not (fields.day_restricted and fields.weekday_restricted) and not any(
        day <= LONGEST_MONTH[month - 1] for month in fields.months for day in fields.days
    ):
        raise RuleError(f"{shown} never happens: none of its months has that day.")
    return normalized, fields


def _field(word: str, index: int, shown: str) -> set[int]:
    low, high = BOUNDS[index]
    values: set[int] = set()
    for item in word.split(","):
        match = _ITEM.fullmatch(item)
        if not match:
            raise RuleError(
                f"{shown} is not a valid cron expression: “{item}” in the {FIELDS[index]} field. "
                "Use numbers, names (mon, jan), * , ranges (1-5), lists (1,3) and steps (*/15)."
            )
        first, last, step_text = match.groups()
        if first == "*":
            if last is not None:
                raise RuleError(f"{shown} is not a valid cron expression: “{item}”.")
            start, end = low, high
        else:
            start = _value(first, index, shown)
            end = _value(last, index, shown) if last else (high if step_text else start)
        step = int(step_text) if step_text else 1
        if not 1 <= step <= high - low + 1:
            raise RuleError(f"{shown} is not a valid cron expression: the step in “{item}”.")
        if start > end:
            raise RuleError(
                f"{shown} is not a valid cron expression: the range “{item}” runs backwards."
            )
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, index: int, shown: str) -> int:
    low, high = BOUNDS[index]
    names = MONTH_NAMES if index == 3 else CRON_DAY_NAMES if index == 4 else ()
    if text in names:
        return names.index(text) + (1 if index == 3 else 0)
    if not text.isdigit() or len(text) > 2 or not low <= int(text) <= high:
        extra = " (0 and 7 are Sunday)" if index == 4 else ""
        raise RuleError(
            f"{shown} is not a valid cron expression: the {FIELDS[index]} goes from "
            f"{low} to {high}{extra}, not “{text}”."
        )
    return int(text)


def _validate_with_apscheduler(words: list[str], fields: CronFields, shown: str) -> None:
    """APScheduler must accept it too; weekdays go by name, since its numbers start Monday."""
    weekdays = (
        "*" if words[4] == "*" else ",".join(PY_DAY_NAMES[d] for d in sorted(fields.weekdays))
    )
    try:
        CronTrigger.from_crontab(" ".join([*words[:4], weekdays]), timezone=UTC)
    except ValueError as error:
        raise RuleError(f"{shown} is not a valid cron expression: {error}.") from error


def describe_cron(expression: str, fields: CronFields) -> str:
    """The expression in words (cron_descriptor), e.g. “At 09:00 AM, only on Monday”."""
    try:
        described = get_description(expression)
    except Exception:  # cron_descriptor's own errors; the expression itself is valid
        return f"cron “{expression}”"
    if fields.day_restricted and fields.weekday_restricted:
        clock = "09:00"
        if len(fields.hours) == 1 and len(fields.minutes) == 1:
            clock = f"{fields.hours[0]:02}:{fields.minutes[0]:02}"
        described += (
            " (cron fires when either the day of the month or the weekday matches; "
            f"for the first Thursday, write “first thursday of the month {clock}”)"
        )
    return described


def weekdays_field(weekdays: frozenset[int] | tuple[int, ...]) -> str:
    """Python weekdays (Monday = 0) as a cron day-of-week field, ranges joined: “1-5”."""
    numbers = sorted((day + 1) % 7 for day in weekdays)
    if len(numbers) == 7:
        return "*"
    parts: list[str] = []
    run = [numbers[0]]
    for number in numbers[1:]:
        if number == run[-1] + 1:
            run.append(number)
        else:
            parts.append(_run(run))
            run = [number]
    parts.append(_run(run))
    return ",".join(parts)


def _run(run: list[int]) -> str:
    if len(run) >= 3:
        return f"{run[0]}-{run[-1]}"
    return ",".join(str(n) for n in run)
