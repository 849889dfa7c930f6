"""Manual posts (`/roadmap checkin prompt`, `/roadmap digest weekly`) as delivery rows.

A flow records the post as a Delivery of the workspace's schedule of that kind, unique by
its key ("manual:<UTC time>:<user id>"), inside its own transaction; after the commit the
executor's `RunDeliveries` sends exactly those rows through the clock's `Sender` (claim →
send → record, paced). A post asked for twice is sent once, and one the clock's sender picked
up first is not sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import kinds
from bot.scheduling.pacing import Pacer
from bot.scheduling.sender import Sender, SendReport
from bot.services.errors import InvalidInput
from bot.services.periods import roadmap_lifecycle, state_sentence
from bot.services.schedules import add_schedule
from models import Delivery, Schedule, Workspace

MANUAL_PREFIX = "manual:"


def manual_key(now: datetime, user_id: str) -> str:
    return f"{MANUAL_PREFIX}{now.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}:{user_id}"


def schedule_of_kind(session: Session, workspace: Workspace, kind: str, now: datetime) -> Schedule:
    """The workspace's (first) schedule of `kind`, added with its default rule if missing."""
    query = (
        select(Schedule)
        .where(Schedule.workspace_id == workspace.id, Schedule.kind == kind)
        .order_by(Schedule.id)
    )
    schedule = session.scalars(query).first()
    if schedule is None:
        rule = kinds.kind_of(kind).default_rule
        view = add_schedule(
            session=session,
            workspace=workspace,
            actor=None,
            now=now,
            kind=kind,
            rule=rule,
            source="default",
        )
        schedule = session.get_one(Schedule, view.id)
    return schedule


def manual_delivery(
    session: Session,
    workspace: Workspace,
    *,
    kind: str,
    user_id: str,
    now: datetime,
    channel_id: str | None = None,
) -> int:
    """The id of the delivery row of a manual post, due now (the same row when asked again
    with the same key). Flushed, not committed: the flow's transaction owns it. A kind that
    needs a running roadmap (prompts, the weekly digest) is refused when no period runs."""
    spec = kinds.kind_of(kind)
    if spec.needs_running_roadmap:
        life = roadmap_lifecycle(session, workspace, now)
        if not life.running:
            raise InvalidInput(
                f"{state_sentence(life)} No {spec.label.lower()} while no period is under way."
            )
    schedule = schedule_of_kind(session, workspace, kind, now)
    key = manual_key(now, user_id)
    existing = session.scalar(
        select(Delivery.id).where(
            Delivery.schedule_id == schedule.id, Delivery.occurrence_key == key
        )
    )
    if existing is not None:
        return existing
    delivery = Delivery(
        workspace_id=workspace.id,
        schedule_id=schedule.id,
        occurrence_key=key,
        due_at=now,
        state="pending",
        attempts=0,
        channel_id=channel_id,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery.id


@dataclass(frozen=True)
class DeliveryResult:
    """What became of one delivery: its state, where it went, and the sender's note (a
    check-in run's summary, or why it failed)."""

    id: int
    kind: str
    state: str
    channel_id: str | None
    message_ts: str | None
    note: str | None


@dataclass(frozen=True)
class ManualReport:
    sent: SendReport
    results: tuple[DeliveryResult, ...]

    def result(self, delivery_id: int) -> DeliveryResult | None:
        return next((r for r in self.results if r.id == delivery_id), None)

    def sent_here(self, delivery_id: int) -> bool:
        """Sent by this run (not by a clock that claimed it first)."""
        return delivery_id in self.sent.sent


def send_deliveries(
    factory: sessionmaker[Session],
    client_for: Callable[[Workspace], WebClient],
    ids: Iterable[int],
    *,
    now: datetime,
    worker: str,
    pacer: Pacer | None = None,
) -> ManualReport:
    """Claim, send and record exactly these deliveries, as the clock would."""
    ids = tuple(ids)
    sent = Sender(factory, client_for, worker, pacer, threads=2).run(now, only=ids)
    with factory() as session:
        rows = session.execute(
            select(Delivery, Schedule.kind)
            .join(Schedule, Schedule.id == Delivery.schedule_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        ).all()
        results = tuple(
            DeliveryResult(d.id, kind, d.state, d.channel_id, d.message_ts, d.error)
            for d, kind in rows
        )
    return ManualReport(sent, results)
