"""Helpers both digests use: goal items, category summaries, day boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from bot.services.digests.audit import Rewritten
from bot.services.digests.model import CategorySummary, GoalItem, Target
from bot.services.digests.queries import AuditRow, GoalRow, MetricRow
from models import GOAL_STATUSES, GoalStatus, Workspace


def start_of(day: date, workspace: Workspace) -> datetime:
    """Midnight at the start of `day` in the workspace's zone."""
    return datetime.combine(day, time(), ZoneInfo(workspace.timezone or "UTC"))


def item(
    row: GoalRow,
    owners: dict[int, tuple[str, ...]],
    categories: dict[int, str],
    periods: dict[int, str],
    note: str | None = None,
) -> GoalItem:
    return GoalItem(
        ref=row.ref,
        title=row.title,
        status=row.status,
        progress=row.progress,
        owners=owners.get(row.id, ()),
        category=categories.get(row.category_id, ""),
        period=periods.get(row.period_id, ""),
        note=row.status_note or note,
        due=row.due_date,
    )


def category_summaries(rows: list[GoalRow], categories: dict[int, str]) -> list[CategorySummary]:
    """Goals, done and average progress per category, in the categories' order."""
    order = {category_id: i for i, category_id in enumerate(categories)}
    grouped: dict[int, list[GoalRow]] = {}
    for row in rows:
        grouped.setdefault(row.category_id, []).append(row)
    return [
        CategorySummary(
            name=categories.get(category_id, "Other"),
            goals=len(members),
            done=sum(g.status == GoalStatus.DONE for g in members),
            progress=round(sum(g.progress for g in members) / len(members)),
            by_status={
                status: n
                for status in GOAL_STATUSES
                if (n := sum(g.status == status for g in members))
            },
        )
        for category_id, members in sorted(
            grouped.items(), key=lambda pair: order.get(pair[0], len(order))
        )
    ]


def metric_target(metric: MetricRow) -> Target | None:
    if metric.target is None or metric.comparator is None:
        return None
    return Target(metric.target, metric.comparator, metric.unit)


def milestones(rows: list[GoalRow], period_id: int | None) -> dict[int, Target]:
    """Each metric's milestone for a period: the first goal of it with an absolute target."""
    found: dict[int, Target] = {}
    for row in rows:
        if (
            row.period_id == period_id
            and row.metric_id is not None
            and row.target_kind == "absolute"
            and row.target_value is not None
        ):
            found.setdefault(
                row.metric_id, Target(row.target_value, row.target_comparator, row.target_unit)
            )
    return found


_WORKSPACE = select(Workspace).where(Workspace.id == bindparam("id"))


def load_workspace(session: Session, workspace_id: int) -> Workspace | None:
    """The workspace a scheduled digest is composed for (a prebuilt select: cheaper per
    digest than session.get, which builds its statement every time)."""
    return session.execute(_WORKSPACE, {"id": workspace_id}).scalar_one_or_none()


def snapshot(session: Session) -> Connection:
    """Make the digest's reads one snapshot: on PostgreSQL a REPEATABLE READ transaction
    (when the session has not begun one yet); SQLite's BEGIN already reads one snapshot.
    Returns the session's connection: the digests read on it, past the ORM (so what the
    session holds is flushed first)."""
    session.flush()
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        return session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return session.connection()


def status_of(entry: AuditRow) -> str | None:
    if entry.action == "goal.progress":
        return GoalStatus.DONE if entry.details.get("progress") == 100 else None
    return entry.details.get("status")


def progress_of(entry: AuditRow) -> int | None:
    if entry.action == "goal.status":
        return 100 if entry.details.get("status") == GoalStatus.DONE else None
    return entry.details.get("progress")


def first(entries: list[AuditRow], pick) -> object | None:
    return next((v for v in map(pick, entries) if v is not None), None)


def as_of(rows: list[GoalRow], rewritten: Rewritten) -> list[GoalRow]:
    """The goals as they stood at the instant `rewritten` was read for: goals added later (with
    /roadmap add; imported goals count from their import) are left out, and a goal changed
    later has the status, progress and note the audit log had for it then (or its first
    state, when nothing had been recorded yet)."""
    rows = [r for r in rows if r.ref not in rewritten.added]
    if not rewritten.later:
        return rows
    result = []
    for row in rows:
        if row.ref not in rewritten.later:
            result.append(row)
            continue
        entries = rewritten.history.get(row.ref, [])
        status = first(entries, status_of) or GoalStatus.NOT_STARTED
        progress = first(entries, progress_of)
        note = next((e.details.get("reason") for e in entries if e.action == "goal.status"), None)
        result.append(replace(row, status=status, progress=int(progress or 0), status_note=note))
    return result
