"""Alembic environment: the database comes from the caller or from DATABASE_URL."""

from __future__ import annotations

import logging.config

from alembic import context

from bot.config import Settings
from bot.db import create_db_engine, normalize_database_url
from models import Base

config = context.config
if config.config_file_name and config.attributes.get("database_url") is None:
    # Only when run as `alembic ...`; the bot configures its own logging.
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    return normalize_database_url(Settings.from_env().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(database_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    toggled = sqlite and not connection.in_transaction()  # else: the caller's transaction
    if toggled:
        # Batch mode rebuilds a table by copying it and dropping the old one; with foreign
        # keys on, that DROP would first delete (or null) every row that references it.
        # On the driver's connection: through SQLAlchemy it would run inside the BEGIN that
        # bot.db emits, where SQLite ignores this pragma.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if toggled:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
