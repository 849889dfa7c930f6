"""Settings: read once from the environment (and a `.env` file), validated with clear messages."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite:///roadmap.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

MANIFEST_HINT = (
    "Create the Slack app from manifest.yml (https://api.slack.com/apps > Create New App > "
    "From an app manifest), install it, then copy the Bot User OAuth Token "
    "(OAuth & Permissions, starts with xoxb-) into SLACK_BOT_TOKEN and the Signing Secret "
    "(Basic Information > App Credentials) into SLACK_SIGNING_SECRET. For Socket Mode, create an "
    "app-level token with the connections:write scope (Basic Information > App-Level Tokens, "
    "starts with xapp-) and set SLACK_APP_TOKEN."
)


class ConfigError(ValueError):
    """One or more environment variables are missing or malformed."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    encryption_key: str | None = None
    port: int = 3000
    log_level: str = "INFO"
    web_concurrency: int = 2
    slack_timeout: float = 10.0  # seconds before a Web API call counts as timed out
    # Slack's own payloads are a few KiB; a bigger body is refused before it is read whole.
    slack_max_body: int = 1024 * 1024
    # GET /metrics is served only when set, and only to `Authorization: Bearer <it>`.
    metrics_token: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def slack_configured(self) -> bool:
        """True when the app can receive requests from Slack."""
        return not self.missing_for_slack()

    def missing_for_slack(self) -> list[str]:
        """Names of the variables still needed to talk to Slack in the chosen mode."""
        missing = []
        if self.oauth_enabled:
            if not self.slack_signing_secret:
                missing.append("SLACK_SIGNING_SECRET")
            return missing
        if not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if not self.socket_mode and not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        return missing

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Build settings from `environ` (default: os.environ) over an optional `.env` file.

        Real environment variables win over the file, as with most twelve-factor tools.
        Raises ConfigError naming every bad variable at once.
        """
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls._validate(values)

    @classmethod
    def _validate(cls, env: Mapping[str, str]) -> Settings:
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = (env.get(name) or "").strip()
            return value or None

        def check_prefix(name: str, prefix: str, what: str) -> str | None:
            value = get(name)
            if value and not value.startswith(prefix):
                problems.append(f"{name} must be {what} (it starts with {prefix!r}).")
            return value

        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not database_url.startswith(("sqlite", "postgres")):
            problems.append(
                "DATABASE_URL must be a sqlite:/// or postgresql:// URL, "
                f"not {database_url.split(':', 1)[0]!r}."
            )
        api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}.")
        if not api_url.endswith("/"):
            api_url += "/"

        def get_int(name: str, default: int, low: int, high: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                problems.append(f"{name} must be a whole number, got {raw!r}.")
                return default
            if not low <= value <= high:
                problems.append(f"{name} must be between {low} and {high}, got {value}.")
            return value

        port = get_int("PORT", 3000, 1, 65535)
        concurrency = get_int("WEB_CONCURRENCY", 2, 1, 64)
        timeout = get_int("SLACK_TIMEOUT", 10, 1, 120)
        max_body = get_int("SLACK_MAX_BODY_BYTES", 1024 * 1024, 16 * 1024, 64 * 1024 * 1024)
        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}.")

        settings = cls(
            database_url=database_url,
            slack_bot_token=check_prefix("SLACK_BOT_TOKEN", "xoxb-", "a bot token"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=check_prefix("SLACK_APP_TOKEN", "xapp-", "an app-level token"),
            slack_client_id=get("SLACK_CLIENT_ID"),
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            slack_api_url=api_url,
            encryption_key=get("ROADMAP_ENCRYPTION_KEY"),
            port=port,
            log_level=log_level,
            web_concurrency=concurrency,
            slack_timeout=float(timeout),
            slack_max_body=max_body,
            metrics_token=get("METRICS_TOKEN"),
            extra={k: v for k, v in env.items() if k.startswith("ROADMAP_")},
        )
        if bool(settings.slack_client_id) != bool(settings.slack_client_secret):
            problems.append("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together.")
        if settings.oauth_enabled:
            from bot.oauth.crypto import encryption_key_problems

            # Tokens of many workspaces are stored: never in plain text.
            problems += encryption_key_problems(settings.encryption_key)
        if problems:
            raise ConfigError(problems)
        return settings


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from bot.redact import install

    install(
        logging.getLogger().handlers,
        (
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
            settings.slack_client_secret,
            settings.encryption_key,
            settings.metrics_token,
        ),
    )
    # Alembic announces its context and each step at INFO before every CLI command; the
    # commands say what they did themselves (`migrate` names the revision it reached).
    quiet = settings.log_level != "DEBUG"
    logging.getLogger("alembic").setLevel(logging.WARNING if quiet else logging.NOTSET)
