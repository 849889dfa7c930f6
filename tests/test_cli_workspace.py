"""The operator's CLI lands in the workspace Slack will look in."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.cli.workspace import _token_team
from bot.services.workspaces import LOCAL_TEAM_ID
from models import Goal, Workspace
from tests.conftest import SAMPLE_ROADMAP
from tests.harness import run_command


@pytest.fixture
def token_env(settings, slack, monkeypatch, tmp_path):
    """The CLI's environment with one bot token for the fake team."""
    _token_team.cache_clear()
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", settings.slack_signing_secret)
    monkeypatch.setenv("SLACK_API_URL", slack.fake.api_url)
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    yield
    _token_team.cache_clear()


def _teams(session) -> list[str]:
    return [w.team_id for w in session.query(Workspace).order_by(Workspace.id)]


def test_import_with_a_bot_token_lands_in_the_tokens_team(
    token_env, running_app, slack, session, capsys
):
    assert main(["import", str(SAMPLE_ROADMAP)]) == 0
    assert "36 goals" in capsys.readouterr().out
    assert _teams(session) == [slack.team_id]
    assert LOCAL_TEAM_ID not in _teams(session)
    assert session.query(Goal).count() == 36
    listed = run_command(running_app, "list", user_id=slack.alice, channel_id=slack.channel)
    assert "G25 Begin Event-Driven Architecture Migration" in listed.text
    assert "import a roadmap first" not in listed.text


def test_auth_test_is_asked_once_per_process(token_env, slack, capsys):
    slack.fake.reset_calls()
    assert main(["import", str(SAMPLE_ROADMAP), "--dry-run"]) == 0
    assert main(["import", str(SAMPLE_ROADMAP)]) == 0
    assert main(["export", "--format", "md"]) == 0
    assert len(slack.fake.calls_to("auth.test")) == 1


def test_a_token_slack_refuses_is_a_clear_error_and_exit_2(token_env, slack, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-0000-not-a-token")
    assert main(["import", str(SAMPLE_ROADMAP)]) == 2
    error = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in error and "invalid_auth" in error and "--team" in error


def test_with_several_workspaces_and_no_token_the_cli_lists_them_and_exits_2(
    database_url, monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["import", str(SAMPLE_ROADMAP), "--team", "T0AAAAAAAAA"]) == 0
    assert main(["import", str(SAMPLE_ROADMAP), "--team", "T0BBBBBBBBB"]) == 0
    capsys.readouterr()
    assert main(["export"]) == 2
    error = capsys.readouterr().err
    assert "T0AAAAAAAAA" in error and "T0BBBBBBBBB" in error and "--team" in error
