"""Claim deliveries so that exactly one worker sends each: SKIP LOCKED on PostgreSQL,
BEGIN IMMEDIATE on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Delivery, Schedule, Workspace
from models import DeliveryState as State

# A claim older than this belongs to a worker that died; its delivery is checked, not resent.
STALE_CLAIM = timedelta(minutes=5)


def _inactive_workspaces():
    """Workspaces whose token Slack refused: nothing of theirs is claimed."""
    return select(Workspace.id).where(Workspace.inactive_since.is_not(None))


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker now holds, read in the claim's own statement: what the sender
    needs to send it without reading it again."""

    id: int
    schedule_id: int
    kind: str
    occurrence_key: str
    channel: str | None  # where it goes (recorded on the delivery when `channel_for` says so)
    posted_ts: str | None  # what a cut run already posted
    attempts: int  # this one included
    schedule_channel: str | None
    workspace: Workspace  # detached, loaded


# Given a claimed delivery, its schedule and workspace: (its channel, whether to record it).
ChannelFor = Callable[[Delivery, Schedule, Workspace], tuple[str | None, bool]]


def _default_channel(delivery: Delivery, schedule: Schedule, workspace: Workspace):
    return delivery.channel_id or schedule.channel_id or workspace.roadmap_channel_id, False


def _due(locking: bool, among_ids: bool) -> Select:
    """The due deliveries' select, built once per shape: building it (and its cache key) on
    every claim cost more than running it."""
    query = (
        select(Delivery, Schedule, Workspace)
        .join(Schedule, Schedule.id == Delivery.schedule_id)
        .join(Workspace, Workspace.id == Delivery.workspace_id)
        .where(
            Delivery.state == State.PENDING,
            Workspace.inactive_since.is_(None),  # Slack refused its token: it waits
            Delivery.due_at <= bindparam("now"),
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= bindparam("now")),
        )
        .order_by(Delivery.due_at, Delivery.id)
        .limit(bindparam("limit"))
    )
    if among_ids:
        query = query.where(Delivery.id.in_(bindparam("ids", expanding=True)))
    if locking:
        query = query.with_for_update(skip_locked=True, of=Delivery)
    return query


_DUE = {(locking, ids): _due(locking, ids) for locking in (False, True) for ids in (False, True)}
# One executemany for the batch: each row its own channel (None keeps the recorded one).
_CLAIM = (
    update(Delivery.__table__)
    .where(Delivery.__table__.c.id == bindparam("claim_id"))
    .values(
        state=State.CLAIMED,
        claimed_by=bindparam("worker"),
        claimed_at=bindparam("at", type_=Delivery.__table__.c.claimed_at.type),
        attempts=Delivery.__table__.c.attempts + 1,
        channel_id=func.coalesce(
            bindparam("channel", type_=Delivery.__table__.c.channel_id.type),
            Delivery.__table__.c.channel_id,
        ),
    )
)


def claim_batch(
    factory: sessionmaker[Session],
    worker: str,
    now: datetime,
    limit: int = 1,
    *,
    claimed_at: datetime | None = None,
    ids: Collection[int] | None = None,
    channel_for: ChannelFor = _default_channel,
    before: Callable[[Session], None] | None = None,
) -> list[Claimed]:
    """Mark up to `limit` due deliveries as ours and return them ([] when none is due), each
    with its schedule and workspace, and with the channel it goes to recorded before the
    first post (recovery looks there). `ids`: only among these (a manual post sends its own
    deliveries, nothing else). `before(session)` runs first in the same transaction (the
    sender settles the deliveries it finished since the last claim there).
    Two statements however many are claimed: the locking SELECT and one UPDATE (run for
    each row)."""
    engine = factory.kw["bind"]
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # SQLite has no row locks: take the database's write lock before reading.
        engine = engine.execution_options(sqlite_immediate=True)
    with Session(bind=engine, expire_on_commit=False) as session, session.begin():
        if before is not None:
            before(session)
        params: dict = {"now": now, "limit": limit}
        if ids is not None:
            params["ids"] = list(ids)
        rows = session.execute(_DUE[(not sqlite, ids is not None)], params).all()
        if not rows:
            return []
        claimed, marks = [], []
        for delivery, schedule, workspace in rows:
            channel, save = channel_for(delivery, schedule, workspace)
            record = save and channel and channel != delivery.channel_id
            marks.append(
                {
                    "claim_id": delivery.id,
                    "worker": worker,
                    "at": claimed_at or now,
                    "channel": channel if record else None,
                }
            )
            claimed.append(
                Claimed(
                    id=delivery.id,
                    schedule_id=schedule.id,
                    kind=schedule.kind,
                    occurrence_key=delivery.occurrence_key,
                    channel=channel,
                    posted_ts=delivery.message_ts,
                    attempts=delivery.attempts + 1,
                    schedule_channel=schedule.channel_id,
                    workspace=workspace,
                )
            )
        session.connection().execute(_CLAIM, marks)  # Core: no ORM bulk-update machinery
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
