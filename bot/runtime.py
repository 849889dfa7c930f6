"""The process-wide objects the app is built from: settings, engine, sessions, Slack client."""

from __future__ import annotations

import logging
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import create_db_engine, make_session_factory
from bot.scheduling.pacing import Pacer
from bot.telemetry import CountingRateLimitRetryHandler, CountingWebClient
from models import Workspace

if TYPE_CHECKING:
    from datetime import datetime

    from bot.oauth.store import BotTokens, EncryptedInstallationStore
    from bot.scheduling.manual import ManualReport

log = logging.getLogger(__name__)


def make_web_client(
    settings: Settings, token: str | None = None, *, wait_on_rate_limit: bool = True
) -> WebClient:
    """Every WebClient the app makes goes to SLACK_API_URL.

    Interactive code waits out a 429's Retry-After and retries (slack_sdk only does so when
    asked). The clock passes wait_on_rate_limit=False: it reschedules the delivery instead of
    sleeping, so one busy channel does not hold up every other workspace.
    """
    handlers = [CountingRateLimitRetryHandler(max_retry_count=2)] if wait_on_rate_limit else []
    # Counts its calls by method and error for GET /metrics (bot.telemetry).
    return CountingWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,
        retry_handlers=handlers,
    )


class ListenerExecutor(futures.ThreadPoolExecutor):
    """Runs Bolt listeners after the ack; knows when all of them have finished."""

    def __init__(self, max_workers: int = 8):
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._pending: set[futures.Future] = set()
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> futures.Future:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: futures.Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every listener submitted so far has finished; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            # Listeners may submit more work while finishing, so look again afterwards.
            futures.wait(pending, timeout=remaining)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    listener_executor: ListenerExecutor = field(default_factory=ListenerExecutor)
    # Paces every post listeners make, process-wide: about one a second per channel.
    pacer: Pacer = field(default_factory=Pacer)
    # OAuth mode only: every workspace's tokens (encrypted), and their refresh for the clock.
    installation_store: EncryptedInstallationStore | None = None
    bot_tokens: BotTokens | None = None
    # Single-token mode: whether this process has asked Slack (auth.test) if a workspace
    # marked inactive works again with SLACK_BOT_TOKEN; once per process ("at clock start").
    token_checked: bool = False
    # The `now` of this process's previous clock tick (None: none yet), so the local-time
    # pass knows a first tick or skipped ones, and catches up (bot.scheduling.local_gate).
    last_tick_at: datetime | None = None
    _token_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> Runtime:
        """Raises ConfigError in OAuth mode without a usable ROADMAP_ENCRYPTION_KEY."""
        from bot.services import secrets

        engine = engine or create_db_engine(settings.database_url)
        # Hook secrets and the Prometheus token are sealed with the process's keys.
        secrets.configure(
            encryption_key=settings.encryption_key, signing_secret=settings.slack_signing_secret
        )
        store, bot_tokens = None, None
        if settings.oauth_enabled:
            from bot.oauth.flow import build_installation_store

            store, bot_tokens = build_installation_store(settings, engine)
        bind = engine
        if engine.dialect.name == "sqlite":
            # A SQLite transaction that reads and then writes fails at once ("database is
            # locked") when another writer got in between, whatever the busy timeout; taking
            # the write lock at BEGIN makes concurrent requests wait their turn instead.
            bind = engine.execution_options(sqlite_immediate=True)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(bind),
            installation_store=store,
            bot_tokens=bot_tokens,
        )

    def web_client(self, token: str | None = None, *, wait_on_rate_limit: bool = True) -> WebClient:
        return make_web_client(
            self.settings,
            token or self.settings.slack_bot_token,
            wait_on_rate_limit=wait_on_rate_limit,
        )

    def client_for(self, workspace: Workspace, *, wait_on_rate_limit: bool = True) -> WebClient:
        """A client acting in `workspace`: its own bot token in OAuth mode (refreshed when
        about to expire; None once uninstalled), SLACK_BOT_TOKEN otherwise."""
        if self.bot_tokens is None:
            return self.web_client(wait_on_rate_limit=wait_on_rate_limit)
        token = None
        if workspace.uninstalled_at is None:
            token = self.bot_tokens.for_workspace(workspace.team_id, workspace.enterprise_id)
        return make_web_client(self.settings, token, wait_on_rate_limit=wait_on_rate_limit)

    def check_token(self, now: datetime) -> None:
        """Single-token mode, once per process: if Slack refused the token before (the
        workspace is inactive), ask auth.test whether SLACK_BOT_TOKEN works now (a restart
        with a new token); if it does, the workspace sends again and its parked deliveries
        that are still useful go out. No call at all while every workspace is active. (In
        OAuth mode the next successful install does this.)"""
        if self.bot_tokens is not None or self.token_checked:
            return
        with self._token_lock:
            if self.token_checked:
                return
            self.token_checked = True
            from bot.services.installations import inactive_workspaces, reactivate

            with self.session_factory() as session:
                teams = {w.team_id for w in inactive_workspaces(session)}
            if not teams or not self.settings.slack_bot_token:
                return
            try:
                team_id = self.web_client(wait_on_rate_limit=False).auth_test().get("team_id")
            except SlackApiError as error:
                log.warning(
                    "SLACK_BOT_TOKEN is still refused (%s): nothing is sent to %s until it is "
                    "replaced",
                    error.response.get("error"),
                    ", ".join(sorted(teams)),
                )
                return
            except OSError as error:  # Slack unreachable: try again at the next start
                self.token_checked = False
                log.warning("could not check SLACK_BOT_TOKEN: %s", error)
                return
            if team_id not in teams:
                return
            with self.session_factory() as session, session.begin():
                workspace = Workspace.by_team(session, team_id)
                requeued, missed = reactivate(session=session, workspace=workspace, now=now)
            log.warning(
                "SLACK_BOT_TOKEN works again for %s: %d parked deliveries will be sent, "
                "%d were too late",
                team_id,
                requeued,
                missed,
            )

    def send_deliveries(self, ids: tuple[int, ...]) -> ManualReport:
        """Send these delivery rows now (a manual post), through the clock's sender."""
        from bot.scheduling import manual
        from bot.scheduling.tick import worker_name, writer_sessions
        from models import utcnow

        self.check_token(utcnow())
        return manual.send_deliveries(
            writer_sessions(self),
            lambda workspace: self.client_for(workspace, wait_on_rate_limit=False),
            ids,
            now=utcnow(),
            worker=worker_name(),
            pacer=self.pacer,
        )

    def close(self) -> None:
        self.listener_executor.shutdown(wait=True)
        self.engine.dispose()
