"""A clock compiles the digests' statements when it starts, not in its first burst."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import event, func, select
from sqlalchemy.engine.interfaces import CacheStats

from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.db import create_db_engine, make_session_factory
from bot.scheduling.warm_up import warm_up
from bot.services.digests import quarterly_digest, weekly_digest
from bot.services.digests.common import load_workspace, snapshot
from bot.services.roadmap_import import import_roadmap
from bot.services.workspaces import ensure_workspace
from models import Base
from tests.conftest import SAMPLE_ROADMAP

NOW = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)  # Q1 2025 of the sample roadmap is running


def compiled_during(engine, action) -> list[str]:
    """The statements SQLAlchemy had to compile (not found in the engine's cache)."""
    compiled: list[str] = []

    def seen(_conn, _cursor, statement, _params, context, _many) -> None:
        if context.cache_hit is CacheStats.CACHE_MISS:
            compiled.append(statement)

    event.listen(engine, "after_cursor_execute", seen)
    try:
        action()
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    return compiled


def compose_both_digests(factory, workspace) -> None:
    with factory() as session:
        snapshot(session)
        weekly_digest_messages(weekly_digest(session=session, workspace=workspace, now=NOW))
        quarterly_digest_messages(
            quarterly_digest(session=session, workspace=workspace, period_label=None, now=NOW)
        )


def row_counts(factory) -> dict[str, int]:
    with factory() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def second_team(settings) -> int:
    """Another workspace with the sample roadmap: the one whose digest comes first."""
    engine = create_db_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            workspace = ensure_workspace(session=session, team_id="T0SECOND1", name="Globex")
            import_roadmap(
                session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes()
            )
            return workspace.id
    finally:
        engine.dispose()


def fresh_clock_engine(settings, workspace_id: int):
    """An engine as a newly started clock has it (nothing compiled yet), and a workspace."""
    engine = create_db_engine(settings.database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        return engine, factory, load_workspace(session, workspace_id)


def test_after_the_warm_up_a_first_digest_compiles_nothing(settings, roadmap):
    # The warm-up composes the first team's digests (its periods come first); the clock's
    # first digest is the other team's, with other rows and ids but the same statements.
    engine, factory, workspace = fresh_clock_engine(settings, second_team(settings))
    before = row_counts(factory)
    try:
        warmed = compiled_during(engine, lambda: warm_up(factory, NOW))
        first_digest = compiled_during(engine, lambda: compose_both_digests(factory, workspace))
    finally:
        engine.dispose()
    assert len(warmed) >= 8  # the digests' own statements
    assert first_digest == []
    assert row_counts(factory) == before  # it reads an empty workspace and writes nothing


def test_without_it_the_first_digest_compiles_its_statements(settings, roadmap):
    engine, factory, workspace = fresh_clock_engine(settings, roadmap)
    try:
        first_digest = compiled_during(engine, lambda: compose_both_digests(factory, workspace))
    finally:
        engine.dispose()
    assert len(first_digest) >= 8


def test_with_no_roadmap_yet_it_warms_up_on_an_empty_workspace(settings, caplog):
    engine = create_db_engine(settings.database_url)
    try:
        with caplog.at_level(logging.DEBUG, logger="bot.scheduling.warm_up"):
            compiled = compiled_during(engine, lambda: warm_up(make_session_factory(engine), NOW))
    finally:
        engine.dispose()
    assert len(compiled) >= 5
    assert "digests warmed up" in caplog.text


def test_a_failed_warm_up_is_logged_and_the_clock_goes_on(settings, caplog, tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/missing/dir/roadmap.db")
    try:
        with caplog.at_level(logging.ERROR, logger="bot.scheduling.warm_up"):
            warm_up(make_session_factory(engine), NOW)  # no such directory: cannot connect
    finally:
        engine.dispose()
    assert "warming the digests up failed" in caplog.text
