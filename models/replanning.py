"""A schedule's `next_due_at` is derived from its rule, zone, holiday policy and options (the
planner computes it); any change to those forgets it, so the next tick looks at the schedule
again. Enforced at flush, for every session, whatever code made the change."""

from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from models.schedule import Schedule
from models.workspace import Workspace

# What a schedule's occurrences depend on: its own columns, and its workspace's zone and
# holidays (a schedule with no zone of its own runs in the workspace's).
SCHEDULE_COLUMNS = ("rule", "cron", "timezone", "holiday_policy", "options", "enabled", "kind")
WORKSPACE_COLUMNS = ("timezone", "holiday_region")


def _changed(instance, columns) -> bool:
    attrs = inspect(instance).attrs
    return any(attrs[column].history.has_changes() for column in columns)


@event.listens_for(Session, "before_flush")
def forget_next_due(session: Session, _context, _instances) -> None:
    for instance in session.dirty:
        if isinstance(instance, Schedule):
            if _changed(instance, SCHEDULE_COLUMNS) and not _changed(instance, ("next_due_at",)):
                instance.next_due_at = None
        elif isinstance(instance, Workspace) and _changed(instance, WORKSPACE_COLUMNS):
            session.connection().execute(
                update(Schedule)
                .where(Schedule.workspace_id == instance.id)
                .values(next_due_at=None)
                .execution_options(synchronize_session=False)
            )
