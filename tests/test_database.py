"""Engine tuning, migrations (up, down, up, no drift) and model constraints, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bot.db import PROJECT_ROOT, alembic_config, create_db_engine, current_revision
from models import Base, Delivery, Goal, Period, Roadmap, Schedule, Workspace
from models.base import insert_ignoring_conflicts
from tests.conftest import TEST_DATABASE_URL


def test_sqlite_is_tuned(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def test_sqlite_immediate_transactions_take_the_write_lock(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first, second = create_db_engine(url), create_db_engine(url)
    with first.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    blocking = first.execution_options(sqlite_immediate=True).connect()
    blocking.begin()
    # The second writer cannot get the lock while the first holds it.
    waiting = second.execution_options(sqlite_immediate=True).connect()
    waiting.connection.dbapi_connection.execute("PRAGMA busy_timeout=50")
    with pytest.raises(Exception, match="locked"):
        waiting.begin()
    waiting.close()
    blocking.rollback()
    blocking.close()
    first.dispose()
    second.dispose()


def _fresh_database_url(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these tests on it")
    name = f"roadmap_mig_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(TEST_DATABASE_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def _insert_workspace_row(connection, stamp: str) -> None:
    """Workspace 1 ('T1', UTC), written as SQL: a migration test seeds the schema of an older
    revision, which the models no longer describe."""
    connection.execute(
        text(
            "INSERT INTO workspaces (id, team_id, timezone, admin_user_ids, settings,"
            " created_at, updated_at) VALUES (1, 'T1', 'UTC', '[]', '{}', :at, :at)"
        ),
        {"at": stamp},
    )


def _drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    name = make_url(url).database
    admin = create_db_engine(TEST_DATABASE_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_downgrade_upgrade_without_drift(backend, tmp_path):
    url = _fresh_database_url(backend, tmp_path)
    try:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        engine = create_db_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        assert current_revision(engine) is not None
        engine.dispose()
        command.check(config)  # raises if the models and the migrations disagree
    finally:
        _drop_database(url)


def test_cli_migrate_and_alembic_from_repo_root(tmp_path):
    """Both entry points migrate the database DATABASE_URL names."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'alembic.db'}"
    alembic = os.path.join(os.path.dirname(sys.executable), "alembic")
    done = subprocess.run(
        [alembic, "upgrade", "head"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for name in ("cli.db", "alembic.db"):
        engine = create_db_engine(f"sqlite:///{tmp_path / name}")
        assert "goals" in inspect(engine).get_table_names()
        engine.dispose()


# --- models ------------------------------------------------------------------------------------


def _workspace(session, team_id="T0000000001") -> Workspace:
    workspace = Workspace(team_id=team_id)
    session.add(workspace)
    session.flush()
    return workspace


def _goal_fixture(session, workspace):
    roadmap = Roadmap(workspace_id=workspace.id, name="2025")
    session.add(roadmap)
    session.flush()
    period = Period(
        workspace_id=workspace.id,
        roadmap_id=roadmap.id,
        label="Q1 2025",
        start_date=datetime(2025, 1, 1).date(),
        end_date=datetime(2025, 3, 31).date(),
    )
    session.add(period)
    session.flush()
    return roadmap, period


def test_datetimes_come_back_aware_utc(session):
    workspace = _workspace(session)
    berlin_time = datetime(2025, 3, 30, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    workspace.installed_at = berlin_time
    session.commit()
    session.expire_all()
    loaded = session.get(Workspace, workspace.id)
    assert loaded.installed_at == berlin_time
    assert loaded.installed_at.tzinfo == UTC
    with pytest.raises(Exception, match="naive"):
        workspace.uninstalled_at = datetime(2025, 1, 1)
        session.flush()


def test_delivery_is_unique_per_schedule_and_occurrence(session):
    workspace = _workspace(session)
    schedule = Schedule(workspace_id=workspace.id, kind="reminder", rule="every monday 09:00")
    session.add(schedule)
    session.flush()
    values = {
        "workspace_id": workspace.id,
        "schedule_id": schedule.id,
        "occurrence_key": "2025-03-03T08:00Z",
        "due_at": datetime(2025, 3, 3, 8, tzinfo=UTC),
        "state": "pending",
        "attempts": 0,
        "created_at": datetime.now(UTC),
    }
    assert insert_ignoring_conflicts(session, Delivery, values, ["schedule_id", "occurrence_key"])
    assert not insert_ignoring_conflicts(
        session, Delivery, values, ["schedule_id", "occurrence_key"]
    )
    assert session.scalar(select(Delivery.id).where(Delivery.schedule_id == schedule.id))
    session.add(Delivery(**{k: v for k, v in values.items()}))
    with pytest.raises(IntegrityError):
        session.flush()


def test_goal_constraints(session):
    workspace = _workspace(session)
    roadmap, period = _goal_fixture(session, workspace)
    from models import Category

    category = Category(workspace_id=workspace.id, roadmap_id=roadmap.id, name="Tech")
    session.add(category)
    session.flush()

    def goal(**changes):
        values = dict(
            workspace_id=workspace.id,
            number=1,
            roadmap_id=roadmap.id,
            period_id=period.id,
            category_id=category.id,
            title="Ship it",
            normalized_title="ship it",
        )
        values.update(changes)
        return Goal(**values)

    session.add(goal())
    session.flush()
    assert session.scalar(select(Goal)).ref == "G1"
    for bad in ({"number": 1}, {"number": 2, "progress": 101}, {"number": 3, "status": "meh"}):
        nested = session.begin_nested()
        session.add(goal(**bad))
        with pytest.raises(IntegrityError):
            session.flush()
        nested.rollback()


def test_deleting_a_workspace_deletes_its_rows(session):
    workspace = _workspace(session)
    other = _workspace(session, "T0000000002")
    _goal_fixture(session, workspace)
    _goal_fixture(session, other)
    session.commit()
    session.delete(session.get(Workspace, workspace.id))
    session.commit()
    assert session.scalars(select(Period.workspace_id)).all() == [other.id]
    assert session.scalars(select(Roadmap.workspace_id)).all() == [other.id]
