"""Metric values as people read them: natural units, verdicts that name what they compare
with, cadences counted as occurrences, and forecasts that follow the target's direction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flows.commands import CommandCall
from bot.services.digests.forecast import forecast
from bot.services.metric_values import (
    Target,
    cadence_of,
    format_change,
    format_value,
    judge,
    trend,
)
from handlers import grammar as g
from tests.conftest import FROZEN_NOW
from tests.flows import run

NOW = datetime.fromisoformat(FROZEN_NOW)  # Wednesday 5 March 2025, week 10 of Q1 2025
LATENCY = Target(200, "<", "ms")


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (99.9313, "%", "99.93%"),
        (0.75, "hours", "45 min"),
        (4 / 3, "hours", "1 h 20 min"),
        (200, "ms", "200 ms"),
        (0.2, "seconds", "200 ms"),
        (1500, "ms", "1.5 s"),
        (4.6, "/5", "4.6/5"),
        (26, "hours", "1 d 2 h"),
        (150, "seconds", "2 min 30 s"),
        (3, None, "3"),
    ],
)
def test_values_in_the_units_people_use(value, unit, shown):
    assert format_value(value, unit) == shown


def test_a_value_never_reads_as_the_target_it_misses():
    assert format_value(199.6, "ms", near=200) == "199.6 ms"
    assert format_value(99.989, "%", near=99.99) == "99.989%"
    assert format_value(99.99, "%", near=99.99) == "99.99%"


def test_verdicts_name_what_they_compare_with():
    assert judge(200, LATENCY).text == "misses the < 200 ms target"
    uptime = judge(99.95, Target(99.99, ">=", "%"), Target(99.9, ">=", "%"), "Q1 2025")
    assert uptime.text == "meets the Q1 2025 milestone ≥ 99.9% (final ≥ 99.99%)"
    assert uptime.short == "Q1 2025 milestone ≥ 99.9% ✓ · final ≥ 99.99%"
    assert judge(None, LATENCY) is None and judge(5, None) is None


def test_trends_are_good_or_bad_by_the_targets_direction():
    assert trend(20, LATENCY) == "worse" and trend(-20, LATENCY) == "better"
    assert trend(5, Target(85, ">", "%")) == "better" and trend(0, LATENCY) == "level"
    assert format_change(20, "ms") == "+20 ms" and format_change(-0.1, "/5") == "−0.1"
    assert format_change(0.08, "%") == "+0.08 pts"


def test_cadences_ask_for_occurrences():
    daily = cadence_of("daily")
    assert daily.asked(date(2025, 3, 3), date(2025, 3, 7)) == 5  # Monday to Friday
    assert daily.asked(date(2025, 3, 3), date(2025, 3, 9)) == 5  # the weekend asks nothing
    monthly = cadence_of("monthly")
    assert monthly.asked(date(2025, 1, 1), date(2025, 3, 31)) == 3
    assert monthly.asked(date(2025, 1, 1), date(2025, 3, 5)) == 2
    twice = cadence_of(None, "2 per month")
    assert (twice.count, twice.unit, twice.asked(date(2025, 1, 1), date(2025, 3, 31))) == (
        2,
        "month",
        6,
    )
    assert cadence_of("weekly").asked(date(2025, 1, 1), date(2025, 1, 13)) == 1
    assert cadence_of(None, ">85%") is None


def weekly_points(values: list[float]) -> list[tuple[datetime, float]]:
    start = NOW - timedelta(days=7 * (len(values) - 1))
    return [(start + timedelta(days=7 * i), v) for i, v in enumerate(values)]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.lists(st.floats(min_value=100, max_value=400), min_size=3, max_size=8),
    st.floats(min_value=0.5, max_value=80),
)
def test_a_worsening_latency_never_reaches_its_target(values, rise):
    """Whatever came before, a latency that rose since last week is not forecast to reach
    `< 200 ms`; nor is one whose line rises."""
    values = [*values, values[-1] + rise]  # the last week got worse
    f = forecast(weekly_points(values), LATENCY, "target", now=NOW, period_end=None, recent=rise)
    assert f is None or f.state != "reaches"
    rising = [150 + 10 * i for i in range(len(values))]
    f = forecast(weekly_points(rising), LATENCY, "target", now=NOW, period_end=None)
    assert f is None or f.state in ("met", "away")


def test_a_falling_latency_reaches_its_target():
    f = forecast(weekly_points([260, 240, 220]), LATENCY, "target", now=NOW, period_end=None)
    assert (f.state, f.on) == ("reaches", date(2025, 3, 12))


# --- through /roadmap metric -------------------------------------------------------------------


@pytest.fixture
def record(session_factory, slack, roadmap):
    def record(text: str, now: datetime = NOW) -> str:
        parsed = g.parse_command(text)
        result = run(
            session_factory,
            g.COMMANDS[parsed.name].flow,
            CommandCall(parsed.command),
            team_id=slack.team_id,
            user_id=slack.alice,
            now=now,
            channel_id=slack.channel,
        )
        return result.outcome.reply.text

    return record


def test_recording_says_what_a_value_is_judged_against(record):
    assert record("metric api response time 0.2s") == (
        ":bar_chart: Recorded API response time = *200 ms* — misses the &lt; 200 ms target."
    )
    assert record("metric mttr 45m") == (
        ":bar_chart: Recorded Mean time to recovery = *45 min* :white_check_mark: "
        "meets the &lt; 1 h target."
    )
    assert "meets the Q1 2025 milestone ≥ 99.9% (final ≥ 99.99%)" in record("metric uptime 99.95")


def test_a_cadence_metric_reports_its_count(record):
    monday = datetime(2025, 3, 3, 15, tzinfo=UTC)
    record("metric deploys 1", now=monday)
    record("metric deploys 2", now=monday + timedelta(days=1))
    said = record("metric deploys 1", now=NOW)
    assert said == (
        ":bar_chart: Recorded 1 deploy for Deployment frequency: 4 deploys this week, "
        "on 3 of 3 working days (daily)."
    )


def test_daily_asks_for_a_working_day_with_one_not_a_number():
    from zoneinfo import ZoneInfo

    from bot.services.metric_values import cadence_count, cadence_of

    daily = cadence_of("daily")
    monday = datetime(2025, 3, 3, 10, tzinfo=UTC)
    week = (monday.date(), (monday + timedelta(days=4)).date())
    ten_on_monday = [(monday, 1.0)] * 10
    one_each_day = [(monday + timedelta(days=d), 1.0) for d in range(5)]
    zone = ZoneInfo("UTC")
    crammed = cadence_count(
        daily, ten_on_monday, *week, noun="deploy", window="this week", zone=zone
    )
    spread = cadence_count(daily, one_each_day, *week, noun="deploy", window="this week", zone=zone)
    assert crammed.met is False and spread.met is True
    assert crammed.text == "10 deploys this week, on 1 of 5 working days (daily)"
    assert spread.text == "5 deploys this week, on 5 of 5 working days (daily)"
