"""Schedule rules: what people may write, how it reads back, and when it fires (DST, holidays)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.services.schedule_rules import (
    DEFAULT_ANCHOR,
    RuleError,
    ScheduleRule,
    adjust_for_holidays,
    occurrence_key,
    occurrences_with_holidays,
    parse_rule,
    wall_clock,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def with_holidays(*args, **kwargs) -> list[datetime]:
    return list(occurrences_with_holidays(*args, **kwargs))


def local_days(rule: ScheduleRule, tz: ZoneInfo, start: datetime, end: datetime) -> list[date]:
    return [when.astimezone(tz).date() for when in rule.occurrences(start, tz, until=end)]


# --- What people may write -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kind", "text", "cron"),
    [
        ("every monday 09:00", "weekly", "every Monday at 09:00", "0 9 * * 1"),
        ("every weekday 09:00", "weekly", "every weekday at 09:00", "0 9 * * 1-5"),
        ("every day 08:30", "daily", "every day at 08:30", "30 8 * * *"),
        ("mondays at 9am", "weekly", "every Monday at 09:00", "0 9 * * 1"),
        ("every mon, wed 10:00", "weekly", "every Monday and Wednesday at 10:00", "0 10 * * 1,3"),
        ("every mon, wed and fri 3pm", "weekly", "every Monday, Wednesday and Friday at 15:00",
         "0 15 * * 1,3,5"),
        ("monday-friday 9am", "weekly", "every weekday at 09:00", "0 9 * * 1-5"),
        ("every sat, sun noon", "weekly", "every Saturday and Sunday at 12:00", "0 12 * * 0,6"),
        ("daily 7:05", "daily", "every day at 07:05", "5 7 * * *"),
        ("first thursday of the month 15:00", "monthly_nth",
         "first Thursday of the month at 15:00", None),
        ("second tuesday of the month 10:00", "monthly_nth",
         "second Tuesday of the month at 10:00", None),
        ("last friday of the month 14:00", "monthly_nth", "last Friday of the month at 14:00",
         None),
        ("the 1st of the month 09:00", "monthly_day", "the 1st of every month at 09:00",
         "0 9 1 * *"),
        ("on the 15th of every month 09:00", "monthly_day", "the 15th of every month at 09:00",
         "0 9 15 * *"),
        ("every month on the 22nd at 9am", "monthly_day", "the 22nd of every month at 09:00",
         "0 9 22 * *"),
        ("the last day of the month 17:00", "monthly_day", "the last day of the month at 17:00",
         None),
        ("last friday of the quarter 14:00", "quarterly_nth",
         "last Friday of the quarter at 14:00", None),
        ("first monday of the quarter 10:00", "quarterly_nth",
         "first Monday of the quarter at 10:00", None),
        ("every 2 weeks on tuesday 10:00", "interval_weeks", "every 2 weeks on Tuesday at 10:00",
         None),
        ("every 3 weeks on friday 16:00", "interval_weeks", "every 3 weeks on Friday at 16:00",
         None),
        ("every other thursday 15:00", "interval_weeks", "every 2 weeks on Thursday at 15:00",
         None),
        ("every two weeks on tuesday 15:00", "interval_weeks",
         "every 2 weeks on Tuesday at 15:00", None),
        ("every second tuesday 15:00", "interval_weeks", "every 2 weeks on Tuesday at 15:00",
         None),
        ("tuesdays every other week at 3pm", "interval_weeks",
         "every 2 weeks on Tuesday at 15:00", None),
        ("every tuesday, fortnightly 15:00", "interval_weeks",
         "every 2 weeks on Tuesday at 15:00", None),
        ("every second tuesday of the month 10:00", "monthly_nth",
         "second Tuesday of the month at 10:00", None),
        ("0 9 * * 1", "cron", "0 9 * * 1", "0 9 * * 1"),
        ("30 14 1-7 * 4", "cron", "30 14 1-7 * 4", "30 14 1-7 * 4"),
        ("  */15   9-17 * * MON-FRI ", "cron", "*/15 9-17 * * mon-fri", "*/15 9-17 * * mon-fri"),
    ],
)  # fmt: skip
def test_each_rule_form(written: str, kind: str, text: str, cron: str | None) -> None:
    rule = parse_rule(written, anchor=date(2025, 3, 5))
    assert (rule.kind, rule.text, rule.cron) == (kind, text, cron)
    # The normalized text is itself a rule meaning the same thing.
    assert parse_rule(rule.text, anchor=date(2025, 3, 5)) == rule


@pytest.mark.parametrize(
    "written",
    [
        "every monday 09:00",
        "Every Monday 9:00",
        "EVERY   MONDAY   AT   9AM",
        "every monday at 09:00",
        "mondays 9 am",
        "on mondays at 9:00 a.m.",
        "at 9am every monday",
        "every mon 09.00",
        "every monday at 9",
    ],
)
def test_forgiving_about_case_spaces_and_time_formats(written: str) -> None:
    assert parse_rule(written) == parse_rule("every monday 09:00")


@pytest.mark.parametrize(
    ("written", "at"),
    [
        ("every day 3pm", time(15)),
        ("every day 15:00", time(15)),
        ("every day 12am", time(0)),
        ("every day 12pm", time(12)),
        ("every day 12:30am", time(0, 30)),
        ("every day 11:45 pm", time(23, 45)),
        ("every day noon", time(12)),
        ("every day at midnight", time(0)),
    ],
)
def test_times_of_day(written: str, at: time) -> None:
    assert parse_rule(written).at == at


def test_rules_are_plain_comparable_values() -> None:
    assert parse_rule("every 2 weeks on tuesday 10:00", anchor=date(2025, 3, 3)) == parse_rule(
        "every 2 weeks on tuesday 10:00", anchor=date(2025, 3, 9)
    )  # the same ISO week
    assert parse_rule("every 2 weeks on tuesday 10:00", anchor=date(2025, 3, 3)) != parse_rule(
        "every 2 weeks on tuesday 10:00", anchor=date(2025, 3, 10)
    )
    assert parse_rule("every monday 09:00", anchor=date(2025, 3, 3)) == parse_rule(
        "every monday 09:00"
    )  # the anchor only matters to interval rules
    assert len({parse_rule("every monday 09:00"), parse_rule("mondays 9am")}) == 1


# --- Shown back in words -----------------------------------------------------------------------


def test_describe_cron_with_cron_descriptor() -> None:
    assert parse_rule("0 9 * * 1").describe() == "At 09:00 AM, only on Monday"
    assert parse_rule("0 9 * * 1-5").describe() == "At 09:00 AM, Monday through Friday"
    assert parse_rule("0 9 * * 7").describe() == "At 09:00 AM, only on Sunday"


def test_describe_cron_day_and_weekday_says_either_matches() -> None:
    described = parse_rule("30 14 1-7 * 4").describe()
    assert described.startswith("At 02:30 PM, between day 1 and 7 of the month, or on Thursday")
    assert "first thursday of the month 14:30" in described


def test_describe_natural_rules_is_their_normalized_text() -> None:
    assert parse_rule("every monday 9am").describe() == "every Monday at 09:00"
    assert parse_rule("last friday of the quarter 2pm").describe() == (
        "last Friday of the quarter at 14:00"
    )
    assert parse_rule("every 2 weeks on tuesday 10:00", anchor=date(2025, 3, 5)).describe() == (
        "every 2 weeks on Tuesday at 10:00, counting weeks from the week of 3 March 2025"
    )
    assert parse_rule("the 31st of the month 09:00").describe() == (
        "the 31st of every month at 09:00 (skipped in months without that day)"
    )


# --- Next occurrences ----------------------------------------------------------------------------


def test_next_occurrences_for_chosen_instants() -> None:
    rule = parse_rule("every monday 09:00")
    # Monday 2025-03-03 09:00 in Berlin (winter, UTC+1) is 08:00Z.
    assert rule.next_after(utc(2025, 3, 1), BERLIN) == utc(2025, 3, 3, 8)
    # Strictly after: at the very instant of one occurrence, the next one is a week later.
    assert rule.next_after(utc(2025, 3, 3, 8), BERLIN) == utc(2025, 3, 10, 8)
    assert rule.next_after(utc(2025, 3, 3, 7, 59, 59), BERLIN) == utc(2025, 3, 3, 8)
    # `after` may be in any zone; the answer is always UTC.
    after = datetime(2025, 3, 3, 8, 30, tzinfo=BERLIN)
    assert rule.next_after(after, BERLIN) == utc(2025, 3, 3, 8)
    assert rule.next_after(after, BERLIN).tzinfo is UTC


def test_an_evening_time_west_of_greenwich_is_the_next_day_in_utc() -> None:
    rule = parse_rule("every monday 21:00")
    # Monday 2025-03-03 21:00 EST is Tuesday 02:00Z: still next, an hour after Tuesday began.
    assert rule.next_after(utc(2025, 3, 4, 1), NEW_YORK) == utc(2025, 3, 4, 2)
    east = parse_rule("every monday 01:00")  # Monday 01:00 in Kolkata is Sunday 19:30Z
    assert east.next_after(utc(2025, 3, 2, 19), ZoneInfo("Asia/Kolkata")) == utc(2025, 3, 2, 19, 30)


def test_occurrences_respect_limit_and_until() -> None:
    rule = parse_rule("every day 09:00")
    after = utc(2025, 1, 1)
    assert len(list(rule.occurrences(after, ZoneInfo("UTC"), limit=5))) == 5
    assert list(rule.occurrences(after, ZoneInfo("UTC"), limit=0)) == []
    until = utc(2025, 1, 3, 9)  # inclusive
    assert list(rule.occurrences(after, ZoneInfo("UTC"), until=until)) == [
        utc(2025, 1, 1, 9),
        utc(2025, 1, 2, 9),
        utc(2025, 1, 3, 9),
    ]
    with pytest.raises(ValueError, match="timezone-aware"):
        rule.next_after(datetime(2025, 1, 1), BERLIN)


def test_cron_weekdays_are_cron_weekdays_not_apschedulers() -> None:
    # APScheduler 3's from_crontab reads 1 as Tuesday; cron (and this module) read Monday.
    assert CronTrigger.from_crontab("0 9 * * 1", timezone=UTC).get_next_fire_time(
        None, utc(2025, 3, 1)
    ) == utc(2025, 3, 4, 9)
    assert parse_rule("0 9 * * 1").next_after(utc(2025, 3, 1), ZoneInfo("UTC")) == utc(
        2025, 3, 3, 9
    )
    sundays = [parse_rule(f"0 9 * * {day}") for day in ("0", "7", "sun", "SUN")]
    assert {rule.next_after(utc(2025, 3, 1), ZoneInfo("UTC")) for rule in sundays} == {
        utc(2025, 3, 2, 9)
    }
    every_other = parse_rule("0 9 * * */2")  # Sunday, Tuesday, Thursday, Saturday
    days = local_days(every_other, ZoneInfo("UTC"), utc(2025, 3, 2), utc(2025, 3, 9))
    assert [d.strftime("%a") for d in days] == ["Sun", "Tue", "Thu", "Sat"]


def test_cron_day_and_weekday_both_restricted_means_either() -> None:
    rule = parse_rule("30 14 1-7 * 4")
    days = local_days(rule, ZoneInfo("UTC"), utc(2025, 1, 1), utc(2025, 1, 31))
    assert days == [date(2025, 1, d) for d in (1, 2, 3, 4, 5, 6, 7, 9, 16, 23, 30)]


# --- Wall-clock time across DST ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # Berlin: summer time 2025-03-30 to 2025-10-26.
        (BERLIN, [utc(2025, 3, 24, 8), utc(2025, 3, 31, 7), utc(2025, 10, 20, 7),
                  utc(2025, 10, 27, 8)]),
        # New York: daylight time 2025-03-09 to 2025-11-02.
        (NEW_YORK, [utc(2025, 3, 3, 14), utc(2025, 3, 10, 13), utc(2025, 10, 27, 13),
                    utc(2025, 11, 3, 14)]),
    ],
)  # fmt: skip
def test_weekly_0900_stays_0900_local_across_both_dst_changes(
    zone: ZoneInfo, expected: list[datetime]
) -> None:
    rule = parse_rule("every monday 09:00")
    year = list(rule.occurrences(utc(2025, 1, 1), zone, until=utc(2026, 1, 1)))
    assert len(year) == 52
    assert {(w.astimezone(zone).weekday(), w.astimezone(zone).time()) for w in year} == {
        (0, time(9))
    }
    for when in expected:
        assert when in year
    assert {w.utcoffset() for w in year} == {timedelta(0)}


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc", "expected_local"),
    [
        (BERLIN, date(2025, 3, 30), utc(2025, 3, 30, 1, 30), time(3, 30)),
        (NEW_YORK, date(2025, 3, 9), utc(2025, 3, 9, 7, 30), time(3, 30)),
    ],
)
def test_a_time_skipped_by_spring_forward_moves_forward_by_the_gap(
    zone: ZoneInfo, day: date, expected_utc: datetime, expected_local: time
) -> None:
    assert wall_clock(day, time(2, 30), zone) == expected_utc
    rule = parse_rule("every day 02:30")
    runs = list(rule.occurrences(utc(day.year, day.month, day.day - 1), zone, limit=3))
    assert runs[1] == expected_utc
    assert [r.astimezone(zone).time() for r in runs] == [time(2, 30), expected_local, time(2, 30)]


@pytest.mark.parametrize(
    ("zone", "written", "day", "first_instant"),
    [
        (BERLIN, "every day 02:30", date(2025, 10, 26), utc(2025, 10, 26, 0, 30)),
        (NEW_YORK, "every day 01:30", date(2025, 11, 2), utc(2025, 11, 2, 5, 30)),
        (BERLIN, "30 2 * * *", date(2025, 10, 26), utc(2025, 10, 26, 0, 30)),
    ],
)
def test_a_time_repeated_in_autumn_fires_once_the_first_time(
    zone: ZoneInfo, written: str, day: date, first_instant: datetime
) -> None:
    rule = parse_rule(written)
    start = datetime.combine(day - timedelta(days=1), time(12), tzinfo=UTC)
    runs = list(rule.occurrences(start, zone, until=start + timedelta(days=2)))
    on_the_day = [r for r in runs if r.astimezone(zone).date() == day]
    assert on_the_day == [first_instant]
    assert on_the_day[0].astimezone(zone).fold == 0


def test_times_moved_by_a_gap_stay_in_order() -> None:
    # Lord Howe springs forward half an hour at 02:00: 02:15 becomes 02:45, after 02:40.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    rule = parse_rule("15,40 2 * * *")
    runs = list(rule.occurrences(utc(2025, 10, 4, 12), lord_howe, limit=3))
    assert [r.astimezone(lord_howe).strftime("%d %H:%M%z") for r in runs] == [
        "05 02:40+1100",
        "05 02:45+1100",
        "06 02:15+1100",
    ]
    # Berlin: 02:45 becomes 03:45, after the 03:10 that really happens.
    rule = parse_rule("10,45 2,3 * * *")
    runs = list(rule.occurrences(utc(2025, 3, 30), BERLIN, limit=3))
    assert [r.astimezone(BERLIN).strftime("%H:%M") for r in runs] == ["03:10", "03:45", "02:10"]


def test_apia_skipped_30_december_2011() -> None:
    apia = ZoneInfo("Pacific/Apia")
    runs = list(parse_rule("every day 09:00").occurrences(utc(2011, 12, 28), apia, limit=3))
    assert [r.astimezone(apia).date().day for r in runs] == [28, 29, 31]
    friday = parse_rule("every friday 09:00")  # 30 December was a Friday, and did not exist
    assert friday.next_after(utc(2011, 12, 28), apia).astimezone(apia) == datetime(
        2011, 12, 31, 9, tzinfo=apia
    )


def test_every_half_hour_in_cron_through_both_berlin_changes() -> None:
    rule = parse_rule("*/30 * * * *")
    spring = list(rule.occurrences(utc(2025, 3, 30, 0, 10), BERLIN, limit=4))
    assert [r.astimezone(BERLIN).strftime("%H:%M%z") for r in spring] == [
        "01:30+0100",
        "03:00+0200",  # 02:00 and 02:30 do not exist; moved by the gap they are 03:00 and 03:30
        "03:30+0200",
        "04:00+0200",
    ]
    autumn = list(rule.occurrences(utc(2025, 10, 26, 0, 10), BERLIN, limit=3))
    assert [r.astimezone(BERLIN).strftime("%H:%M%z") for r in autumn] == [
        "02:30+0200",
        "03:00+0100",  # 02:00 and 02:30 CET repeat wall-clock times that already fired
        "03:30+0100",
    ]


# --- Monthly and quarterly -----------------------------------------------------------------------


def test_last_friday_of_the_quarter_over_2025() -> None:
    rule = parse_rule("last friday of the quarter 14:00")
    assert local_days(rule, BERLIN, utc(2025, 1, 1), utc(2026, 1, 1)) == [
        date(2025, 3, 28),
        date(2025, 6, 27),
        date(2025, 9, 26),
        date(2025, 12, 26),
    ]
    assert rule.next_after(utc(2025, 1, 1), BERLIN) == utc(2025, 3, 28, 13)
    assert rule.next_after(utc(2025, 6, 1), BERLIN) == utc(2025, 6, 27, 12)  # summer time


def test_first_monday_of_the_quarter_over_2025() -> None:
    rule = parse_rule("first monday of the quarter 10:00")
    assert local_days(rule, BERLIN, utc(2025, 1, 1), utc(2026, 1, 1)) == [
        date(2025, 1, 6),
        date(2025, 4, 7),
        date(2025, 7, 7),
        date(2025, 10, 6),
    ]


def test_first_thursday_of_the_month_over_a_year() -> None:
    rule = parse_rule("first thursday of the month 15:00")
    days = local_days(rule, BERLIN, utc(2025, 1, 1), utc(2026, 1, 1))
    assert [d.day for d in days] == [2, 6, 6, 3, 1, 5, 3, 7, 4, 2, 6, 4]
    assert [d.month for d in days] == list(range(1, 13))
    assert all(w.astimezone(BERLIN).hour == 15 for w in rule.occurrences(utc(2025, 1, 1), BERLIN))


def test_fifth_weekday_and_day_31_skip_months_without_them() -> None:
    fifth = parse_rule("fifth friday of the month 09:00")
    assert local_days(fifth, BERLIN, utc(2025, 1, 1), utc(2025, 7, 1)) == [
        date(2025, 1, 31),
        date(2025, 5, 30),
    ]
    day_31 = parse_rule("the 31st of every month 09:00")
    months = [d.month for d in local_days(day_31, BERLIN, utc(2025, 1, 1), utc(2026, 1, 1))]
    assert months == [1, 3, 5, 7, 8, 10, 12]
    last_day = parse_rule("the last day of the month 09:00")
    days = local_days(last_day, BERLIN, utc(2024, 1, 1), utc(2024, 4, 1))
    assert days == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]


# --- Every N weeks -----------------------------------------------------------------------------


def test_biweekly_counts_from_the_anchor_week() -> None:
    created_wednesday = parse_rule("every 2 weeks on tuesday 10:00", anchor=date(2025, 3, 5))
    days = local_days(created_wednesday, BERLIN, utc(2025, 3, 1), utc(2025, 4, 30))
    assert days == [date(2025, 3, 4), date(2025, 3, 18), date(2025, 4, 1), date(2025, 4, 15),
                    date(2025, 4, 29)]  # fmt: skip
    next_week = parse_rule("every 2 weeks on tuesday 10:00", anchor=date(2025, 3, 12))
    days = local_days(next_week, BERLIN, utc(2025, 3, 1), utc(2025, 4, 30))
    assert days == [date(2025, 3, 11), date(2025, 3, 25), date(2025, 4, 8), date(2025, 4, 22)]
    # Across a year boundary the weeks keep counting (2025-W53 does not exist; 2026-W01 does).
    days = local_days(created_wednesday, BERLIN, utc(2025, 12, 15), utc(2026, 1, 31))
    assert days == [date(2025, 12, 23), date(2026, 1, 6), date(2026, 1, 20)]


def test_every_three_weeks_and_the_default_anchor() -> None:
    rule = parse_rule("every 3 weeks on friday 16:00", anchor=date(2025, 3, 3))
    days = local_days(rule, NEW_YORK, utc(2025, 3, 1), utc(2025, 5, 1))
    assert days == [date(2025, 3, 7), date(2025, 3, 28), date(2025, 4, 18)]
    assert parse_rule("every 3 weeks on friday 16:00").anchor == DEFAULT_ANCHOR
    assert parse_rule("every 1 week on friday 16:00") == parse_rule("every friday 16:00")


# --- Holidays ------------------------------------------------------------------------------------


def test_german_unity_day() -> None:
    unity_day = date(2025, 10, 3)  # a Friday
    assert adjust_for_holidays(unity_day, "DE", "next_working_day") == date(2025, 10, 6)
    assert adjust_for_holidays(unity_day, "DE", "skip") is None
    assert adjust_for_holidays(unity_day, "DE", "none") == unity_day
    assert adjust_for_holidays(unity_day, None, "skip") == unity_day
    assert adjust_for_holidays(date(2025, 10, 2), "DE", "skip") == date(2025, 10, 2)


def test_holidays_by_subdivision_and_in_a_row() -> None:
    assert adjust_for_holidays(date(2025, 7, 4), "US-NY", "next_working_day") == date(2025, 7, 7)
    assert adjust_for_holidays(date(2025, 7, 4), "us-ny", "skip") is None
    epiphany = date(2025, 1, 6)  # a holiday in Bavaria, not in Germany as a whole
    assert adjust_for_holidays(epiphany, "DE-BY", "skip") is None
    assert adjust_for_holidays(epiphany, "DE", "skip") == epiphany
    # Christmas Day and Boxing Day, then a weekend: the next working day is Monday the 29th.
    assert adjust_for_holidays(date(2025, 12, 25), "DE", "next_working_day") == date(2025, 12, 29)


def test_holiday_settings_that_are_not_understood() -> None:
    with pytest.raises(RuleError, match="region"):
        adjust_for_holidays(date(2025, 10, 3), "XX", "skip")
    with pytest.raises(RuleError, match="holiday region"):
        adjust_for_holidays(date(2025, 10, 3), "not a region!", "skip")
    with pytest.raises(RuleError, match="next_working_day"):
        adjust_for_holidays(date(2025, 10, 3), "DE", "sometimes")


def test_occurrences_with_holidays_move_keep_local_time_and_skip() -> None:
    fridays = parse_rule("every friday 09:00")
    moved = with_holidays(fridays, utc(2025, 9, 30), BERLIN, "DE", "next_working_day", limit=3)
    assert moved == [utc(2025, 10, 6, 7), utc(2025, 10, 10, 7), utc(2025, 10, 17, 7)]
    skipped = with_holidays(fridays, utc(2025, 9, 30), BERLIN, "DE", "skip", limit=2)
    assert skipped == [utc(2025, 10, 10, 7), utc(2025, 10, 17, 7)]
    plain = with_holidays(fridays, utc(2025, 9, 30), BERLIN, "DE", "none", limit=1)
    assert plain == [utc(2025, 10, 3, 7)]
    july = with_holidays(fridays, utc(2025, 7, 1), NEW_YORK, "US-NY", "next_working_day", limit=2)
    assert july == [utc(2025, 7, 7, 13), utc(2025, 7, 11, 13)]  # 09:00 EDT


def test_a_moved_occurrence_keeps_the_rules_time_not_the_gaps() -> None:
    # Easter Sunday 2024 (a holiday in Brandenburg) was also the day Berlin sprang forward:
    # 02:30 did not exist and became 03:30. Moved past Easter Monday, it is 02:30 again.
    sundays = parse_rule("every sunday 02:30")
    plain = sundays.next_after(utc(2024, 3, 30), BERLIN)
    assert plain.astimezone(BERLIN).strftime("%d %H:%M") == "31 03:30"
    moved = with_holidays(sundays, utc(2024, 3, 30), BERLIN, "DE-BB", "next_working_day", limit=1)
    assert [m.astimezone(BERLIN).strftime("%a %d %H:%M") for m in moved] == ["Tue 02 02:30"]


def test_occurrences_moved_onto_the_same_instant_fire_once() -> None:
    daily = parse_rule("every day 09:00")
    end = utc(2025, 10, 8)
    runs = with_holidays(daily, utc(2025, 10, 1), BERLIN, "DE", "next_working_day", until=end)
    days = [r.astimezone(BERLIN).date() for r in runs]
    # The 3rd moves onto Monday the 6th, which has its own occurrence: one post, in order.
    assert days == [date(2025, 10, d) for d in (1, 2, 4, 5, 6, 7)]


def test_a_moved_occurrence_belongs_to_the_window_it_moved_into() -> None:
    fridays = parse_rule("every friday 09:00")
    windows = [utc(2025, 9, 28), utc(2025, 10, 4), utc(2025, 10, 12)]
    parts = [
        with_holidays(fridays, start, BERLIN, "DE", "next_working_day", until=end)
        for start, end in itertools.pairwise(windows)
    ]
    assert parts == [[], [utc(2025, 10, 6, 7), utc(2025, 10, 10, 7)]]


# --- Keys ----------------------------------------------------------------------------------------


def test_occurrence_key() -> None:
    assert occurrence_key(utc(2025, 3, 3, 8)) == "2025-03-03T08:00Z"
    assert occurrence_key(datetime(2025, 3, 3, 9, tzinfo=BERLIN)) == "2025-03-03T08:00Z"
    every_five_minutes = parse_rule("*/5 * * * *").occurrences(utc(2025, 1, 1), BERLIN, limit=500)
    keys = [occurrence_key(when) for when in every_five_minutes]
    assert len(set(keys)) == 500
    with pytest.raises(ValueError):
        occurrence_key(datetime(2025, 3, 3, 8))


# --- Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("", "Tell me when it should happen"),
        ("   ", "Tell me when it should happen"),
        ("every monday", "needs a time of day, e.g. “every monday 09:00”"),
        ("last friday of the quarter", "needs a time of day"),
        ("every mondya 9am", "Did you mean “monday”?"),
        ("every monday 9", "write the time of day as 09:00 or 9am"),
        ("every monday 25:00", "“25:00” is not a time of day"),
        ("every monday 13pm", "“13pm” is not a time of day"),
        ("every monday 9:75", "is not a time of day"),
        ("every 0 weeks on monday 9am", "every 1 to 52 weeks"),
        ("the 32nd of the month 9am", "days 1 to 31"),
        ("first day of the quarter 9am", "For quarters I can do a weekday"),
        ("every fortnight of the month 9am", "For monthly and quarterly rules"),
        ("fortnightly 15:00", "needs a day of the week, e.g. “every 2 weeks on tuesday 10:00”"),
        ("every other week at 9am", "needs a day of the week"),
        ("please post sometimes", "as a schedule"),
        ("0 9 * *", "has 4 fields, but a cron expression has 5"),
        ("0 9 * * 8", "day of the week goes from 0 to 7"),
        ("60 9 * * *", "minute goes from 0 to 59"),
        ("0 9 L * *", "not a valid cron expression"),
        ("0 9 * * 1#2", "not a valid cron expression"),
        ("0 9 5-1 * *", "runs backwards"),
        ("0 0 30 2 *", "never happens"),
        ("every monday " + "x" * 300, "too long"),
    ],
)
def test_errors_are_friendly(written: str, says: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule(written)
    assert says in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_unreadable_rules_list_examples() -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule("whenever the moon is full")
    message = str(caught.value)
    for example in ("every monday 09:00", "last friday of the quarter 14:00", "0 9 * * 1"):
        assert example in message


# --- Purity ------------------------------------------------------------------------------------


def test_module_needs_no_database_or_slack() -> None:
    code = (
        "import sys, bot.services.schedule_rules\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'slack_sdk', 'slack_bolt')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
