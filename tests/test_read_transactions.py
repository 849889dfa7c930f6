"""On PostgreSQL a transaction that only read ends with COMMIT, not ROLLBACK: psycopg forgets
its prepared statements at every ROLLBACK, so reads closed without a commit (sessions, the
installation store) had every statement parsed and planned anew. One that wrote still rolls
back."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, func, select, text

from bot.db import make_session_factory
from models import Workspace

BY_TEAM = select(Workspace.id).where(Workspace.team_id == bindparam("team"))


def prepared_here(connection) -> int:
    return connection.scalar(
        text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%team_id = $1%'")
    )


def test_reads_closed_without_commit_keep_their_prepared_statements(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements: PostgreSQL only")
    for _ in range(8):  # psycopg prepares a statement on its fifth run on a connection
        with engine.connect() as connection:  # read, then closed: no commit
            connection.execute(BY_TEAM, {"team": "T0NOBODY"}).all()
        with make_session_factory(engine)() as session:  # the same through a session
            session.execute(BY_TEAM, {"team": "T0NOBODY"}).all()
    with engine.connect() as connection:
        assert prepared_here(connection) == 1


def test_a_transaction_that_wrote_is_still_rolled_back(engine):
    with make_session_factory(engine)() as session:
        session.add(Workspace(team_id="T0WROTE", name="Written, not committed"))
        session.flush()
    with engine.connect() as connection:
        connection.execute(Workspace.__table__.insert().values(team_id="T0RAW", name="Raw"))
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Workspace)) == 0
