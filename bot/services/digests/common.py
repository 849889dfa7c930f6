"""Helpers both digests use: goal items, category summaries, day boundaries."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.services.digests.model import CategorySummary, GoalItem, Target
from bot.services.digests.queries import GoalRow
from models import GoalStatus, Metric, Workspace


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
        )
        for category_id, members in sorted(
            grouped.items(), key=lambda pair: order.get(pair[0], len(order))
        )
    ]


def metric_target(metric: Metric) -> Target | None:
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
