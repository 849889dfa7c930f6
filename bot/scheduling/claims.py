"""Claim deliveries so that exactly one worker sends each: SKIP LOCKED on PostgreSQL,
BEGIN IMMEDIATE on SQLite."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Delivery, Workspace
from models import DeliveryState as State

# A claim older than this belongs to a worker that died; its delivery is checked, not resent.
STALE_CLAIM = timedelta(minutes=5)


def _inactive_workspaces():
    """Workspaces whose token Slack refused: nothing of theirs is claimed."""
    return select(Workspace.id).where(Workspace.inactive_since.is_not(None))


def _claimable(now: datetime, limit: int, ids: Collection[int] | None = None):
    query = (
        select(Delivery.id)
        .where(
            Delivery.state == State.PENDING,
            Delivery.workspace_id.not_in(_inactive_workspaces()),
            Delivery.due_at <= now,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    return query if ids is None else query.where(Delivery.id.in_(list(ids)))


def claim_due(
    factory: sessionmaker[Session],
    worker: str,
    now: datetime,
    limit: int = 1,
    *,
    claimed_at: datetime | None = None,
    ids: Collection[int] | None = None,
) -> list[int]:
    """Mark up to `limit` due deliveries as ours and return their ids ([] when none is due).
    `ids`: only among these (a manual post sends its own deliveries, nothing else).
    Two statements however many are claimed: the locking SELECT and one UPDATE."""
    engine = factory.kw["bind"]
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # SQLite has no row locks: take the database's write lock before reading.
        engine = engine.execution_options(sqlite_immediate=True)
    with Session(bind=engine, expire_on_commit=False) as session, session.begin():
        query = _claimable(now, limit, ids)
        if not sqlite:
            query = query.with_for_update(skip_locked=True)
        claimed = list(session.scalars(query))
        if claimed:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(claimed))
                .values(
                    state=State.CLAIMED,
                    claimed_by=worker,
                    claimed_at=claimed_at or now,
                    attempts=Delivery.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
        return claimed


def stale_claims(session: Session, now: datetime) -> list[Delivery]:
    """Deliveries whose worker vanished mid-send, and those whose post timed out."""
    return list(
        session.scalars(
            select(Delivery).where(
                Delivery.workspace_id.not_in(_inactive_workspaces()),
                or_(
                    (Delivery.state == State.CLAIMED) & (Delivery.claimed_at < now - STALE_CLAIM),
                    (Delivery.state == State.UNCERTAIN)
                    & or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
                ),
            )
        )
    )


def refresh(session: Session, worker: str, at: datetime) -> None:
    """Renew the claims a live worker holds, so none of them looks abandoned."""
    session.execute(
        update(Delivery)
        .where(Delivery.claimed_by == worker, Delivery.state == State.CLAIMED)
        .values(claimed_at=at)
    )


def settle_unchanged(
    session: Session, delivery_id: int, seen_state: str, seen_claimed_at, **values
) -> bool:
    """Update a delivery only if it is still as the caller saw it (same state, same claim);
    False when another clock got there first."""
    claimed = (
        Delivery.claimed_at.is_(None)
        if seen_claimed_at is None
        else Delivery.claimed_at == seen_claimed_at
    )
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state == seen_state, claimed)
        .values(**values)
    )
    return result.rowcount == 1


def release(session: Session, delivery_id: int, *, state: str, **values) -> None:
    session.execute(
        update(Delivery).where(Delivery.id == delivery_id).values(state=state, **values)
    )
