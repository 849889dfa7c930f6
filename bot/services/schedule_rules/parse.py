"""Rules as people write them: “every monday 09:00”, “last friday of the quarter 2pm”,
“every 2 weeks on tuesday at 10:00”, “the 15th of every month 9am”, or 5-field cron.

Matching is case-insensitive and forgiving about spaces and commas; the time of day may come
first or last, with or without “at”, as 9:00, 09:00, 9am, 3pm, 15:00, 9.30 or noon.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from bot.services.schedule_rules.cron import looks_like_cron, parse_cron, weekdays_field
from bot.services.schedule_rules.errors import RuleError, examples, quoted
from bot.services.schedule_rules.rule import LAST, WEEKDAY_NAMES, ScheduleRule

# Weeks of an interval rule count from this ISO week when no anchor is given (2024-W01), so a
# stored rule means the same thing on whichever day it is parsed.
DEFAULT_ANCHOR = date(2024, 1, 1)
MAX_LENGTH = 200
WEEKDAYS = frozenset(range(5))
_DAY_WORDS = {name.lower(): index for index, name in enumerate(WEEKDAY_NAMES)}
_DAY_WORDS |= {name[:3]: index for name, index in list(_DAY_WORDS.items())}
_DAY_WORDS |= {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": LAST}
_ORDINALS |= {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
_ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", LAST: "last"}
_EVERY_N = {"other": 2, "second": 2, "third": 3, "fourth": 4, "two": 2, "three": 3, "four": 4}
_KNOWN_WORDS = (*_DAY_WORDS, "weekday", "weekend", "day", "daily", "month", "quarter", "weeks")

_TIME = r"(?P<hour>[0-9]{1,2})(?:[:.h](?P<minute>[0-9]{2}))?\s*(?P<half>[ap]\.?m\.?)?|noon|midnight"
_TIME_LAST = re.compile(rf"(?P<rest>.*?)\s*(?:(?<![a-z])(?P<at>at)\s+)?(?P<time>{_TIME})")
_TIME_FIRST = re.compile(rf"(?:(?P<at>at)\s+)?(?P<time>{_TIME})\s+(?P<rest>.+)")
_NTH = r"(?P<nth>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)"
_UNIT = r"(?P<unit>month|quarter)"
_OF = r"\s+(?:of|in)\s+(?:the|every|each|a)\s+"
_DAYNUM = r"(?:day\s+)?(?P<number>[0-9]{1,2})(?:st|nd|rd|th)?(?:\s+day)?"
_N_WEEKS = r"(?P<n>[0-9]{1,2}|other|second|third|fourth|two|three|four)\s+weeks?"
_FORTNIGHTLY = r"bi-?weekly|fortnightly|(?:every|each)\s+fortnight"
_INTERVAL = [
    re.compile(rf"(?:every|each)\s+{_N_WEEKS}\s+(?:on\s+)?(?P<days>.+)"),
    re.compile(rf"(?:{_FORTNIGHTLY})\s+(?:on\s+)?(?P<days>.+)"),
    re.compile(r"(?:every|each)\s+(?P<n>other|second)\s+(?P<days>.+)"),
    # The days first: "tuesdays every other week", "every tuesday, fortnightly".
    re.compile(rf"(?:(?:every|each|on)\s+)?(?P<days>.+?),?\s+(?:(?:every|each)\s+{_N_WEEKS}|"
               rf"{_FORTNIGHTLY})"),
]  # fmt: skip
# An interval without its day: "fortnightly", "every 2 weeks", "weekly".
_NO_DAY = re.compile(
    rf"(?:every|each)\s+{_N_WEEKS}|{_FORTNIGHTLY}|weekly|(?:every|each)\s+week|once\s+a\s+week"
)
_NTH_RULES = [
    re.compile(rf"(?:on\s+|every\s+|each\s+)?(?:the\s+)?{_NTH}\s+(?P<day>[a-z]+){_OF}{_UNIT}"),
    re.compile(rf"(?:every|each)\s+{_UNIT}\s+on\s+(?:the\s+)?{_NTH}\s+(?P<day>[a-z]+)"),
    re.compile(rf"{_UNIT}ly\s+on\s+(?:the\s+)?{_NTH}\s+(?P<day>[a-z]+)"),
    re.compile(rf"(?:on\s+)?(?:the\s+)?{_NTH}{_OF}{_UNIT}"),  # "the first of the month"
]
_MONTH_DAY_RULES = [
    re.compile(rf"(?:on\s+)?(?:the\s+)?{_DAYNUM}{_OF}month"),
    re.compile(rf"(?:every|each)\s+month\s+on\s+(?:the\s+)?{_DAYNUM}"),
    re.compile(rf"monthly\s+on\s+(?:the\s+)?{_DAYNUM}"),
]
_DAILY = re.compile(
    r"(?:every|each)\s+(?:single\s+)?day|daily|everyday|every\s+day\s+of\s+the\s+week"
)
_WORKING_DAYS = re.compile(
    r"(?:(?:every|each|on)\s+)?(?:week\s*-?days?|working\s+days?|work\s*days?|business\s+days?)"
)
_WEEKEND = re.compile(r"(?:(?:every|each|on)\s+)?(?:the\s+)?week\s*-?ends?")
_RANGE_WORDS = {"-", "to", "through", "thru", "till", "until"}
_FILLER_WORDS = {"and", "every", "each", "on", "the"}


@dataclass(frozen=True)
class _Pattern:
    """Which days a rule picks, before its time of day is known."""

    kind: str
    weekdays: tuple[int, ...] = ()
    nth: int | None = None
    day_of_month: int | None = None
    every_weeks: int | None = None


def parse_rule(text: str, *, anchor: date | None = None) -> ScheduleRule:
    """Understand a schedule rule, or raise RuleError saying what would be understood.

    `anchor` fixes which weeks an “every N weeks” rule fires in: weeks are counted from the
    ISO week (Monday to Sunday) holding `anchor`. Pass the date the schedule was created;
    without one, weeks count from ISO week 1 of 2024, so the answer never depends on the day
    the rule happens to be parsed.
    """
    if not isinstance(text, str) or not text.split():
        raise RuleError(f"Tell me when it should happen, for example {examples()}.")
    raw = " ".join(text.split())
    if len(raw) > MAX_LENGTH:
        raise RuleError(f"That rule is too long; keep it under {MAX_LENGTH} characters.")
    cron_words = re.sub(r"\s*,\s*", ",", raw.lower()).split()  # “1, 15 9 * * *” is cron too
    if looks_like_cron(cron_words):
        expression, fields = parse_cron(" ".join(cron_words))
        return ScheduleRule(expression, "cron", expression, fields=fields)
    normal = " ".join(raw.lower().replace(",", ", ").replace("&", " and ").split()).rstrip(" .!")
    rest, at = _split_time(normal, raw)
    pattern = _pattern(rest.strip(" ,"), raw)
    if at is None:
        raise RuleError(f"{quoted(raw)} needs a time of day, e.g. “{raw} 09:00” or “{raw} 3pm”.")
    return _build(pattern, at, anchor)


def _split_time(normal: str, raw: str) -> tuple[str, time | None]:
    """The text without its time of day, and the time (None if there is none)."""
    bare: re.Match[str] | None = None
    for regex in (_TIME_LAST, _TIME_FIRST):
        match = regex.fullmatch(normal)
        if match is None:
            continue
        if match.group("hour") is None:  # noon, midnight
            return match.group("rest"), time(12 if match.group("time") == "noon" else 0)
        if any(match.group(name) for name in ("minute", "half", "at")):
            return match.group("rest"), _clock(match)
        bare = bare or (match if regex is _TIME_LAST else None)
    if bare is not None:
        raise RuleError(
            f"In {quoted(raw)}, write the time of day as 09:00 or 9am, "
            f"not just “{bare.group('time')}”."
        )
    return normal, None


def _clock(match: re.Match[str]) -> time:
    """The time of day a _TIME match names."""
    hour, minute, half = int(match.group("hour")), int(match.group("minute") or 0), match["half"]
    if half:
        if not 1 <= hour <= 12:
            raise RuleError(f"“{match.group('time')}” is not a time of day; try 9am or 3pm.")
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise RuleError(f"“{match.group('time')}” is not a time of day; try 09:00 or 15:30.")
    return time(hour, minute)


def _pattern(text: str, raw: str) -> _Pattern:
    """The days a rule's words pick."""
    periodic = "month" in text or "quarter" in text
    if _NO_DAY.fullmatch(text):
        raise RuleError(
            f"{quoted(raw)} needs a day of the week, e.g. “every 2 weeks on tuesday 10:00” or "
            "“every thursday 15:00”."
        )
    for regex in () if periodic else _INTERVAL:
        if match := regex.fullmatch(text):
            word = match.groupdict().get("n") or "2"
            weeks = _EVERY_N.get(word) or int(word)
            if not 1 <= weeks <= 52:
                raise RuleError(f"Repeat every 1 to 52 weeks, not every {weeks}.")
            days = _day_list(match.group("days"), raw)
            if weeks == 1:
                return _weekly(days)
            return _Pattern("interval_weeks", weekdays=days, every_weeks=weeks)
    for regex in _NTH_RULES:
        if match := regex.fullmatch(text):
            return _nth(match, raw)
    for regex in _MONTH_DAY_RULES:
        if match := regex.fullmatch(text):
            day = int(match.group("number"))
            if not 1 <= day <= 31:
                raise RuleError(f"A month has days 1 to 31, not {day}.")
            return _Pattern("monthly_day", day_of_month=day)
    if _DAILY.fullmatch(text):
        return _Pattern("daily")
    if _WORKING_DAYS.fullmatch(text):
        return _Pattern("weekly", weekdays=tuple(sorted(WEEKDAYS)))
    if _WEEKEND.fullmatch(text):
        return _Pattern("weekly", weekdays=(5, 6))
    if periodic:
        raise RuleError(
            f"I couldn't read {quoted(raw)}. For monthly and quarterly rules write e.g. "
            "“first thursday of the month 15:00”, “last friday of the quarter 14:00” or "
            "“the 15th of every month 09:00”."
        )
    return _weekly(_day_list(text, raw))


def _nth(match: re.Match[str], raw: str) -> _Pattern:
    nth, unit = _ORDINALS[match.group("nth")], match.group("unit")
    word = match.groupdict().get("day") or "day"
    if word == "day":
        if unit == "quarter":
            raise RuleError(
                "For quarters I can do a weekday, e.g. “first monday of the quarter 10:00” "
                "or “last friday of the quarter 14:00”."
            )
        return _Pattern("monthly_day", day_of_month=nth)
    weekday = _weekday(word)
    if weekday is None:
        raise RuleError(_unknown_word(word, raw))
    kind = "monthly_nth" if unit == "month" else "quarterly_nth"
    return _Pattern(kind, weekdays=(weekday,), nth=nth)


def _weekly(days: tuple[int, ...]) -> _Pattern:
    return _Pattern("daily") if len(days) == 7 else _Pattern("weekly", weekdays=days)


def _weekday(word: str) -> int | None:
    word = word.strip(".")
    if word.endswith("days") and word[:-1] in _DAY_WORDS:  # "mondays"
        word = word[:-1]
    return _DAY_WORDS.get(word)


def _day_list(text: str, raw: str) -> tuple[int, ...]:
    """“mon, wed and fri”, “monday to friday”, “tuesdays”: the weekdays, Monday = 0."""
    words = text.replace("-", " - ").replace(",", " ").split()
    days: set[int] = set()
    previous: int | None = None
    range_from: int | None = None
    for word in words:
        if word in _FILLER_WORDS:
            continue
        if word in _RANGE_WORDS:
            if previous is None or range_from is not None:
                raise RuleError(f"In {quoted(raw)}, write a range of days like “mon-fri”.")
            range_from = previous
            continue
        weekday = _weekday(word)
        if weekday is None:
            raise RuleError(_unknown_word(word, raw))
        if range_from is not None:
            days.update((range_from + step) % 7 for step in range((weekday - range_from) % 7 + 1))
            range_from = None
        days.add(weekday)
        previous = weekday
    if range_from is not None:
        raise RuleError(f"In {quoted(raw)}, write a range of days like “mon-fri”.")
    if not days:
        raise RuleError(f"I couldn't read {quoted(raw)} as a schedule. Try {examples()}.")
    return tuple(sorted(days))


def _unknown_word(word: str, raw: str) -> str:
    close = difflib.get_close_matches(word, _KNOWN_WORDS, n=1, cutoff=0.75)
    hint = f" Did you mean “{close[0]}”?" if close else ""
    return (
        f"I couldn't read {quoted(raw)} as a schedule: “{word[:30]}” is not a day of the week."
        f"{hint} Try {examples()}."
    )


def _build(pattern: _Pattern, at: time, anchor: date | None) -> ScheduleRule:
    """The rule with its normalized text and, where one exists exactly, its cron twin."""
    clock = f"{at:%H:%M}"
    names = _join([WEEKDAY_NAMES[day] for day in pattern.weekdays]) if pattern.weekdays else ""
    kind = pattern.kind
    cron: str | None = None
    if kind == "daily":
        text, cron = f"every day at {clock}", f"{at.minute} {at.hour} * * *"
    elif kind == "weekly":
        named = "weekday" if set(pattern.weekdays) == WEEKDAYS else names
        text = f"every {named} at {clock}"
        cron = f"{at.minute} {at.hour} * * {weekdays_field(pattern.weekdays)}"
    elif kind == "monthly_day" and pattern.day_of_month == LAST:
        text = f"the last day of the month at {clock}"
    elif kind == "monthly_day":
        day = pattern.day_of_month or 1
        text, cron = (
            f"the {_ordinal(day)} of every month at {clock}",
            f"{at.minute} {at.hour} {day} * *",
        )
    elif kind in ("monthly_nth", "quarterly_nth"):
        # Not cron: “1-7 * 4” means days 1-7 *or* Thursdays in standard cron.
        unit = "month" if kind == "monthly_nth" else "quarter"
        text = f"{_ORDINAL_NAMES[pattern.nth or 1]} {names} of the {unit} at {clock}"
    else:
        text = f"every {pattern.every_weeks} weeks on {names} at {clock}"
        start = anchor or DEFAULT_ANCHOR
        anchor = date(start.year, start.month, start.day) - timedelta(days=start.weekday())
    return ScheduleRule(
        text=text,
        kind=kind,
        cron=cron,
        at=at,
        weekdays=pattern.weekdays,
        nth=pattern.nth,
        day_of_month=pattern.day_of_month,
        every_weeks=pattern.every_weeks,
        anchor=anchor if kind == "interval_weeks" else None,
    )


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 11 <= number % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"
