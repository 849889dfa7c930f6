"""Declarative base with a constraint naming convention and a UTC datetime type."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: identical on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


class WorkspaceScoped:
    """Every row belongs to one workspace; deleting the workspace deletes its rows."""

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _insert(session):
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def insert_ignoring_conflicts(
    session, model: type[Base], values: dict, conflict: list[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on both backends; True when a row was inserted.

    This, not a lock held by one process, is what lets several processes race safely.
    """
    key = next(iter(model.__table__.primary_key.columns))
    statement = (
        _insert(session)(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(key)
    )
    return session.execute(statement).first() is not None


INSERT_ROWS = 500  # rows a statement: within both drivers' limits on bound parameters


def insert_all_ignoring_conflicts(
    session, model: type[Base], rows: list[dict], conflict: list[str], returning: list
) -> list[tuple]:
    """insert_ignoring_conflicts for many rows, INSERT_ROWS to a statement (rows of the same
    columns): the `returning` columns of the rows inserted, those that conflicted left out."""
    inserted: list[tuple] = []
    for start in range(0, len(rows), INSERT_ROWS):
        statement = (
            _insert(session)(model)
            .values(rows[start : start + INSERT_ROWS])
            .on_conflict_do_nothing(index_elements=conflict)
            .returning(*returning)
        )
        inserted += [tuple(row) for row in session.connection().execute(statement)]
    return inserted
