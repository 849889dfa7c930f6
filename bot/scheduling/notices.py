"""Notices the clock sends on its own, outside any schedule: the roadmap is ending.

When the roadmap ends (or ENDING_NOTICE before its last day, when nothing follows it) each
admin (else the roadmap channel) gets one message with an "Import the next roadmap" button.
Once: the roadmap's last day is recorded on the workspace, under a row lock, before anyone is
told; a new roadmap that ends on another day is noticed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.lifecycle import roadmap_end_notice
from bot.services.periods import Lifecycle, lifecycle, roadmap_lifecycle, workspace_today
from bot.services.workspaces import workspace_admins
from models import Period, Workspace

log = logging.getLogger(__name__)

NOTICE_KEY = "roadmap_end_noticed"  # in workspace.settings: the last day already announced


def roadmap_end_notices(
    factory: sessionmaker[Session],
    client_for: Callable[[Workspace], WebClient],
    now: datetime,
    *,
    skip_teams: frozenset[str] = frozenset(),
) -> int:
    """Tell the admins of each workspace whose roadmap ended (or ends soon) once; returns
    how many messages were sent."""
    with factory() as session:  # two reads for all: most ticks find nothing to say
        active = (Workspace.uninstalled_at.is_(None), Workspace.team_id.not_in(skip_teams))
        periods: dict[int, list[Period]] = {}
        for period in session.scalars(
            select(Period)
            .join(Workspace, Workspace.id == Period.workspace_id)
            .where(*active)
            .order_by(Period.workspace_id, Period.start_date, Period.end_date)
        ):
            periods.setdefault(period.workspace_id, []).append(period)
        ids = [
            workspace.id
            for workspace in session.scalars(select(Workspace).where(*active))
            if _to_tell(
                workspace, lifecycle(periods.get(workspace.id, []), workspace_today(workspace, now))
            )
        ]
    sent = 0
    for workspace_id in ids:
        with factory() as session, session.begin():
            workspace = session.get(Workspace, workspace_id, with_for_update=True)
            life = roadmap_lifecycle(session, workspace, now)  # again, under the lock: once
            if not _to_tell(workspace, life):
                continue
            last_day = life.last_day.isoformat()
            workspace.settings = {**(workspace.settings or {}), NOTICE_KEY: last_day}
            # No admin known yet: the roadmap channel hears it instead (if there is one).
            admins = workspace_admins(session, workspace) or [
                c for c in [workspace.roadmap_channel_id] if c
            ]
            message = roadmap_end_notice(life.last_day, life.today)
        if not admins:
            log.warning(
                "%s: the roadmap ends on %s; no admin known to tell", workspace.team_id, last_day
            )
        client = client_for(workspace)
        for admin in admins:
            try:
                client.chat_postMessage(channel=admin, **message.to_dict())
                sent += 1
            except SlackApiError as error:
                log.warning(
                    "could not tell %s the roadmap ends: %s", admin, error.response.get("error")
                )
    return sent


def _to_tell(workspace: Workspace, life: Lifecycle) -> bool:
    """Whether the roadmap's end is to be announced now (not yet, or not this last day)."""
    if not life.ending_soon() or life.last_day is None:
        return False
    return (workspace.settings or {}).get(NOTICE_KEY) != life.last_day.isoformat()
