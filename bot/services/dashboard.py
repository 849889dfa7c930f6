"""What the App Home shows, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Goal, Workspace


@dataclass(frozen=True)
class HomeSummary:
    workspace_name: str | None
    goal_count: int


def home_summary(*, session: Session, workspace_id: int) -> HomeSummary:
    workspace = session.get(Workspace, workspace_id)
    count = session.scalar(
        select(func.count())
        .select_from(Goal)
        .where(Goal.workspace_id == workspace_id, Goal.archived.is_(False))
    )
    return HomeSummary(workspace_name=workspace.name if workspace else None, goal_count=count or 0)
