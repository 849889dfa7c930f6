"""The digests' pictures: which a digest has, that the summary promises exactly those, that
they are drawn at Slack's preview size in under 300 ms, and every way to see them before
anything is posted (the CLI's --charts, the DM of a private preview, the console's folder)."""

from __future__ import annotations

import importlib.util
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.blocks.digests.style import announced
from bot.cli import main
from bot.console.surfaces import save_file
from bot.flows.commands import CommandCall
from bot.flows.outcome import Upload
from bot.scheduling.pacing import Pacer
from bot.services.charts import draw, planned_charts
from bot.services.digests import quarterly_digest, weekly_digest
from handlers import grammar as g
from tests.conftest import FROZEN_NOW
from tests.flows import run

PNG = b"\x89PNG\r\n\x1a\n"
AS_OF = datetime(2025, 4, 1, 23, 59, tzinfo=UTC)
NOW = datetime.fromisoformat(FROZEN_NOW)
SAMPLE_HISTORY = Path(__file__).parent.parent / "examples" / "sample_history.py"


def _sample_history():
    spec = importlib.util.spec_from_file_location("sample_history", SAMPLE_HISTORY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sample(session):
    """The sample roadmap with Q1 2025's history (examples/sample_history.py)."""
    workspace = _sample_history().seed(session)
    session.commit()
    return workspace


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG
    return struct.unpack(">II", png[16:24])


def test_the_quarterly_digest_has_a_goals_chart_and_a_metrics_chart(session, sample):
    d = quarterly_digest(session=session, workspace=sample, period_label=None, now=AS_OF)
    plans = planned_charts(d)
    assert [p.kind for p in plans] == ["goals", "metrics"]
    summary, _details = quarterly_digest_messages(d)
    assert announced(summary) == ({"achieved", "not-done", "metrics"}, {"goals", "metrics"})
    for plan in plans:  # (how long they take is measured in bench/charts.py, not here)
        assert size(draw(plan, d)) == (1200, 675)
    # Without readings in the period, no metrics chart is promised.
    next_one = quarterly_digest(
        session=session, workspace=sample, period_label="Q2 2025", now=AS_OF
    )
    assert [p.kind for p in planned_charts(next_one)] == ["goals"]
    assert announced(quarterly_digest_messages(next_one)[0])[1] == {"goals"}


def test_the_weekly_picture_is_optional(session, sample):
    now = datetime(2025, 3, 5, 10, tzinfo=UTC)
    d = weekly_digest(session=session, workspace=sample, now=now)
    assert planned_charts(d) == [] and announced(weekly_digest_messages(d)[0])[1] == set()
    sample.settings = {**sample.settings, "digest_images": "on"}
    d = weekly_digest(session=session, workspace=sample, now=now)
    (plan,) = planned_charts(d)
    assert plan.kind == "sparklines" and announced(weekly_digest_messages(d)[0])[1] == {
        "sparklines"
    }
    width, height = size(draw(plan, d))
    assert width == 1200 and height <= 675


def test_cli_preview_writes_the_charts(settings, session, sample, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    charts = tmp_path / "charts"
    argv = ["digest", "quarterly", "--team", sample.team_id, "--preview", "--as-of", "2025-04-01"]
    assert main([*argv, "--charts", str(charts)]) == 0
    out = capsys.readouterr().out
    goals, metrics = charts / "roadmap-q1-2025-goals.png", charts / "roadmap-q1-2025-metrics.png"
    assert f"Chart: {goals}" in out and f"Chart: {metrics}" in out
    assert size(goals.read_bytes()) == size(metrics.read_bytes()) == (1200, 675)
    for category in ("Technical Objectives", "Team Development", "Process Improvements"):
        assert category in out
    assert "Deployment frequency 45 deploys in Q1 2025, on " in out
    assert " of 64 working days (daily) ✗" in out
    assert "API response time 212 ms on 24 Mar · target < 200 ms ✗" in out
    assert main(["digest", "weekly", "--team", sample.team_id, "--charts", str(charts)]) == 2
    assert "--charts writes the pictures of a --preview" in capsys.readouterr().err
    weekly = ["digest", "weekly", "--team", sample.team_id, "--preview", "--as-of", "2025-03-05"]
    assert main([*weekly, "--charts", str(charts)]) == 0
    assert "No charts: the weekly digest adds one with" in capsys.readouterr().out


def test_a_private_preview_sends_its_charts_to_my_dm(session_factory, slack, roadmap):
    parsed = g.parse_command("digest quarterly preview")
    result = run(
        session_factory,
        g.COMMANDS[parsed.name].flow,
        CommandCall(parsed.command, response_url="https://hooks.example/1"),
        team_id=slack.team_id,
        user_id=slack.alice,
        now=NOW,
        channel_id=slack.channel,
    )
    uploads = result.effects.of_type(Upload)
    assert [u.filename for u in uploads] == ["roadmap-q1-2025-goals.png"]
    assert all(u.channel == slack.alice and u.content[:8] == PNG for u in uploads)
    assert "Its 1 chart went to your DM with me." in str(result.effects)


def test_config_digest_images(session_factory, slack, roadmap):
    def ask(text: str):
        parsed = g.parse_command(text)
        return run(
            session_factory,
            g.COMMANDS[parsed.name].flow,
            CommandCall(parsed.command),
            team_id=slack.team_id,
            user_id=slack.admin,
            now=NOW,
            users={slack.admin: {"name": "dana", "tz": "UTC", "is_admin": True}},
            channel_id=slack.channel,
        )

    shown = ask("config digest images on").outcome.reply.to_dict()
    assert "*Metrics picture in the weekly digest*: on" in str(shown)
    with pytest.raises(g.CommandError, match="not on or off"):
        g.parse_command("config digest images maybe")
    with pytest.raises(g.CommandError, match="not a digest option"):
        g.parse_command("config digest colours on")


def test_the_weekly_digest_uploads_its_picture_when_asked(session_factory, session, sample, slack):
    from bot.kinds.weekly_digest import post_weekly_digest

    sample.settings = {**sample.settings, "digest_images": "on"}
    session.commit()
    posted = post_weekly_digest(
        session_factory=session_factory,
        client=WebClient(token=slack.bot_token, base_url=slack.fake.api_url),
        workspace_id=sample.id,
        channel_id=slack.channel,
        now=datetime(2025, 3, 5, 10, tzinfo=UTC),
        pacer=Pacer(per_channel=0, per_workspace=0),
    )
    (stored,) = slack.fake.files.values()
    assert stored["name"] == "roadmap-q1-2025-week-10-metrics.png"
    assert stored["thread_ts"] == posted.ts and posted.thread_count == 6


def test_the_console_saves_what_the_app_uploads(tmp_path):
    first = save_file(tmp_path, "roadmap-q1.png", PNG)
    second = save_file(tmp_path, "../roadmap-q1.png", PNG + b"2")
    assert first == tmp_path / "roadmap-q1.png" and second == tmp_path / "roadmap-q1-2.png"
    assert second.read_bytes() == PNG + b"2"
