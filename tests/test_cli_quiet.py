"""CLI commands say what they did, without Alembic's INFO lines (unless LOG_LEVEL=DEBUG)."""

from __future__ import annotations

import logging

import pytest

from bot.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'roadmap.db'}")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    alembic = logging.getLogger("alembic")
    level = alembic.level
    yield monkeypatch
    alembic.setLevel(level)


def _alembic_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("alembic")]


def test_cli_commands_print_no_alembic_lines(cli, capsys, caplog):
    caplog.set_level(logging.DEBUG)  # whatever the root lets through, alembic stays quiet
    assert main(["migrate"]) == 0
    out = capsys.readouterr()
    assert "is at revision 0" in out.out  # the revision reached, not "head"
    assert "alembic" not in out.out + out.err
    assert main(["schedules"]) == 0
    assert _alembic_lines(caplog) == []


def test_at_debug_alembic_is_heard(cli, caplog):
    cli.setenv("LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    assert main(["migrate"]) == 0
    assert any("Running upgrade" in line for line in _alembic_lines(caplog))


def test_tick_without_a_token_shows_what_is_due_and_sends_nothing(cli, capsys):
    assert main(["tick", "--now", "2025-01-06T10:00:00Z"]) == 0
    out = capsys.readouterr()
    assert "SLACK_BOT_TOKEN is not set, so nothing is sent" in out.err
    assert "would send" in out.out or "due" in out.out


def test_checkins_status_needs_no_token(cli, capsys):
    from tests.conftest import SAMPLE_ROADMAP

    assert main(["import", str(SAMPLE_ROADMAP)]) == 0
    capsys.readouterr()
    assert main(["checkins", "status"]) == 0
    assert "SLACK_BOT_TOKEN" not in capsys.readouterr().err
