"""Team metrics end to end: signed HTTP, the clock and the CLI against the fake Slack.

A roster of 5; a pulse round with 4 answers (3, 4, 5, 4) records 4/5 from 4 of 5 and nobody's
answer can be recovered from any export, command reply or log line; a round with 2 answers
records nothing and says why; growth plans for 3 of 5 record 60%; innovation answers record
their mean; two of four goals with partner teams record 50%; the digests show the sources.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.cli.workspace import _token_team
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick
from models import Goal, GoalOwner, MetricReading, Period, Workspace
from tests.harness import run_command


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def no_pacing() -> Pacer:
    return Pacer(per_channel=0, per_workspace=0, sleep=lambda seconds: None)


@pytest.fixture
def cli_env(settings, slack, monkeypatch, tmp_path):
    _token_team.cache_clear()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", settings.slack_signing_secret)
    monkeypatch.setenv("SLACK_API_URL", slack.fake.api_url)
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    yield
    _token_team.cache_clear()


def button(slack, user, channel, ts, action_id, value):
    return {
        "type": "block_actions",
        "team": {"id": slack.team_id, "domain": "acme"},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "trigger_id": slack.fake.trigger_id(slack.team_id, user),
        "container": {"type": "message", "channel_id": channel, "message_ts": ts},
        "channel": {"id": channel},
        "message": {"ts": ts, "text": ""},
        "response_url": slack.fake.response_url(slack.team_id, channel, user),
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
    }


def dm_with(slack, user, needle):
    """The newest message in the bot's DM with `user` whose text holds `needle`."""
    channel = slack.fake.dm_channel(slack.team_id, slack.bot_user_id, user)
    found = [m for m in slack.fake.messages(channel) if needle in m["text"]] if channel else []
    assert found, f"no DM with {needle!r}"
    return channel, found[-1]


def press(app, slack, user, needle, prefix, choice):
    """Press the button of the DM's actions whose action id is `prefix:choice`."""
    channel, message = dm_with(slack, user, needle)
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == f"{prefix}:{choice}":
                payload = button(slack, user, channel, message["ts"], element["action_id"],
                                 element["value"])  # fmt: skip
                assert app.interaction(payload).status == 200
                assert app.runtime.listener_executor.wait_idle(15)
                return slack.fake.responses(payload["response_url"])
    raise AssertionError(f"no {prefix}:{choice} button")


def readings(factory, source):
    with factory() as session:
        return list(
            session.scalars(
                select(MetricReading)
                .where(MetricReading.source == source)
                .order_by(MetricReading.recorded_at, MetricReading.id)
            )
        )


def test_team_metrics_end_to_end(frozen_time, roadmap, running_app, slack, cli_env, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    runtime = running_app.runtime
    factory = runtime.session_factory
    erin = slack.fake.add_user(slack.team_id, name="erin", real_name="Erin Evans", tz="UTC")["id"]
    slack.fake.add_usergroup(slack.team_id, handle="platform-team", users=[slack.carol])
    with factory() as session, session.begin():
        workspace = session.get(Workspace, roadmap)
        workspace.roadmap_channel_id = slack.channel
        q2 = session.scalar(select(Period).where(Period.label == "Q2 2025"))
        for goal in session.scalars(select(Goal).where(Goal.period_id == q2.id)).all()[4:]:
            goal.archived = True  # Q2 keeps four goals

    def command(text, user=slack.admin):
        return run_command(running_app, text, user_id=user, channel_id=slack.channel)

    frozen_time.move_to("2025-04-01 09:00:00+00:00")  # Q2 2025
    people = [slack.alice, slack.bob, slack.carol, slack.admin, erin]
    added = command("team add " + " ".join(f"<@{p}>" for p in people))
    assert "The team has 5 people." in added.text

    # The pulse: the first Monday of April at 11:00 in each person's zone: Berlin at 09:00
    # UTC, UTC at 11:00 (these two ticks), New York at 15:00.
    tick(runtime, now=at("2025-04-07T11:00:30+00:00"), pacer=no_pacing())
    tick(runtime, now=at("2025-04-07T15:00:30+00:00"), pacer=no_pacing())
    scores = dict(zip(people[:4], (3, 4, 5, 4), strict=True))
    for person, score in scores.items():
        replies = press(running_app, slack, person, "Team pulse", "pulse_score", score)
        assert not any("not recorded" in json.dumps(r) for r in replies)
    thanks = dm_with(slack, slack.alice, "your pulse answer is in")[1]
    assert not any(str(s) in thanks["text"] for s in range(1, 6))  # the DM keeps no score

    frozen_time.move_to("2025-04-08 09:00:00+00:00")
    # Growth plans for 3 of 5, partner teams on 2 of Q2's 4 goals, over HTTP.
    for person in (slack.alice, slack.bob):
        command("team plan yes", user=person)
    assert "60%" in command(f"team plan <@{slack.carol}> yes").text
    with factory() as session:
        refs = [
            f"G{n}"
            for n in session.scalars(
                select(Goal.number)
                .join(Period, Period.id == Goal.period_id)
                .where(Period.label == "Q2 2025", Goal.archived.is_(False))
                .order_by(Goal.number)
            )
        ]
    command(f"edit {refs[0]} with <!subteam^S0|@platform-team>")
    assert "Cross-team collaboration: *50%*" in command(f"edit {refs[1]} with Design").text

    # Innovation time: the Monday check-in message asks it (10:00 in each owner's zone);
    # three answers.
    with factory() as session, session.begin():
        goals = session.scalars(select(Goal).where(Goal.number.in_(
            [int(r[1:]) for r in refs]))).all()  # fmt: skip
        for goal, person in zip(goals, (slack.alice, slack.bob, slack.carol, erin), strict=True):
            goal.owners = [GoalOwner(workspace_id=roadmap, owner=person, position=0)]
    tick(runtime, now=at("2025-04-14T10:00:30+00:00"), pacer=no_pacing())
    tick(runtime, now=at("2025-04-14T14:00:30+00:00"), pacer=no_pacing())
    for person, percent in ((slack.alice, 20), (slack.bob, 10), (erin, 30)):
        press(running_app, slack, person, "Check-in", "innovation", percent)
    (innovation,) = readings(factory, "checkins")
    assert innovation.value == 20 and innovation.note.startswith("mean of 3 answers")

    frozen_time.move_to("2025-04-14 11:00:00+00:00")
    # The round closed after 3 days: the next 06:00 refresh, by the CLI's clock.
    assert main(["tick", "--now", "2025-04-11T06:00:30+00:00"]) == 0
    (pulse_reading,) = readings(factory, "pulse")
    assert (pulse_reading.value, pulse_reading.note) == (4.0, "4/5 from 4 of 5")
    posted = [m["text"] for m in slack.fake.messages(slack.channel)]
    assert "Team pulse: 4/5 from 4 of 5" in posted
    late = press(running_app, slack, erin, "Team pulse", "pulse_score", 2)
    assert "has closed" in json.dumps(late)

    frozen_time.move_to("2025-05-05 15:10:00+00:00")
    # May's round: only 2 answers. It records nothing and says why.
    tick(runtime, now=at("2025-05-05T11:00:30+00:00"), pacer=no_pacing())
    tick(runtime, now=at("2025-05-05T15:00:30+00:00"), pacer=no_pacing())  # New York's 11:00
    for person in (slack.alice, slack.bob):
        press(running_app, slack, person, "Team pulse", "pulse_score", 5)
    assert main(["tick", "--now", "2025-05-09T06:00:30+00:00"]) == 0
    assert len(readings(factory, "pulse")) == 1
    assert any(
        "only 2 of 5 answered" in m["text"] and "nothing was recorded" in m["text"]
        for m in slack.fake.messages(slack.channel)
    )

    frozen_time.move_to("2025-05-09 12:00:00+00:00")
    # /roadmap metrics and the digests show the readings with their sources.
    metrics = command("metrics").text
    assert "from pulse: 4/5 from 4 of 5" in metrics and "from roster" in metrics
    explained = command("metric satisfaction").text
    assert "measured by the pulse survey, chosen from its name" in explained
    assert "4/5 from 4 of 5" in explained
    capsys.readouterr()
    assert main(["digest", "weekly", "--preview", "--as-of", "2025-05-09T12:00:00+00:00"]) == 0
    weekly = capsys.readouterr().out
    assert main(["digest", "quarterly", "--preview", "--period", "Q2 2025"]) == 0
    quarterly = capsys.readouterr().out
    for digest in (weekly, quarterly):  # every team metric, with its source and its count
        assert "Employee satisfaction 4/5" in digest and "from pulse: 4/5 from 4 of 5" in digest
        assert "Career development 60%" in digest
        assert "from roster: 3 of 5 team members have a growth plan" in digest
        assert "Cross-team collaboration 50%" in digest
        assert "from goals: 2 of 4 goals in Q2 2025 have a partner team" in digest
        assert "Innovation projects 20%" in digest
        assert "from checkins: mean of 3 answers over 1 week in Q2 2025" in digest
    assert [r.value for r in readings(factory, "roster")][-1] == 60
    assert [r.value for r in readings(factory, "goals")][-1] == 50

    # Nobody's answer can be recovered: every export format, every reply, every log line.
    outputs = [metrics, explained, weekly, quarterly, command("team").text]
    for fmt in ("md", "json", "csv"):
        assert main(["export", "--format", fmt]) == 0
        outputs.append(capsys.readouterr().out)
        outputs.append(command(f"export {fmt}").text)
    # The exports carry the roster and the innovation answers (to restore them), and still
    # nothing that ties a person to a pulse score.
    _no_person_beside_a_pulse_score(outputs[-4], outputs[-2], people)
    outputs += [record.getMessage() for record in caplog.records]
    outputs += [json.dumps(m) for m in slack.fake.messages(slack.channel)]
    for person in people:  # the DMs: questions, thanks, reminders
        dm = slack.fake.dm_channel(slack.team_id, slack.bot_user_id, person)
        outputs += [json.dumps(m) for m in slack.fake.messages(dm)] if dm else []
    with factory() as session:
        from models import AuditEntry

        outputs += [
            json.dumps([a.actor, a.action, a.target, a.details])
            for a in session.scalars(select(AuditEntry))
        ]
    # What measures a metric is stored on it and changed by an admin, over HTTP too.
    refused = command("metric source employee satisfaction roster").text
    assert "Career development is already measured by the team roster" in refused
    before = len(readings(factory, "checkins"))
    assert "now typed by people" in command("metric source innovation projects manual").text
    assert main(["tick", "--now", "2025-05-10T06:00:30+00:00"]) == 0
    assert len(readings(factory, "checkins")) == before  # no longer recomputed
    for person, score in scores.items():
        for text in outputs:
            for line in text.splitlines():
                assert not (person in line and _reveals(line, score)), line


def _no_person_beside_a_pulse_score(exported_json: str, exported_csv: str, people) -> None:
    data = json.loads(exported_json)
    assert sorted(m["user"] for m in data["team"]) == sorted(people)
    assert len(data["innovation"]) == 3
    (pulse_metric,) = [m for m in data["metrics"] if m["measured_by"] == "pulse"]
    assert pulse_metric["readings"] and all(r["user"] is None for r in pulse_metric["readings"])
    assert not re.search(r'"(score|answered|asked\w*|comment)"', exported_json)  # no such key
    rows = list(csv.DictReader(io.StringIO(exported_csv)))
    assert sorted(r["user"] for r in rows if r["record"] == "member") == sorted(people)
    pulse_rows = [r for r in rows if r["title"] == pulse_metric["name"]]
    assert pulse_rows and not any(r["user"] for r in pulse_rows)
    assert not {"score", "answered", "asked", "comment"} & set(rows[0])  # no such column


def _reveals(line: str, score: int) -> bool:
    """A score as a result ("4/5"), or one pressed answer (a question shows all five)."""
    if re.search(rf"(?<![\d.]){score}(?:\.0)?/5\b", line):
        return True
    pressed = set(re.findall(r"pulse_score:([1-5])", line))
    return bool(pressed) and pressed != {"1", "2", "3", "4", "5"}
