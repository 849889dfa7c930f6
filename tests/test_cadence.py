"""One count of a cadence for one instant: the knowledge-sharing sessions held against what
"Monthly" asks, the same in the weekly digest, /roadmap metrics, /roadmap metric <name> and
the quarterly digest; the window stops at the period's end once it ended."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.blocks.digests import digest_text
from bot.blocks.rituals import OccurrenceRef
from bot.flows import rituals as ritual_flows
from bot.flows.commands import CommandCall, ExplainMetric, ListMetrics, RecordMetric
from bot.flows.metrics import list_metrics, metric
from bot.flows.outcome import Update
from bot.flows.rituals import OccurrenceButton, Reminder
from bot.services import rituals
from bot.services.digests import quarterly_digest, weekly_digest
from models import Schedule, Workspace
from tests.flows import run

ADMIN = {"is_admin": True, "tz": "UTC"}
REMINDER = Reminder("C0REMINDER", "1741168800.000100")
HELD_ON = (date(2025, 4, 10), date(2025, 5, 8), date(2025, 7, 10))


@pytest.fixture
def held(session_factory, roadmap, slack):
    """Three sessions marked held on their day through the reminder's button: two in Q2 2025
    (April and May), one in Q3-Q4 2025 (July)."""
    for day in HELD_ON:
        with session_factory() as db, db.begin():
            workspace = db.get(Workspace, roadmap)
            schedule = db.scalar(
                select(Schedule).where(
                    Schedule.workspace_id == roadmap, Schedule.kind == "knowledge_sharing"
                )
            )
            occurrence = rituals.prepare_occurrence(
                session=db, workspace=workspace, schedule=schedule, occurrence_date=day
            )
            ref = OccurrenceRef(occurrence.id, 1, datetime(day.year, day.month, day.day, 13))
        on_the_day = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
        result = run(
            session_factory,
            ritual_flows.mark_held,
            OccurrenceButton(ref, REMINDER),
            team_id=slack.team_id,
            user_id=slack.admin,
            now=on_the_day,
            users={slack.admin: ADMIN},
        )
        assert "Held" in json.dumps([u.message.to_dict() for u in result.effects.of_type(Update)])
    return roadmap


def ask(session_factory, slack, command, now):
    flow = list_metrics if isinstance(command, ListMetrics) else metric
    result = run(
        session_factory,
        flow,
        CommandCall(command),
        team_id=slack.team_id,
        user_id=slack.admin,
        now=now,
        users={slack.admin: ADMIN},
    )
    return "\n".join(
        m.text + json.dumps([b.to_dict() for b in m.blocks]) for m in result.effects.replies
    )


def weekly(session_factory, workspace_id, now) -> str:
    with session_factory() as db:
        workspace = db.get(Workspace, workspace_id)
        return digest_text(weekly_digest(session=db, workspace=workspace, now=now))


def quarterly(session_factory, workspace_id, now, period) -> str:
    with session_factory() as db:
        workspace = db.get(Workspace, workspace_id)
        return digest_text(
            quarterly_digest(session=db, workspace=workspace, now=now, period_label=period)
        )


def knowledge_line(text: str) -> str:
    lines = [x for x in text.splitlines() if "Knowledge sharing" in x and "asks" in x]
    assert len(lines) == 1, text
    return lines[0]


def asks(text: str) -> set[str]:
    return set(re.findall(r"\d+ sessions? [^·\n\"]*?monthly asks \d+", text))


def test_every_place_says_the_same_count_for_the_same_instant(session_factory, slack, held):
    now = datetime(2025, 5, 14, 9, tzinfo=UTC)  # Q2 2025: one whole month gone, two held
    line = knowledge_line(weekly(session_factory, held, now))
    assert "2 sessions so far in Q2 2025, monthly asks 1 ✓" in line
    assert asks(line) == {"2 sessions so far in Q2 2025, monthly asks 1"}, line
    listed = ask(session_factory, slack, ListMetrics(), now)
    assert asks(listed) == {"2 sessions so far in Q2 2025, monthly asks 1"}, listed
    explained = ask(session_factory, slack, ExplainMetric("knowledge sharing"), now)
    assert "Right now: 2 sessions so far in Q2 2025, monthly asks 1." in explained


def test_an_ended_period_asks_only_for_its_own_months(session_factory, slack, held):
    late = datetime(2026, 12, 2, 9, tzinfo=UTC)  # the roadmap's last period ended a year ago
    said = "1 session in Q3-Q4 2025, monthly asks 6"
    line = knowledge_line(weekly(session_factory, held, late))
    assert said in line and asks(line) == {said}, line
    assert asks(ask(session_factory, slack, ListMetrics(), late)) == {said}
    assert f"Right now: {said}." in ask(
        session_factory, slack, ExplainMetric("knowledge sharing"), late
    )
    assert said in knowledge_line(quarterly(session_factory, held, late, "Q3-Q4 2025"))


def test_a_session_typed_by_hand_counts_once_beside_the_held_ones(session_factory, slack, held):
    """`/roadmap metric knowledge sharing 1` records a session the reminder did not: it counts
    with the two held in Q2 (whose clicks and the bot's daily totals are not counted again)."""
    now = datetime(2025, 5, 20, 9, tzinfo=UTC)
    typed = ask(session_factory, slack, RecordMetric("knowledge sharing", 1), now)
    assert "3 sessions so far in Q2 2025, monthly asks 1" in typed
    line = knowledge_line(weekly(session_factory, held, now))
    assert asks(line) == {"3 sessions so far in Q2 2025, monthly asks 1"}, line
    assert asks(ask(session_factory, slack, ListMetrics(), now)) == {
        "3 sessions so far in Q2 2025, monthly asks 1"
    }
    assert "stands for today" not in typed and "source" not in typed  # it simply counts


def test_no_session_yet_is_a_real_zero_in_every_place(session_factory, slack, roadmap):
    """The rituals source records its count daily, so a period with no session held yet says
    "0 sessions" (short of the ask) in the digest as in /roadmap metrics, not "no readings"."""
    from bot.services import team_metrics

    now = datetime(2025, 5, 14, 9, tzinfo=UTC)
    with session_factory() as db, db.begin():
        team_metrics.refresh(db, db.get(Workspace, roadmap), now)
    said = "0 sessions so far in Q2 2025, monthly asks 1"
    line = knowledge_line(weekly(session_factory, roadmap, now))
    assert asks(line) == {said}, line
    assert asks(ask(session_factory, slack, ListMetrics(), now)) == {said}
