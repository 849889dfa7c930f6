"""The clock's hourly pass for check-in reminders: in every installed workspace whose roadmap
is running, one gentle reminder in the thread of each round left unanswered past the
workspace's deadline (bot.kinds.checkin_prompt.chase_calls). Each round is claimed before its
reminder goes, so two clocks, or a pass run again, remind nobody twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.kinds.checkin_prompt import chase_calls
from bot.scheduling.dispatch import Tally, run_side_by_side
from bot.scheduling.pacing import Pacer
from bot.services.periods import roadmap_lifecycle
from models import Workspace

IN_FLIGHT = 1000  # workspaces reminded at once (their calls on the dispatcher's few threads)


def send_due_chases(
    *,
    factory: sessionmaker[Session],
    client_for: Callable[[Workspace], WebClient],
    now: datetime,
    pacer: Pacer | None = None,
    skip_teams: frozenset[str] = frozenset(),
    stopping: threading.Event | None = None,
) -> int:
    """Send the reminders due at `now` in each installed workspace but those in `skip_teams`,
    the workspaces side by side; returns how many were sent. None in a gap between periods
    or after the roadmap's end: reminders belong to the period under way. One workspace
    failing does not keep the others from theirs."""
    with factory() as session:
        workspaces = [
            workspace
            for workspace in session.scalars(
                select(Workspace).where(Workspace.uninstalled_at.is_(None)).order_by(Workspace.id)
            )
            if workspace.team_id not in skip_teams
            and roadmap_lifecycle(session, workspace, now).running
        ]
    tally = Tally()
    jobs = (
        tally.counted(
            chase_calls(
                factory=factory, client=client_for(workspace), workspace_id=workspace.id, now=now
            ),
            f"check-in reminders failed in {workspace.team_id}",
        )
        for workspace in workspaces
    )
    run_side_by_side(jobs, pacer or Pacer(per_workspace=0), in_flight=IN_FLIGHT, stopping=stopping)
    return tally.total
