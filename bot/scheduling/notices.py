"""Notices the clock sends on its own, outside any schedule: the roadmap is ending.

When the roadmap ends (or ENDING_NOTICE before its last day, when nothing follows it) each
admin (else the roadmap channel) gets one message with an "Import the next roadmap" button.
Once: the roadmap's last day is recorded on the workspace, under a row lock, before anyone is
told; a new roadmap that ends on another day is noticed again.

Every tick looks, so the look is one statement that finds only the workspaces whose notice
may be due (`notice_candidates`): an ended roadmap already announced costs a tick nothing,
however many workspaces there are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.lifecycle import roadmap_end_notice
from bot.services.periods import (
    ENDING_NOTICE,
    Lifecycle,
    lifecycle,
    roadmap_lifecycle,
    workspace_today,
)
from bot.services.workspaces import workspace_admins
from models import Period, Workspace

log = logging.getLogger(__name__)

NOTICE_KEY = "roadmap_end_noticed"  # in workspace.settings: the last day already announced

# The first zone into each new date (the Line Islands, UTC+14): no workspace's today is later.
FIRST_ZONE_OFFSET = timedelta(hours=14)


def latest_date_anywhere(now: datetime) -> date:
    """The date where it is latest on earth at `now`: no workspace's today is after it."""
    return (now.astimezone(UTC) + FIRST_ZONE_OFFSET).date()


def roadmap_end_notices(
    factory: sessionmaker[Session],
    client_for: Callable[[Workspace], WebClient],
    now: datetime,
    *,
    skip_teams: frozenset[str] = frozenset(),
) -> int:
    """Tell the admins of each workspace whose roadmap ended (or ends soon) once; returns
    how many messages were sent."""
    with factory() as session:  # one read: most ticks find nothing to say
        candidates = notice_candidates(session, now, skip_teams)
        periods: dict[int, list[Period]] = {}
        if candidates:  # the whole rule, on the few that may be due
            for period in session.scalars(
                select(Period)
                .where(Period.workspace_id.in_([workspace.id for workspace in candidates]))
                .order_by(Period.workspace_id, Period.start_date, Period.end_date)
            ):
                periods.setdefault(period.workspace_id, []).append(period)
        ids = [
            workspace.id
            for workspace in candidates
            if notice_due(
                workspace, lifecycle(periods.get(workspace.id, []), workspace_today(workspace, now))
            )
        ]
    sent = 0
    for workspace_id in ids:
        with factory() as session, session.begin():
            workspace = session.get(Workspace, workspace_id, with_for_update=True)
            life = roadmap_lifecycle(session, workspace, now)  # again, under the lock: once
            if not notice_due(workspace, life):
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


def notice_candidates(
    session: Session, now: datetime, skip_teams: frozenset[str]
) -> list[Workspace]:
    """The installed workspaces whose notice may be due, in one statement: a roadmap's last day
    is always its latest period end (`Lifecycle.last_day`), so it must be past or within
    ENDING_NOTICE of the latest date anywhere, and not the day already announced. A superset of
    those `notice_due` picks (a zone's date lags by up to a day); never fewer."""
    ends = (
        select(Period.workspace_id, func.max(Period.end_date).label("last_day"))
        .group_by(Period.workspace_id)
        .subquery()
    )
    announced = Workspace.settings[NOTICE_KEY].as_string()
    return list(
        session.scalars(
            select(Workspace)
            .join(ends, ends.c.workspace_id == Workspace.id)
            .where(
                Workspace.uninstalled_at.is_(None),
                Workspace.team_id.not_in(skip_teams),
                ends.c.last_day <= latest_date_anywhere(now) + ENDING_NOTICE,
                # a date's text is its ISO form on both databases (PostgreSQL's DateStyle ISO;
                # another style only makes more candidates, which the whole rule then drops)
                or_(announced.is_(None), announced != cast(ends.c.last_day, String)),
            )
            .order_by(Workspace.id)
        )
    )


def notice_due(workspace: Workspace, life: Lifecycle) -> bool:
    """Whether the roadmap's end is to be announced now (not yet, or not this last day)."""
    if not life.ending_soon() or life.last_day is None:
        return False
    return (workspace.settings or {}).get(NOTICE_KEY) != life.last_day.isoformat()
