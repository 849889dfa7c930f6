"""Engine and session factory, tuned per backend, and the migration entry point."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQLITE_BUSY_TIMEOUT_MS = 15_000
# A PostgreSQL connection back in the pool for less than this is not pinged at checkout.
PING_AFTER_IDLE_SECONDS = 1.0


POOL_SIZE = 10


def normalize_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` URLs hosts hand out; use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_db_engine(database_url: str, *, echo: bool = False) -> Engine:
    """An engine with WAL, foreign keys and a busy timeout on SQLite; on PostgreSQL, each
    connection is pinged at checkout when it sat idle in the pool (see _ping_when_idle)."""
    url = make_url(normalize_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        _tune_sqlite(engine)
        return engine
    # The pool keeps as many connections as a process's threads use at once (a clock's eight
    # senders and its loop; a web worker's eight threads): with fewer kept, each connection
    # beyond them was opened and closed again per transaction, a new PostgreSQL backend each
    # time. At most 15 a process either way.
    engine = create_engine(
        url, echo=echo, pool_size=POOL_SIZE, max_overflow=15 - POOL_SIZE, pool_recycle=1800
    )
    _ping_when_idle(engine)
    _end_reads_with_commit(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, for connections idle a second or more. A database restart closes every
    connection the pool holds; a ping at checkout finds the dead ones and replaces them (all
    of the pool's, as pre-ping does) before any statement fails. A connection handed back
    less than a second ago was alive then: the clock's many short transactions skip the
    round trip (a ping per checkout was about a tenth of the clock's bookkeeping)."""

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # fresh from connect, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and those opened before it, and connects anew.
            raise exc.InvalidatePoolError(f"connection lost while idle: {error}") from error


def _end_reads_with_commit(engine: Engine) -> None:
    """End a PostgreSQL transaction that only read with COMMIT where SQLAlchemy would roll it
    back (a Session closed without commit, `engine.connect()`, the pool's reset).

    psycopg forgets every prepared statement at a ROLLBACK (and deallocates them on the
    server), so a process whose reads end in rollbacks never keeps one: each statement was
    parsed and planned anew every time, most of PostgreSQL's work in the clock's fan-out
    (bench/fanout.py). For a transaction that wrote nothing the two are the same; one that
    ran anything but a SELECT (or failed) is rolled back as before."""
    wrote: weakref.WeakSet = weakref.WeakSet()  # psycopg connections that may have written
    dialect = engine.dialect
    roll_back, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def note_writes(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if statement[:6].upper() != "SELECT":
            wrote.add(conn.connection.driver_connection)

    def do_rollback(dbapi_connection) -> None:
        raw = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        if raw in wrote or raw.info.transaction_status != TransactionStatus.INTRANS:
            wrote.discard(raw)
            roll_back(dbapi_connection)
            return
        try:
            raw.commit()
        except Exception:
            roll_back(dbapi_connection)

    def do_commit(dbapi_connection) -> None:
        wrote.discard(getattr(dbapi_connection, "driver_connection", dbapi_connection))
        commit(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        # Take transaction control from pysqlite so BEGIN IMMEDIATE is possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A session bound with execution_options(sqlite_immediate=True) takes the write
        # lock up front, which is how SQLite workers claim work without a lock clause.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def alembic_config(database_url: str):
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = normalize_database_url(database_url)
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    """Bring the schema at `database_url` up to `revision` through Alembic."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
