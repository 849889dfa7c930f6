from pathlib import Path

import pytest

from bot.config import DEFAULT_SLACK_API_URL, ConfigError, Settings
from bot.db import normalize_database_url


def test_defaults_need_nothing():
    settings = Settings.from_env({}, env_file=None)
    assert settings.database_url == "sqlite:///roadmap.db"
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.port == 3000
    assert settings.log_level == "INFO"
    assert not settings.slack_configured
    assert settings.missing_for_slack() == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]


def test_env_file_is_read_and_environment_wins(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nSLACK_BOT_TOKEN=xoxb-from-file\nLOG_LEVEL=debug\n")
    settings = Settings.from_env({"PORT": "5000"}, env_file=env_file)
    assert settings.port == 5000
    assert settings.slack_bot_token == "xoxb-from-file"
    assert settings.log_level == "DEBUG"


def test_every_bad_variable_is_named_at_once():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(
            {
                "PORT": "eighty",
                "SLACK_BOT_TOKEN": "xoxp-user-token",
                "SLACK_APP_TOKEN": "xoxb-not-an-app-token",
                "SLACK_API_URL": "slack.com/api",
                "LOG_LEVEL": "LOUD",
                "DATABASE_URL": "mysql://x",
                "SLACK_CLIENT_ID": "123.456",
            },
            env_file=None,
        )
    message = str(caught.value)
    for name in (
        "PORT",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "LOG_LEVEL",
        "DATABASE_URL",
        "SLACK_CLIENT_SECRET",
    ):
        assert name in message
    assert len(caught.value.problems) == 7


def test_port_range_is_checked():
    with pytest.raises(ConfigError, match="PORT must be between 1 and 65535"):
        Settings.from_env({"PORT": "70000"}, env_file=None)


def test_api_url_gets_a_trailing_slash():
    settings = Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api"}, env_file=None)
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_modes():
    http = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, env_file=None
    )
    assert http.slack_configured and not http.socket_mode and not http.oauth_enabled
    socket = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, env_file=None
    )
    assert socket.slack_configured and socket.socket_mode
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    oauth = Settings.from_env(
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x", "ROADMAP_ENCRYPTION_KEY": key},
        env_file=None,
    )
    assert oauth.oauth_enabled and oauth.missing_for_slack() == ["SLACK_SIGNING_SECRET"]
    # Many workspaces' tokens are never stored in plain text: no key, no start.
    with pytest.raises(ConfigError, match="ROADMAP_ENCRYPTION_KEY is not set"):
        Settings.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x"}, env_file=None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///roadmap.db", "sqlite:///roadmap.db"),
    ],
)
def test_hosting_platform_urls_use_psycopg3(given, expected):
    assert normalize_database_url(given) == expected
