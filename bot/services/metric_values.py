"""Metric values as people read them: units ("45 min", "99.93%", "4.6/5"), verdicts that
name what they compare with, trends relative to a target's direction, and cadences ("Daily",
"2 per month") counted as occurrences. Pure: no session, no Slack."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.wording import plural

COMPARATOR_SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}
# Factors to the base unit of each family, so "45m" can be recorded on an hours metric.
UNIT_FACTORS = {
    "ms": ("time", 0.001),
    "seconds": ("time", 1.0),
    "minutes": ("time", 60.0),
    "hours": ("time", 3600.0),
    "days": ("time", 86400.0),
}
UNIT_SYNONYMS = {
    "s": "seconds",
    "sec": "seconds",
    "secs": "seconds",
    "second": "seconds",
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "d": "days",
    "day": "days",
}


@dataclass(frozen=True)
class Target:
    """A value to reach, e.g. `> 85%`."""

    value: float
    comparator: str | None
    unit: str | None

    @property
    def text(self) -> str:
        symbol = COMPARATOR_SYMBOLS.get(self.comparator or "", "")
        return f"{symbol} {format_value(self.value, self.unit)}".strip()

    @property
    def higher_is_better(self) -> bool | None:
        """True for `>`/`≥`, False for `<`/`≤`, None for `=` (or no comparator)."""
        if self.comparator in (">", ">="):
            return True
        if self.comparator in ("<", "<="):
            return False
        return None

    def met_by(self, value: float) -> bool | None:
        return meets(value, self.comparator, self.value)


@dataclass(frozen=True)
class Verdict:
    """A value judged against one goal, which the verdict names: this period's milestone when
    there is one (`period` says which), otherwise the final target."""

    met: bool
    goal: Target
    kind: str  # "milestone" or "target"
    period: str | None = None  # the milestone's period
    final: Target | None = None  # the final target, when the goal is a milestone

    @property
    def goal_name(self) -> str:
        """ "the Q1 2025 milestone ≥ 99.9%" or "the < 200 ms target"."""
        if self.kind == "milestone":
            return f"the {self.period + ' ' if self.period else ''}milestone {self.goal.text}"
        return f"the {self.goal.text} target"

    @property
    def text(self) -> str:
        """ "meets the Q1 2025 milestone ≥ 99.9% (final ≥ 99.99%)", "misses the < 200 ms
        target"."""
        said = f"{'meets' if self.met else 'misses'} {self.goal_name}"
        if self.final is not None and self.final != self.goal:
            said += f" (final {self.final.text})"
        return said

    @property
    def short(self) -> str:
        """ "Q1 2025 milestone ≥ 99.9% ✓ · final ≥ 99.99%" or "target < 200 ms ✗"."""
        mark = "✓" if self.met else "✗"
        if self.kind == "milestone":
            said = f"{self.period + ' ' if self.period else ''}milestone {self.goal.text} {mark}"
            if self.final is not None and self.final != self.goal:
                said += f" · final {self.final.text}"
            return said
        return f"target {self.goal.text} {mark}"


def judge(
    value: float | None,
    target: Target | None,
    milestone: Target | None = None,
    period: str | None = None,
) -> Verdict | None:
    """`value` against this period's milestone when there is one, else the final target."""
    if value is None:
        return None
    if milestone is not None and milestone.comparator is not None:
        met = milestone.met_by(value)
        return Verdict(bool(met), milestone, "milestone", period, target)
    if target is not None and target.comparator is not None:
        return Verdict(bool(target.met_by(value)), target, "target")
    return None


# --- cadences: "Daily", "Monthly", "2 per month" are counts of occurrences ----------------------

CADENCE_UNITS = {"day": 1, "week": 7, "fortnight": 14, "month": 365.25 / 12, "quarter": 365.25 / 4}
CADENCE_UNITS["year"] = 365.25
_CADENCE_WORDS = {
    "daily": (1, "day"),
    "weekly": (1, "week"),
    "biweekly": (1, "fortnight"),
    "fortnightly": (1, "fortnight"),
    "monthly": (1, "month"),
    "quarterly": (1, "quarter"),
    "yearly": (1, "year"),
    "annually": (1, "year"),
}
_COUNT_WORDS = {"once": 1, "twice": 2, "one": 1, "two": 2, "three": 3, "four": 4}
_CADENCE_TEXT = re.compile(
    r"(?P<n>[0-9]{1,3}|once|twice|one|two|three|four)\s*(?:x|times?)?\s*"
    r"(?:per|a|an|/|every|each)\s*(?P<unit>day|week|fortnight|month|quarter|year)s?\b",
    re.IGNORECASE,
)
# What one occurrence of a cadence metric is called, by a word in the metric's name.
_OCCURRENCE_NOUNS = (
    ("deploy", "deploy"),
    ("release", "release"),
    ("session", "session"),
    ("retro", "retrospective"),
    ("demo", "demo"),
    ("meeting", "meeting"),
    ("review", "review"),
)


@dataclass(frozen=True)
class Cadence:
    """How often something should happen: `count` times per `unit` (day, week, …)."""

    count: int
    unit: str
    text: str  # as people say it: "daily", "2 per month"

    def asked(self, start: date, end: date) -> int:
        """How many occurrences the cadence asks for from `start` to `end`, both included:
        a daily cadence asks for one each working day (Monday to Friday); the others for
        every whole week, fortnight or calendar month (quarter, year) elapsed."""
        if end < start:
            return 0
        days = (end - start).days + 1
        if self.unit == "day":
            weeks, rest = divmod(days, 7)
            extra = sum((start + timedelta(days=i)).weekday() < 5 for i in range(rest))
            return self.count * (weeks * 5 + extra)
        if self.unit in ("week", "fortnight"):
            return self.count * (days // round(CADENCE_UNITS[self.unit]))
        months = {"month": 1, "quarter": 3, "year": 12}[self.unit]
        return self.count * (_whole_months(start, end + timedelta(days=1)) // months)


def _whole_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (exclusive): 1 Jan → 1 Apr is 3."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (end.day < start.day))


def cadence_of(cadence: str | None, text: str | None = None) -> Cadence | None:
    """The metric's cadence from its stored cadence ("daily") or its text ("2 per month")."""
    word = (cadence or "").strip().lower()
    if word in _CADENCE_WORDS:
        count, unit = _CADENCE_WORDS[word]
        return Cadence(count, unit, word)
    for candidate in (cadence, text):
        match = _CADENCE_TEXT.search(candidate or "")
        if match:
            n = match["n"].lower()
            count = _COUNT_WORDS.get(n) or int(n)
            if count <= 0:
                return None
            unit = match["unit"].lower()
            return Cadence(count, unit, f"{count} per {unit}")
    return None


def occurrence_noun(metric_name: str) -> str:
    """What one occurrence is called: "deploy" for "Deployment frequency", else "occurrence"."""
    lowered = metric_name.lower()
    for word, noun in _OCCURRENCE_NOUNS:
        if word in lowered:
            return noun
    return "occurrence"


def occurrences(values: Sequence[float]) -> int:
    """Readings of a cadence metric count occurrences: each reading records its value (a held
    session, or `/roadmap metric deploys 1`, is one); negatives count nothing."""
    return sum(max(0, round(v)) for v in values)


@dataclass(frozen=True)
class CadenceCount:
    """Occurrences counted in a window against what the cadence asks for in it. A daily
    cadence also counts the working days that had one: "daily" is met by a deploy on each
    working day, not by ten on a Monday."""

    cadence: Cadence
    count: int
    asked: int
    noun: str
    window: str  # "this week", "so far in Q1 2025", "in Q1 2025"
    days_met: int | None = None  # daily: working days of the window with an occurrence

    @property
    def met(self) -> bool | None:
        if self.asked == 0:
            return None
        if self.days_met is not None:
            return self.days_met * self.cadence.count >= self.asked
        return self.count >= self.asked

    @property
    def text(self) -> str:
        """ "4 deploys this week, daily asks 5"; a daily one "10 deploys this week, on 4 of
        5 working days (daily)"."""
        said = f"{plural(self.count, self.noun)} {self.window}"
        if not self.asked:
            return said
        if self.days_met is not None:
            days = self.asked // self.cadence.count
            return (
                f"{said}, on {self.days_met} of {plural(days, 'working day')} ({self.cadence.text})"
            )
        return f"{said}, {self.cadence.text} asks {self.asked}"


def cadence_window(
    cadence: Cadence,
    today: date,
    period_start: date | None,
    period_end: date | None = None,
    label: str | None = None,
) -> tuple[date, date, str]:
    """Where a look on `today` counts a cadence: inside the roadmap's period, from its start
    (a daily cadence: from this week's Monday) to today, or to the period's last day once it
    ended, so an ended period never asks for more than it could hold. Every count of a
    cadence (replies, /roadmap metrics, the digests) takes its window from here. Returns
    (first day, last day, how to say it)."""
    if period_start is not None and period_end is not None and today > period_end:
        return period_start, period_end, f"in {label}" if label else "in the period"
    if cadence.unit == "day":
        monday = today - timedelta(days=today.weekday())
        if period_start is not None and period_start > monday:
            return period_start, today, "this week"
        return monday, today, "this week"
    if period_start is None:
        return today - timedelta(days=round(CADENCE_UNITS[cadence.unit]) - 1), today, "lately"
    return period_start, today, f"so far in {label}" if label else "this period"


def cadence_count(
    cadence: Cadence,
    points: Sequence[tuple[datetime, float]],
    start: date,
    end: date,
    *,
    noun: str,
    window: str,
    zone: ZoneInfo,
) -> CadenceCount:
    """The occurrences among `points` on days `start`..`end` (in `zone`) against the ask."""
    inside = [(at.astimezone(zone).date(), v) for at, v in points]
    inside = [(day, v) for day, v in inside if start <= day <= end]
    days_met = None
    if cadence.unit == "day":
        days_met = len({day for day, v in inside if v > 0 and day.weekday() < 5})
    count = occurrences([v for _, v in inside])
    return CadenceCount(cadence, count, cadence.asked(start, end), noun, window, days_met)


# --- values with the units people use ---------------------------------------------------------

TIME_SECONDS = {"ms": 0.001, "seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


def time_unit(unit: str | None) -> str | None:
    """The canonical time unit ("ms", "seconds", … "days") of `unit`, or None."""
    name = UNIT_SYNONYMS.get(unit or "", unit)
    return name if name in TIME_SECONDS else None


def number(value: float, places: int = 2) -> str:
    """`value` with at most `places` decimals, trailing zeros dropped: 99.9313 → "99.93"."""
    text = f"{round(value, places):.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def duration(seconds: float) -> str:
    """45 min, 1 h 20 min, 200 ms, 1.5 s, 2 d 4 h."""
    sign, seconds = ("−" if seconds < 0 else ""), abs(seconds)
    if seconds < 1:
        ms = seconds * 1000
        return f"{sign}{number(ms, 1 if ms < 10 else 0)} ms"
    if seconds < 59.95:
        return f"{sign}{number(seconds, 1)} s"
    minutes = round(seconds / 60)
    if minutes < 10 and round(seconds) % 60:
        whole, rest = divmod(round(seconds), 60)
        return f"{sign}{whole} min {rest} s"
    if minutes < 60:
        return f"{sign}{minutes} min"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{sign}{hours} h" + (f" {rest} min" if rest else "")
    hours = round(seconds / 3600)
    days, rest = divmod(hours, 24)
    return f"{sign}{days} d" + (f" {rest} h" if rest else "")


def format_value(value: float | None, unit: str | None, *, near: float | None = None) -> str:
    """A value in the units people use: "99.93%", "4.6/5", "45 min", "1 h 20 min", "200 ms".
    With `near` (a target), a value that is not the target never reads as the target
    ("199.6 ms", not "200 ms", against < 200 ms)."""
    if value is None:
        return "–"
    shown = _format(value, unit)
    if near is None or value == near or shown != _format(near, unit):
        return shown
    for places in range(3, 7):
        text = number(value, places)
        if text != number(near, places):
            suffix = {"minutes": " min", "hours": " h", "seconds": " s", "days": " d"}
            name = time_unit(unit)
            if name:
                return f"{text}{suffix.get(name, ' ms')}"
            return _with_unit(text, unit)
    return shown


def _format(value: float, unit: str | None) -> str:
    name = time_unit(unit)
    if name is not None:
        return duration(value * TIME_SECONDS[name])
    return _with_unit(number(value), unit)


def _with_unit(text: str, unit: str | None) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" or unit.startswith("/") else f"{text} {unit}"


def format_change(change: float, unit: str | None) -> str:
    """A signed difference: "+5 pts" for a percentage, "+20 ms", "−0.1"."""
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    size = abs(change)
    if unit == "%":
        return f"{sign}{number(size)} pts"
    if time_unit(unit):
        return f"{sign}{format_value(size, unit)}"
    if unit and unit.startswith("/"):
        return f"{sign}{number(size)}"
    return f"{sign}{_with_unit(number(size), unit)}"


def trend(change: float | None, goal: Target | None) -> str | None:
    """ "better", "worse" or "level" relative to the goal's direction; None when unknown."""
    if change is None:
        return None
    if change == 0:
        return "level"
    higher = goal.higher_is_better if goal is not None else None
    if higher is None:
        return None
    return "better" if (change > 0) == higher else "worse"


def meets(value: float, comparator: str | None, target: float | None) -> bool | None:
    if comparator is None or target is None:
        return None
    return {
        "<": value < target,
        "<=": value <= target,
        ">": value > target,
        ">=": value >= target,
        "=": value == target,
    }[comparator]
