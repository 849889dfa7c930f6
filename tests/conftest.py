"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), the fake Slack, and the running app."""

from __future__ import annotations

import os
import shutil
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import create_db_engine, make_session_factory, migrate, normalize_database_url
from models import Base

# Property tests are part of a deterministic suite: the same examples on every run.
hypothesis_settings.register_profile(
    "deterministic", derandomize=True, deadline=None, database=None
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BACKENDS = ["sqlite", "postgresql"]


def pytest_report_header(config) -> str:
    if TEST_DATABASE_URL:
        return f"databases: sqlite and {make_url(TEST_DATABASE_URL).render_as_string()}"
    return "databases: sqlite only (set TEST_DATABASE_URL to a PostgreSQL URL to test it too)"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A SQLite file migrated once; every test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    return str(path)


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """TEST_DATABASE_URL, emptied and migrated once per test session."""
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these tests on it")
    # A schema of this test run's own, so that runs sharing the database (two developers,
    # a CI job and a local run) never truncate each other's tables.
    schema = f"roadmap_test_{os.getpid()}"
    base = make_url(normalize_database_url(TEST_DATABASE_URL))
    engine = create_db_engine(base.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}")
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    url = url.render_as_string(hide_password=False)
    migrate(url)
    yield url
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    """A freshly migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "roadmap.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_migrated")
    engine = create_db_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory) -> Iterator[Session]:
    with session_factory() as session:
        yield session


# --- Slack -----------------------------------------------------------------------------------


@dataclass
class SlackWorld:
    """A fake Slack workspace: the team, a few people, a channel, and the bot's token."""

    fake: object
    team_id: str
    bot_token: str
    bot_user_id: str
    alice: str
    bob: str
    carol: str
    admin: str
    channel: str


@pytest.fixture
def fake_slack(request):
    from bot.fakeslack import FakeSlack

    # Ids seeded from the test's name: each test sees the same ids on every run.
    with FakeSlack(seed=zlib.crc32(request.node.nodeid.encode())) as fake:
        yield fake
    assert not fake.internal_errors, "the fake Slack itself failed:\n" + "\n".join(
        fake.internal_errors
    )


@pytest.fixture
def slack(fake_slack) -> SlackWorld:
    fake = fake_slack
    team = fake.add_team(name="Acme", domain="acme")
    team_id = team["id"]
    alice = fake.add_user(team_id, name="alice", real_name="Alice Archer", tz="Europe/Berlin")
    bob = fake.add_user(team_id, name="bob", real_name="Bob Baker", tz="America/New_York")
    carol = fake.add_user(team_id, name="carol", real_name="Carol Clark", tz="UTC")
    admin = fake.add_user(team_id, name="dana", real_name="Dana Admin", tz="UTC", is_admin=True)
    token = fake.install_bot(team_id)
    bot_user_id = fake.bot_user_id(token)
    members = [alice["id"], bob["id"], carol["id"], admin["id"]]
    channel = fake.add_channel(team_id, name="eng-roadmap", members=members)
    fake.join(channel["id"], bot_user_id)
    return SlackWorld(
        fake=fake,
        team_id=team_id,
        bot_token=token,
        bot_user_id=bot_user_id,
        alice=alice["id"],
        bob=bob["id"],
        carol=carol["id"],
        admin=admin["id"],
        channel=channel["id"],
    )


@pytest.fixture
def settings(database_url, slack) -> Settings:
    return Settings(
        database_url=database_url,
        slack_bot_token=slack.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.fake.api_url,
    )


@pytest.fixture
def running_app(settings, slack):
    """The WSGI app (as `serve` builds it) on 127.0.0.1, and a driver that signs requests."""
    from bot.app import create_app
    from bot.runtime import Runtime
    from bot.scheduling.pacing import Pacer
    from bot.web import create_wsgi_app
    from tests.harness import AppServer, SlackDriver

    runtime = Runtime.from_settings(settings)
    # Tests never sleep for Slack's pacing; the pacing tests give the runtime a real pacer.
    runtime.pacer = Pacer(per_channel=0, per_workspace=0)
    app = create_app(settings, runtime)
    with AppServer(create_wsgi_app(app, runtime)) as server:
        driver = SlackDriver(server.url, SIGNING_SECRET, slack.fake, slack.team_id)
        driver.runtime = runtime
        yield driver
    runtime.close()


def with_settings(settings: Settings, **changes) -> Settings:
    return replace(settings, **changes)


# --- a workspace with the sample roadmap -------------------------------------------------------

SAMPLE_ROADMAP = Path(__file__).parent.parent / "examples" / "backend-engineering-2025.md"
# Inside Q1 2025 (week 10), so "this quarter" is Q1 2025.
FROZEN_NOW = "2025-03-05 10:00:00+00:00"


@pytest.fixture
def frozen_time():
    import time_machine

    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def roadmap(settings, slack):
    """The sample roadmap imported into the fake team's workspace; G1 and G3 belong to alice,
    G2 and G3 to bob, carol owns nothing, and dana is a Slack admin."""
    from bot.services.roadmap_import import import_roadmap
    from bot.services.workspaces import ensure_workspace
    from models import Goal, GoalOwner

    engine = create_db_engine(settings.database_url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id=slack.team_id, name="Acme")
        import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes())
        owners = {1: [slack.alice], 2: [slack.bob], 3: [slack.alice, slack.bob]}
        for number, people in owners.items():
            goal = session.scalar(
                select(Goal).where(Goal.workspace_id == workspace.id, Goal.number == number)
            )
            goal.owners = [
                GoalOwner(workspace_id=workspace.id, owner=p, position=i)
                for i, p in enumerate(people)
            ]
        workspace_id = workspace.id
    engine.dispose()
    return workspace_id
