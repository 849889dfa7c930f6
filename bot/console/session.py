"""Starting a console session: the fake Slack, the app pointed at it, the local workspace."""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.blocks.text import plural
from bot.config import Settings
from bot.console.repl import ConsoleContext
from bot.console.workspace import MEMBERS, LocalWorkspace
from bot.db import PROJECT_ROOT, migrate, transaction
from bot.fakeslack import FakeSlack, Shown
from bot.services.workspaces import LOCAL_TEAM_ID, ensure_workspace
from models import Goal

DEFAULT_SAMPLE = PROJECT_ROOT / "examples" / "backend-engineering-2025.md"
SAMPLE_OWNED = ("G25", "G26", "G27")  # the local goal owner's goals, after a sample import
QUIET_LOGGERS = ("alembic", "slack_bolt", "slack_sdk")


def console_settings(settings: Settings, slack: LocalWorkspace) -> Settings:
    """The configured database, with Slack replaced by the fake one (single workspace)."""
    return replace(
        settings,
        slack_api_url=slack.fake.api_url,
        slack_bot_token=slack.token,
        slack_signing_secret=secrets.token_hex(16),
        slack_app_token=None,
        slack_client_id=None,
        slack_client_secret=None,
    )


@contextmanager
def quiet_logs() -> Iterator[None]:
    """Keep library chatter (migrations, Bolt's INFO lines) off the console while it runs."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def prepare_database(settings: Settings, factory, sample_path: Path | None, out: TextIO) -> int:
    """Ensure the local workspace; import the sample roadmap when it has no goals yet.

    Returns how many goals the local workspace has.
    """
    from bot.services.roadmap_import import import_roadmap

    with transaction(factory) as session:
        workspace = ensure_workspace(session=session, team_id=LOCAL_TEAM_ID, name="Local")
        count_goals = select(func.count(Goal.id)).where(Goal.workspace_id == workspace.id)
        goals = session.scalar(count_goals) or 0
        if goals or sample_path is None:
            return goals
        if not sample_path.is_file():
            out.write(f"(no sample roadmap at {sample_path}; starting empty)\n")
            return 0
        report = import_roadmap(
            session=session,
            workspace_id=workspace.id,
            text=sample_path.read_bytes(),
            actor="console",
        )
        out.write(f"Sample roadmap ({sample_path.name}): {report.summary()}\n")
        give_the_goal_owner_goals(session, workspace, out)
        return session.scalar(count_goals) or 0


def give_the_goal_owner_goals(session, workspace, out: TextIO) -> None:
    """The local workspace's goal owner owns a few of the sample's goals (the others none)."""
    from bot.services.actors import Actor
    from bot.services.errors import NotFound
    from bot.services.goals import assign_goal

    owner = next(m for m in MEMBERS if m.role == "goal owner")
    actor = Actor(user_id="console", is_slack_admin=True)
    owned = []
    for ref in SAMPLE_OWNED:
        with contextlib.suppress(NotFound):
            assign_goal(
                session=session, workspace=workspace, actor=actor, ref=ref, owners=[owner.user_id]
            )
            owned.append(ref)
    if owned:
        out.write(f"@{owner.name} owns {', '.join(owned)}.\n")


@contextmanager
def open_console(
    settings: Settings, *, user_id: str, sample_path: Path | None, out: TextIO
) -> Iterator[ConsoleContext]:
    """Everything a console needs, started; stopped again on exit."""
    from bot.app import create_app
    from bot.runtime import Runtime

    outputs: queue.SimpleQueue[Shown] = queue.SimpleQueue()
    with quiet_logs(), FakeSlack() as fake:
        slack = LocalWorkspace(fake, team_id=LOCAL_TEAM_ID, user_id=user_id)
        fake.observers.append(outputs.put)
        local = console_settings(settings, slack)
        if local.is_sqlite:
            migrate(local.database_url)
        runtime = Runtime.from_settings(local)
        try:
            app = create_app(local, runtime)
            goals = prepare_database(local, runtime.session_factory, sample_path, out)
            others = [slack.describe(p) for p in slack.people() if p["id"] != user_id]
            out.write(
                f"Local workspace {LOCAL_TEAM_ID}: {plural(goals, 'goal')}. You are {user_id} in "
                f"#{slack.channel_name} with {', '.join(others)}; :as NAME acts as one of them."
                "\nType /roadmap help, or :help for console commands.\n"
            )
            out.flush()
            assert local.slack_signing_secret is not None
            yield ConsoleContext(
                app=app,
                runtime=runtime,
                slack=slack,
                outputs=outputs,
                signing_secret=local.slack_signing_secret,
            )
        finally:
            runtime.close()
