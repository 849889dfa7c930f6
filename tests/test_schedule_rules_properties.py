"""Properties of schedule rules: random rules built from parts, in zones with odd DST (Lord
Howe's 30-minute shift, Apia's skipped day), checked against a reference written here."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays
from apscheduler.triggers.cron import CronTrigger
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.services.schedule_rules import (
    RuleError,
    ScheduleRule,
    occurrence_key,
    occurrences_with_holidays,
    parse_rule,
)

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "UTC",
        "Pacific/Apia",
    )
]
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
PROPERTY = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Spec:
    """A rule's text and what it must mean, worked out here without the module."""

    text: str
    kind: str
    times: tuple[time, ...]
    on: Callable[[date], bool]
    anchor: date | None = None


# --- Building rules from parts --------------------------------------------------------------------

# DST changes happen at night; late evening local time is the next day in UTC west of Greenwich.
hours = st.one_of(st.integers(0, 23), st.sampled_from([0, 1, 2, 3, 22, 23]))
minutes = st.one_of(st.sampled_from([0, 15, 30, 45]), st.integers(0, 59))


@st.composite
def clock(draw) -> tuple[time, str]:
    at = time(draw(hours), draw(minutes))
    twelve = at.hour % 12 or 12
    half = "am" if at.hour < 12 else "pm"
    forms = [f"{at:%H:%M}", f"{at.hour}:{at.minute:02}", f"{twelve}:{at.minute:02}{half}"]
    if at.minute == 0:
        forms += [f"{twelve}{half}", f"{twelve} {half.upper()}"]
    written = draw(st.sampled_from(forms))
    return at, draw(st.sampled_from([written, f"at {written}"]))


def day_word(draw, day: int) -> str:
    name = DAYS[day]
    return draw(st.sampled_from([name, name.title(), name[:3], f"{name}s"]))


def day_list(draw, days: list[int]) -> str:
    words = [day_word(draw, day) for day in days]
    joiner = draw(st.sampled_from([", ", " and ", " , ", ","]))
    return joiner.join(words)


@lru_cache(maxsize=4096)
def nth_in(first: date, months: int, weekday: int, nth: int) -> date | None:
    """The nth (or last, -1) `weekday` in `months` months starting at `first`, by listing."""
    days = []
    for offset in range(months):
        year, month = first.year + (first.month - 1 + offset) // 12, (first.month - 1 + offset) % 12
        for week in calendar.Calendar().monthdatescalendar(year, month + 1):
            days += [d for d in week if d.month == month + 1 and d.weekday() == weekday]
    days = sorted(set(days))
    if nth == -1:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None


@st.composite
def natural_specs(draw) -> Spec:
    at, written_time = draw(clock())
    times = (at,)
    form = draw(
        st.sampled_from(
            ["weekly", "daily", "weekdays", "monthly_nth", "quarterly_nth", "monthly_day",
             "last_day", "interval"]
        )
    )  # fmt: skip
    anchor = None
    if form in ("weekly", "interval"):
        days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
        chosen = frozenset(days)
        if form == "weekly":
            every = draw(st.sampled_from(["every ", "on ", "", "each "]))
            text = f"{every}{day_list(draw, days)}"
            kind = "daily" if len(days) == 7 else "weekly"

            def on(d: date) -> bool:
                return d.weekday() in chosen
        else:
            weeks = draw(st.integers(2, 6))
            anchor = draw(st.dates(date(2000, 1, 1), date(2040, 12, 31)))
            days_text = day_list(draw, days)
            in_words = {2: "two", 3: "three", 4: "four"}.get(weeks, str(weeks))
            text = draw(
                st.sampled_from(
                    [
                        f"every {weeks} weeks on {days_text}",
                        f"every {in_words} weeks on {days_text}",
                        f"{days_text} every {weeks} weeks",
                    ]
                    + (
                        [
                            f"every other {days_text}", f"biweekly on {days_text}",
                            f"every second {days_text}", f"fortnightly on {days_text}",
                            f"every fortnight on {days_text}", f"{days_text} every other week",
                            f"{days_text}, fortnightly", f"{days_text} bi-weekly",
                        ]
                        if weeks == 2
                        else []
                    )
                )
            )  # fmt: skip
            kind = "interval_weeks"
            start_week = anchor.toordinal() - anchor.weekday()

            def on(d: date) -> bool:
                week = d.toordinal() - d.weekday()
                return d.weekday() in chosen and (week - start_week) // 7 % weeks == 0
    elif form == "daily":
        text, kind = draw(st.sampled_from(["every day", "daily", "each day", "Every Day"])), "daily"

        def on(d: date) -> bool:
            return True
    elif form == "weekdays":
        text = draw(st.sampled_from(["every weekday", "weekdays", "on weekdays", "mon-fri"]))
        kind = "weekly"

        def on(d: date) -> bool:
            return d.weekday() < 5
    elif form in ("monthly_nth", "quarterly_nth"):
        nth = draw(st.sampled_from([1, 2, 3, 4, 5, -1]))
        weekday = draw(st.integers(0, 6))
        unit = "month" if form == "monthly_nth" else "quarter"
        of = draw(st.sampled_from(["of the", "of every", "of each"]))
        text = f"{ORDINALS[nth]} {day_word(draw, weekday)} {of} {unit}"
        kind = form
        span = 1 if unit == "month" else 3

        def on(d: date) -> bool:
            first = date(d.year, (d.month - 1) // span * span + 1, 1)
            return nth_in(first, span, weekday, nth) == d
    elif form == "monthly_day":
        number = draw(st.integers(1, 31))
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(number)
        ordinal = f"{number}{suffix or 'th'}"
        text = draw(
            st.sampled_from(
                [f"the {ordinal} of the month", f"on the {ordinal} of every month",
                 f"every month on the {ordinal}", f"day {number} of each month"]
            )
        )  # fmt: skip
        kind = "monthly_day"

        def on(d: date) -> bool:
            return d.day == number
    else:
        text, kind = "the last day of the month", "monthly_day"

        def on(d: date) -> bool:
            return (d + timedelta(days=1)).day == 1

    text = f"{text} {written_time}" if draw(st.booleans()) else f"{written_time} {text}"
    return Spec(text, kind, times, on, anchor)


def cron_field(
    draw, low: int, high: int, names: tuple[str, ...] = (), steps: tuple[int, ...] = (2, 3, 5)
) -> tuple[str, set[int]]:
    """A cron field and the values it allows (names and 7-for-Sunday included)."""
    shape = draw(st.sampled_from(["star", "list", "range", "step"]))
    if shape == "star":
        return "*", set(range(low, high + 1))
    if shape == "list":
        values = sorted(draw(st.sets(st.integers(low, high), min_size=1, max_size=3)))
        words = [
            names[v - low] if v - low < len(names) and draw(st.booleans()) else str(v)
            for v in values
        ]
        return ",".join(words), set(values)
    if shape == "range":
        start = draw(st.integers(low, high))
        end = draw(st.integers(start, min(high, start + 3)))
        return f"{start}-{end}", set(range(start, end + 1))
    step = draw(st.sampled_from(steps))
    return f"*/{step}", set(range(low, high + 1, step))


NIGHT_HOURS = {"2": {2}, "2,3": {2, 3}, "1-3": {1, 2, 3}, "1,2": {1, 2}, "0-4": {0, 1, 2, 3, 4}}


@st.composite
def cron_specs(draw) -> Spec:
    minute_text, minute_values = cron_field(draw, 0, 59, steps=(15, 20, 30))
    if minute_text == "*":
        minute_text, minute_values = "0", {0}
    hour_text, hour_values = cron_field(draw, 0, 23, steps=(2, 6, 8))
    if draw(st.booleans()):  # the hours DST changes happen in, several times an hour
        hour_text = draw(st.sampled_from(sorted(NIGHT_HOURS)))
        hour_values = NIGHT_HOURS[hour_text]
    day_text, day_values = cron_field(draw, 1, 31)
    month_names = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov")
    month_text, month_values = cron_field(draw, 1, 12, (*month_names, "dec"))
    weekday_names = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    weekday_text, cron_weekdays = cron_field(draw, 0, 7, weekday_names)
    weekdays = {(d - 1) % 7 for d in cron_weekdays}
    either = not day_text.startswith("*") and not weekday_text.startswith("*")

    def on(d: date) -> bool:
        if d.month not in month_values:
            return False
        if either:
            return d.day in day_values or d.weekday() in weekdays
        return d.day in day_values and d.weekday() in weekdays

    if not either:  # a day that no month has (Feb 30) is refused; do not ask for it
        assume(any(day <= 28 for day in day_values))  # (Feb 29 comes every fourth year only)
    times = tuple(time(h, m) for h in sorted(hour_values) for m in sorted(minute_values))
    text = f"{minute_text} {hour_text} {day_text} {month_text} {weekday_text}"
    return Spec(text, "cron", times, on)


specs = st.one_of(natural_specs(), cron_specs())


@cache
def transitions(tz: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """The instants (to the minute) in `year` at which the zone's UTC offset changes."""
    found = []
    days = [datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=n) for n in range(367)]
    for low, high in itertools.pairwise(days):
        if low.astimezone(tz).utcoffset() != high.astimezone(tz).utcoffset():
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                same = middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            found.append(high)
    return tuple(found)


@st.composite
def zone_and_after(
    draw, first_year: int = 1995, last_year: int = 2045
) -> tuple[ZoneInfo, datetime]:
    """A zone and an instant, half the time within four days before one of its DST changes
    (Apia's skipped 30 December 2011 included), where the interesting things happen."""
    tz = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        near = transitions(tz, draw(st.integers(first_year, last_year - 1)))
        if tz.key == "Pacific/Apia" and draw(st.booleans()):
            near = transitions(tz, 2011)
        if near:
            change = draw(st.sampled_from(near))
            return tz, change - timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)))
    low, high = datetime(first_year, 1, 1), datetime(last_year, 12, 31)
    return tz, draw(st.datetimes(low, high, timezones=st.just(UTC)))


# --- The reference -------------------------------------------------------------------------------


def instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def exists(day: date, at: time, tz: ZoneInfo) -> bool:
    naive = datetime.combine(day, at)
    return instant(day, at, tz).astimezone(tz).replace(tzinfo=None) == naive


def reference(spec: Spec, tz: ZoneInfo, after: datetime, last: datetime) -> list[datetime]:
    """Every occurrence in (after, last], from listing local dates one by one."""
    found = set()
    day = after.astimezone(tz).date() - timedelta(days=2)
    while day <= last.astimezone(tz).date() + timedelta(days=2):
        if spec.on(day):
            found |= {instant(day, at, tz) for at in spec.times}
        day += timedelta(days=1)
    return sorted(when for when in found if after < when <= last)


def planned_here(spec: Spec, tz: ZoneInfo, when: datetime) -> bool:
    """`when` shows one of the rule's times on one of its days, or is such a time that a DST
    gap moved forward (then it is the local time read with the offset before the gap)."""
    local = when.astimezone(tz)
    if local.time() in spec.times and spec.on(local.date()):
        return True
    return any(
        spec.on(day) and not exists(day, at, tz) and instant(day, at, tz) == when
        for day in (local.date(), local.date() - timedelta(days=1))
        for at in spec.times
    )


# --- Properties ----------------------------------------------------------------------------------


@PROPERTY
@given(spec=specs, where=zone_and_after(), limit=st.integers(1, 20))
def test_occurrences_are_the_rules_wall_clock_times_in_order(
    spec: Spec, where: tuple[ZoneInfo, datetime], limit: int
) -> None:
    tz, after = where
    rule = parse_rule(spec.text, anchor=spec.anchor)
    assert rule.kind == spec.kind
    runs = list(rule.occurrences(after, tz, limit=limit))
    assert runs, "every rule here fires within 30 years"
    assert len(runs) <= limit
    assert all(when.tzinfo is UTC for when in runs)
    assert all(a < b for a, b in itertools.pairwise([after, *runs]))  # increasing, after `after`
    assert len({occurrence_key(when) for when in runs}) == len(runs)
    assert all(planned_here(spec, tz, when) for when in runs)
    # Nothing skipped: exactly what listing every local day finds, up to the last one.
    assert runs == reference(spec, tz, after, runs[-1])[:limit]


@PROPERTY
@given(spec=specs, where=zone_and_after(), limit=st.integers(2, 12), data=st.data())
def test_next_after_and_windows_agree_with_occurrences(
    spec: Spec, where: tuple[ZoneInfo, datetime], limit: int, data: st.DataObject
) -> None:
    tz, after = where
    rule = parse_rule(spec.text, anchor=spec.anchor)
    runs = list(rule.occurrences(after, tz, limit=limit))
    assert rule.next_after(after, tz) == runs[0]
    for earlier, later in itertools.pairwise(runs):
        assert rule.next_after(earlier, tz) == later
    split = data.draw(st.datetimes(after.replace(tzinfo=None), runs[-1].replace(tzinfo=None)))
    split = split.replace(tzinfo=UTC)
    halves = [
        *rule.occurrences(after, tz, until=split),
        *rule.occurrences(split, tz, until=runs[-1]),
    ]
    assert halves == runs


@PROPERTY
@given(spec=specs, where=zone_and_after())
def test_normalized_text_and_cron_twin_mean_the_same(
    spec: Spec, where: tuple[ZoneInfo, datetime]
) -> None:
    tz, after = where
    rule = parse_rule(spec.text, anchor=spec.anchor)
    assert parse_rule(rule.text, anchor=spec.anchor) == rule
    assert isinstance(rule.describe(), str) and rule.describe()
    if rule.cron is not None and rule.kind != "cron":
        twin = parse_rule(rule.cron)
        assert list(twin.occurrences(after, tz, limit=10)) == list(
            rule.occurrences(after, tz, limit=10)
        )


@PROPERTY
@given(
    spec=cron_specs(),  # APScheduler's own arithmetic goes wrong before 1970
    after=st.datetimes(datetime(1971, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC)),
)
def test_cron_matches_apscheduler_where_their_meanings_agree(spec: Spec, after: datetime) -> None:
    rule = parse_rule(spec.text)
    assert rule.fields is not None
    assume(not (rule.fields.day_restricted and rule.fields.weekday_restricted))  # both: AND
    minute, hour, day, month, _ = spec.text.split()
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    weekdays = ",".join(names[d] for d in sorted(rule.fields.weekdays))
    trigger = CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=weekdays, timezone=UTC
    )
    expected, previous, now = [], None, after
    for _ in range(5):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        if fire > after:
            expected.append(fire)
        previous, now = fire, fire
    assert list(rule.occurrences(after, ZoneInfo("UTC"), limit=len(expected))) == expected


@PROPERTY
@given(text=st.text(max_size=80))
def test_any_text_parses_or_raises_rule_error(text: str) -> None:
    try:
        assert isinstance(parse_rule(text), ScheduleRule)
    except RuleError as error:
        assert str(error)


WORDS = [
    *DAYS, "mon", "tues", "every", "each", "other", "on", "the", "of", "at", "and", ",", "-",
    "first", "last", "fifth", "1st", "15th", "32nd", "day", "days", "weekday", "weekend",
    "month", "quarter", "weeks", "week", "2", "0", "53", "biweekly", "daily", "9am", "13pm",
    "12am", "9:00", "25:00", "9.30", "noon", "*", "*/15", "1-5", "5-1", "0-7", "L", "1#2",
    "jan", "sun", "mon-fri", "?", "7", "60",
]  # fmt: skip


@PROPERTY
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=9))
def test_rule_like_word_soup_parses_or_raises_rule_error(words: list[str]) -> None:
    try:
        rule = parse_rule(" ".join(words))
    except RuleError as error:
        assert str(error)
        return
    assert parse_rule(rule.text, anchor=rule.anchor) == rule
    assert rule.next_after(datetime(2025, 1, 1, tzinfo=UTC), ZoneInfo("Europe/Berlin"))


REGIONS = ["DE", "DE-BY", "US-NY", "GB", "IN", "AU-NSW"]


@cache
def calendar_of(region: str) -> holidays.HolidayBase:
    country, _, subdivision = region.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)


@PROPERTY
@given(
    spec=natural_specs(),
    where=zone_and_after(2002, 2034),  # the years every region's calendar covers
    region=st.sampled_from(REGIONS),
    policy=st.sampled_from(["none", "next_working_day", "skip"]),
    days=st.integers(1, 120),
    data=st.data(),
)
def test_holiday_policies(
    spec: Spec,
    where: tuple[ZoneInfo, datetime],
    region: str,
    policy: str,
    days: int,
    data: st.DataObject,
) -> None:
    tz, after = where
    rule = parse_rule(spec.text, anchor=spec.anchor)
    until = after + timedelta(days=days)
    plain = list(rule.occurrences(after, tz, until=until))
    runs = list(occurrences_with_holidays(rule, after, tz, region, policy, until=until))
    assert all(a < b for a, b in itertools.pairwise([after, *runs]))
    assert all(when <= until for when in runs)
    public = calendar_of(region)
    if policy == "none":
        assert runs == plain
        return
    for when in runs:
        local = when.astimezone(tz)
        if local.time() in spec.times and spec.on(local.date()):  # not moved by a DST gap
            assert local.date() not in public
    kept = [w for w in plain if w.astimezone(tz).date() not in public]
    assert set(kept) <= set(runs)  # what is no holiday stays where it was
    if policy == "skip":
        assert set(runs) <= set(plain)
        return
    # The planner's windows: split anywhere (often just after a holiday the rule fires on),
    # together they hold the same occurrences.
    local_days = [after.astimezone(tz).date() + timedelta(days=n) for n in range(days + 1)]
    holidays_here = [day for day in local_days if day in public and spec.on(day)]
    if holidays_here and data.draw(st.booleans()):
        day = data.draw(st.sampled_from(holidays_here))
        hours = data.draw(st.integers(0, 96))
        split = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        split = min(max(split + timedelta(hours=hours), after), until)
    else:
        split = data.draw(st.datetimes(after.replace(tzinfo=None), until.replace(tzinfo=None)))
        split = split.replace(tzinfo=UTC)
    halves = [
        *occurrences_with_holidays(rule, after, tz, region, policy, until=split),
        *occurrences_with_holidays(rule, split, tz, region, policy, until=until),
    ]
    assert halves == runs
