"""The clock's pass for kinds that ask each person at the schedule's local time in their own
time zone (check-in prompts, the pulse survey): on every tick, in the workspaces with an
enabled schedule of such a kind where someone may be due (bot.scheduling.local_gate), the
kind asks whoever's local time has come. Each kind claims a person by a unique key before it
posts, so two clocks or a re-run tick ask nobody twice (bot.services.local_time says who is
due)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import kinds
from bot.kinds.base import LocalPass
from bot.scheduling.dispatch import Job, Tally, run_side_by_side
from bot.scheduling.local_gate import PassWindow, workspaces_to_visit
from bot.scheduling.pacing import Pacer
from models import Workspace

log = logging.getLogger(__name__)

IN_FLIGHT = 1000  # workspaces asked at once (their calls on the dispatcher's few threads)


def ask_due_people(
    *,
    factory: sessionmaker[Session],
    client_for: Callable[[Workspace], WebClient],
    now: datetime,
    pacer: Pacer | None = None,
    skip_teams: frozenset[str] = frozenset(),
    window: PassWindow | None = None,
    stopping: threading.Event | None = None,
) -> int:
    """Run every such kind in each workspace with an enabled schedule of it where someone
    may be due (`window`: which ones, bot.scheduling.local_gate; by default every workspace
    with an occurrence within LATE_LIMIT), but those in `skip_teams` (the console's local one
    when Slack is configured); returns how many people were asked. One kind or workspace
    failing does not keep the others from theirs."""
    local_kinds = [kind for kind in kinds.all_kinds() if kind.asks_at_local_time is not None]
    with factory() as session:
        visits = workspaces_to_visit(session, local_kinds, window or PassWindow(now))
    tally = Tally()

    def passes() -> Iterator[Job]:
        for kind in local_kinds:
            for workspace in visits.get(kind.name, ()):
                if workspace.team_id in skip_teams:
                    continue
                local = LocalPass(
                    factory,
                    workspace.id,
                    workspace.team_id,
                    now,
                    lambda w=workspace: client_for(w),
                )
                failure = f"{kind.label} at local time failed in {workspace.team_id}"
                yield tally.counted(kind.asks_at_local_time(local), failure)

    run_side_by_side(
        passes(), pacer or Pacer(per_workspace=0), in_flight=IN_FLIGHT, stopping=stopping
    )
    return tally.total
