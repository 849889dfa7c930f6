"""Move what someone built in one workspace (usually the console's local one) into another
(the real Slack workspace): goals, metrics and readings, schedules, check-ins, settings.

One transaction: the caller commits once, or nothing moved. Refused when the target already
has a roadmap, goals or metrics (two roadmaps are not merged). The source's remembered people
are dropped (the target's are read from Slack); channel ids are cleared, because the source's
channels do not exist in the target; the emptied source workspace is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.services.workspaces import WorkspaceError, ensure_workspace
from models import Goal, Member, Metric, Roadmap, Schedule, Workspace
from models.base import Base, WorkspaceScoped

# Settings that describe the workspace itself, not what was built in it.
NOT_MOVED_SETTINGS = ("roadmap_end_noticed",)


@dataclass
class MoveReport:
    source: str
    target: str
    moved: dict[str, int] = field(default_factory=dict)  # table -> rows
    replaced_defaults: int = 0  # the target's own default schedules, replaced by the source's

    def summary(self) -> str:
        counts = ", ".join(f"{n} {table}" for table, n in self.moved.items() if n)
        return (
            f"Moved {counts or 'nothing'} from {self.source} to {self.target}."
            + (
                f" Replaced the target's {self.replaced_defaults} default schedules."
                if self.replaced_defaults
                else ""
            )
            + " Set the roadmap channel there with /roadmap config channel #channel."
        )


def _scoped_models() -> list[type]:
    return sorted(
        (m.class_ for m in Base.registry.mappers if issubclass(m.class_, WorkspaceScoped)),
        key=lambda cls: cls.__tablename__,
    )


def move_workspace(
    *, session: Session, source_team: str, target_team: str, now: datetime
) -> MoveReport:
    if source_team == target_team:
        raise WorkspaceError("--from and --to are the same workspace.")
    source = Workspace.by_team(session, source_team)
    if source is None:
        raise WorkspaceError(f"There is no workspace {source_team} to move from.")
    target = ensure_workspace(session=session, team_id=target_team)
    for model, what in ((Roadmap, "a roadmap"), (Goal, "goals"), (Metric, "metrics")):
        count = session.scalar(
            select(func.count()).select_from(model).where(model.workspace_id == target.id)
        )
        if count:
            raise WorkspaceError(
                f"{target_team} already has {what}: I move into a workspace without a roadmap "
                "only. Purge it first (python -m bot purge --team …) if it should be replaced."
            )
    report = MoveReport(source_team, target_team)
    # The target's untouched defaults give way to the schedules built in the source.
    kinds = set(session.scalars(select(Schedule.kind).where(Schedule.workspace_id == source.id)))
    defaults = session.execute(
        delete(Schedule).where(
            Schedule.workspace_id == target.id,
            Schedule.source == "default",
            Schedule.kind.in_(kinds),
        )
    )
    report.replaced_defaults = defaults.rowcount or 0
    session.execute(delete(Member).where(Member.workspace_id == source.id))
    for model in _scoped_models():
        result = session.execute(
            update(model)
            .where(model.workspace_id == source.id)
            .values(workspace_id=target.id)
            .execution_options(synchronize_session=False)
        )
        report.moved[model.__tablename__] = result.rowcount or 0
    session.execute(
        update(Schedule)
        .where(Schedule.workspace_id == target.id)
        .values(channel_id=None)
        .execution_options(synchronize_session=False)
    )
    target.timezone = source.timezone or target.timezone
    target.holiday_region = source.holiday_region or target.holiday_region
    moved = {k: v for k, v in (source.settings or {}).items() if k not in NOT_MOVED_SETTINGS}
    target.settings = {**(target.settings or {}), **moved}
    target.updated_at = now
    session.flush()
    session.delete(source)
    session.flush()
    return report
