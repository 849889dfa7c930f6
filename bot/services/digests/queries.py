"""The queries behind the digests: each loads one kind of row for the whole workspace in one
statement (windowed where only the newest rows matter), so a digest's cost does not grow with
the number of goals, owners, check-ins or readings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from models import (
    AuditEntry,
    Category,
    Checkin,
    CheckinPrompt,
    Delivery,
    DeliveryState,
    Goal,
    GoalOwner,
    Member,
    Metric,
    MetricReading,
    RitualOccurrence,
    Schedule,
)

Point = tuple[datetime, float]
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class GoalRow:
    id: int
    number: int
    period_id: int
    category_id: int
    title: str
    normalized_title: str
    status: str
    status_note: str | None
    progress: int
    due_date: date | None
    created_at: datetime
    metric_id: int | None
    target_value: float | None
    target_comparator: str | None
    target_unit: str | None
    target_kind: str | None

    @property
    def ref(self) -> str:
        return f"G{self.number}"


_GOAL_COLUMNS = [getattr(Goal, name) for name in GoalRow.__dataclass_fields__]


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    action: str
    target: str | None
    details: dict


def goals_where(session: Session, workspace_id: int, *conditions) -> list[GoalRow]:
    """Unarchived goals matching `conditions`, as plain rows (owners are loaded apart)."""
    rows = session.execute(
        select(*_GOAL_COLUMNS)
        .where(Goal.workspace_id == workspace_id, Goal.archived.is_(False), *conditions)
        .order_by(Goal.position, Goal.number)
    )
    return [GoalRow(*row) for row in rows]


def owners_where(session: Session, workspace_id: int, *conditions) -> dict[int, tuple[str, ...]]:
    """The owners of the goals matching `conditions`, by goal id, in their order."""
    rows = session.execute(
        select(GoalOwner.goal_id, GoalOwner.owner)
        .join(Goal, Goal.id == GoalOwner.goal_id)
        .where(
            GoalOwner.workspace_id == workspace_id,
            Goal.workspace_id == workspace_id,
            Goal.archived.is_(False),
            *conditions,
        )
        .order_by(GoalOwner.goal_id, GoalOwner.position)
    )
    owners: dict[int, list[str]] = {}
    for goal_id, owner in rows:
        owners.setdefault(goal_id, []).append(owner)
    return {goal_id: tuple(names) for goal_id, names in owners.items()}


def category_names(session: Session, workspace_id: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(Category.id, Category.name)
            .where(Category.workspace_id == workspace_id)
            .order_by(Category.position, Category.id)
        ).all()
    )


def member_names(session: Session, workspace_id: int) -> dict[str, str]:
    return dict(
        session.execute(
            select(Member.user_id, Member.name).where(
                Member.workspace_id == workspace_id, Member.name.is_not(None)
            )
        ).all()
    )


def active_metrics(session: Session, workspace_id: int) -> list[Metric]:
    return list(
        session.scalars(
            select(Metric)
            .where(Metric.workspace_id == workspace_id, Metric.archived.is_(False))
            .order_by(Metric.position, Metric.id)
        )
    )


def _ranked_readings(workspace_id: int, until: datetime, inclusive: bool):
    """Readings recorded until `until`, numbered newest first within each metric."""
    bound = MetricReading.recorded_at <= until if inclusive else MetricReading.recorded_at < until
    return (
        select(
            MetricReading.metric_id,
            MetricReading.value,
            MetricReading.recorded_at,
            func.row_number()
            .over(
                partition_by=MetricReading.metric_id,
                order_by=(MetricReading.recorded_at.desc(), MetricReading.id.desc()),
            )
            .label("rank"),
        )
        .where(MetricReading.workspace_id == workspace_id, bound)
        .subquery()
    )


def latest_readings_until(
    session: Session, workspace_id: int, until: datetime, *, inclusive: bool = True
) -> dict[int, Point]:
    """Each metric's newest reading recorded at or before `until` (before it, if exclusive)."""
    ranked = _ranked_readings(workspace_id, until, inclusive)
    rows = session.execute(
        select(ranked.c.metric_id, ranked.c.recorded_at, ranked.c.value).where(ranked.c.rank == 1)
    )
    return {metric_id: (at, value) for metric_id, at, value in rows}


def readings_since(
    session: Session,
    workspace_id: int,
    *,
    start: datetime,
    until: datetime,
    inclusive: bool = True,
    keep: int = 0,
) -> dict[int, list[Point]]:
    """Each metric's readings from `start` until `until`, plus its newest `keep` readings
    until `until` whenever they were recorded, oldest first."""
    ranked = _ranked_readings(workspace_id, until, inclusive)
    rows = session.execute(
        select(ranked.c.metric_id, ranked.c.recorded_at, ranked.c.value)
        .where(or_(ranked.c.recorded_at >= start, ranked.c.rank <= keep))
        .order_by(ranked.c.metric_id, ranked.c.recorded_at)
    )
    series: dict[int, list[Point]] = {}
    for metric_id, at, value in rows:
        series.setdefault(metric_id, []).append((at, value))
    return series


def answered_goals(
    session: Session, workspace_id: int, cycles: list[str], until: datetime | None = None
) -> dict[str, set[int]]:
    """The goals with a standing answer (a status, not taken back) in each cycle, as of
    `until` (answers given later, or taken back only later, count as then)."""
    conditions = [Checkin.retracted_at.is_(None)]
    if until is not None:
        conditions = [
            Checkin.created_at <= until,
            or_(Checkin.retracted_at.is_(None), Checkin.retracted_at > until),
        ]
    rows = session.execute(
        select(Checkin.cycle, Checkin.goal_id).where(
            Checkin.workspace_id == workspace_id,
            Checkin.cycle.in_(cycles),
            Checkin.status.is_not(None),
            *conditions,
        )
    )
    answered: dict[str, set[int]] = {cycle: set() for cycle in cycles}
    for cycle, goal_id in rows:
        answered[cycle].add(goal_id)
    return answered


def prompted_cycles(
    session: Session, workspace_id: int, cycles: list[str], until: datetime | None = None
) -> set[str]:
    later = [CheckinPrompt.created_at <= until] if until is not None else []
    return set(
        session.scalars(
            select(CheckinPrompt.cycle)
            .where(
                CheckinPrompt.workspace_id == workspace_id,
                CheckinPrompt.cycle.in_(cycles),
                *later,
            )
            .distinct()
        )
    )


def latest_notes(
    session: Session, workspace_id: int, *conditions, until: datetime | None = None
) -> dict[int, str]:
    """The newest check-in note (given by `until`) of each goal matching `conditions`."""
    given = [Checkin.created_at <= until] if until is not None else []
    ranked = (
        select(
            Checkin.goal_id,
            Checkin.note,
            func.row_number()
            .over(
                partition_by=Checkin.goal_id,
                order_by=(Checkin.updated_at.desc(), Checkin.id.desc()),
            )
            .label("rank"),
        )
        .where(
            Checkin.workspace_id == workspace_id,
            Checkin.note.is_not(None),
            *given,
            Checkin.goal_id.in_(
                select(Goal.id).where(Goal.workspace_id == workspace_id, *conditions)
            ),
        )
        .subquery()
    )
    rows = session.execute(select(ranked.c.goal_id, ranked.c.note).where(ranked.c.rank == 1))
    return dict(rows.all())


def audit_between(
    session: Session, workspace_id: int, actions: tuple[str, ...], since: datetime, until: datetime
) -> list[AuditRow]:
    """Audit entries with `since` < at <= `until`, oldest first."""
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.action, AuditEntry.target, AuditEntry.details)
        .where(
            AuditEntry.workspace_id == workspace_id,
            AuditEntry.action.in_(actions),
            AuditEntry.at > since,
            AuditEntry.at <= until,
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return [AuditRow(at, action, target, details or {}) for at, action, target, details in rows]


def audit_before(
    session: Session,
    workspace_id: int,
    actions: tuple[str, ...],
    since: datetime,
    until: datetime,
    keep: int = 10,
) -> dict[str, list[AuditRow]]:
    """For each target with an entry in (since, until], its `keep` newest entries at or before
    `since`, newest first: what was on record when the window opened."""
    changed = select(AuditEntry.target).where(
        AuditEntry.workspace_id == workspace_id,
        AuditEntry.action.in_(actions),
        AuditEntry.at > since,
        AuditEntry.at <= until,
    )
    ranked = (
        select(
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.target,
            AuditEntry.details,
            func.row_number()
            .over(
                partition_by=AuditEntry.target,
                order_by=(AuditEntry.at.desc(), AuditEntry.id.desc()),
            )
            .label("rank"),
        )
        .where(
            AuditEntry.workspace_id == workspace_id,
            AuditEntry.action.in_(actions),
            AuditEntry.at <= since,
            AuditEntry.target.in_(changed),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.at, ranked.c.action, ranked.c.target, ranked.c.details)
        .where(ranked.c.rank <= keep)
        .order_by(ranked.c.target, ranked.c.rank)
    )
    history: dict[str, list[AuditRow]] = {}
    for at, action, target, details in rows:
        history.setdefault(target, []).append(AuditRow(at, action, target, details or {}))
    return history


def audit_of(session: Session, workspace_id: int, condition: ColumnElement[bool]) -> list[AuditRow]:
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.action, AuditEntry.target, AuditEntry.details)
        .where(AuditEntry.workspace_id == workspace_id, condition)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return [AuditRow(at, action, target, details or {}) for at, action, target, details in rows]


def ritual_schedules(session: Session, workspace_id: int) -> list[Schedule]:
    return list(
        session.scalars(
            select(Schedule)
            .where(
                Schedule.workspace_id == workspace_id,
                Schedule.kind.in_(("knowledge_sharing", "retrospective")),
            )
            .order_by(Schedule.id)
        )
    )


def next_occurrences(
    session: Session, workspace_id: int, today: date
) -> dict[str, RitualOccurrence]:
    """The next planned knowledge-sharing session and retrospective on or after `today`."""
    ranked = (
        select(
            RitualOccurrence.id,
            func.row_number()
            .over(
                partition_by=RitualOccurrence.kind,
                order_by=(RitualOccurrence.occurrence_date, RitualOccurrence.id),
            )
            .label("rank"),
        )
        .where(
            RitualOccurrence.workspace_id == workspace_id,
            RitualOccurrence.kind.in_(("knowledge_sharing", "retrospective")),
            RitualOccurrence.occurrence_date >= today,
            RitualOccurrence.state == "planned",
        )
        .subquery()
    )
    rows = session.scalars(
        select(RitualOccurrence)
        .join(ranked, ranked.c.id == RitualOccurrence.id)
        .where(ranked.c.rank == 1)
    )
    return {row.kind: row for row in rows}


def rewritten_after(
    session: Session, workspace_id: int, actions: tuple[str, ...], now: datetime
) -> tuple[set[str], set[str], dict[str, list[AuditRow]]]:
    """For a digest built as of an earlier instant: the goals added after `now`, the goals
    whose state changed after it, and for each of those its newest entries at or before
    `now` (what was on record then)."""
    rows = session.execute(
        select(AuditEntry.target, AuditEntry.action)
        .where(
            AuditEntry.workspace_id == workspace_id,
            AuditEntry.action.in_((*actions, "goal.add")),
            AuditEntry.at > now,
        )
        .distinct()
    ).all()
    added = {target for target, action in rows if action == "goal.add"}
    later = {target for target, action in rows if action != "goal.add"}
    if not later:
        return added, later, {}
    return added, later, audit_before(session, workspace_id, actions, now, FAR_FUTURE)


def previous_digest_at(
    session: Session, workspace_id: int, kind: str, before: datetime, after: datetime
) -> datetime | None:
    """When the last digest of `kind` that was sent was due, strictly before `before` and
    after `after` (None when there was none)."""
    return session.scalar(
        select(func.max(Delivery.due_at))
        .join(Schedule, Schedule.id == Delivery.schedule_id)
        .where(
            Schedule.workspace_id == workspace_id,
            Schedule.kind == kind,
            Delivery.state == DeliveryState.SENT,
            Delivery.due_at < before,
            Delivery.due_at > after,
        )
    )


def latest_sources(
    session: Session, workspace_id: int, until: datetime | None = None
) -> dict[int, tuple[str, str | None]]:
    """Each metric's newest reading's source (github, prometheus, pulse, command…) and note
    ("4.0/5 from 4 of 5"), at or before `until` when given: one row per metric."""
    where = [MetricReading.workspace_id == workspace_id]
    if until is not None:
        where.append(MetricReading.recorded_at <= until)
    ranked = (
        select(
            MetricReading.metric_id,
            MetricReading.source,
            MetricReading.note,
            func.row_number()
            .over(
                partition_by=MetricReading.metric_id,
                order_by=(MetricReading.recorded_at.desc(), MetricReading.id.desc()),
            )
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.metric_id, ranked.c.source, ranked.c.note).where(ranked.c.rank == 1)
    )
    return {metric_id: (source, note) for metric_id, source, note in rows}
