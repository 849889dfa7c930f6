"""The daily team-metrics refresh (default every day at 06:00, added with the roster or the
first metric the bot measures): the roster follows its channel and loses people deactivated
in Slack, and the people directory learns the roster's current time zones; pulse rounds
past their 3 days, or that everyone answered, close (their result posted to the roadmap
channel at this fixed time; reminders are the pulse kind's, at each person's own hour); the
automatic readings are recomputed (one per day, never over a
person's reading of the same day)."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks import team as blocks
from bot.kinds.base import Kind, Sending, Sent
from bot.kinds.knowledge_sharing import channel_members
from bot.kinds.posting import NotInChannel, post_message
from bot.scheduling.dispatch import Call, Job
from bot.services import pulse, team, team_metrics
from bot.services.people import remember_users
from models import ScheduleKind, Workspace

log = logging.getLogger(__name__)


def _users(client) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for page in client.users_list(limit=200):
        found.update({u["id"]: u for u in page.get("members") or []})
    return found


def send(sending: Sending) -> Job:
    client, team_id = sending.client, sending.team_id
    with sending.factory() as session:
        workspace = session.get(Workspace, sending.workspace_id)
        channel = (workspace.settings or {}).get(team.SYNC_SETTING)
        roadmap_channel = workspace.roadmap_channel_id
    users, members = None, None
    try:
        users = yield Call(None, team_id, lambda: _users(client))
        if channel:
            members = yield Call(None, team_id, lambda: channel_members(client, channel))
    except SlackApiError as error:
        log.warning("team refresh could not read Slack: %s", error.response.get("error"))
    with sending.factory() as session, session.begin():
        workspace = session.get(Workspace, sending.workspace_id)
        notes = []
        if members is not None:
            change = team.apply_channel_members(
                session, workspace, members, users or {}, sending.now
            )
            if change.added or change.removed:
                notes.append(f"roster +{len(change.added)} −{len(change.removed)}")
        if users is not None:
            roster = team.roster_ids(session, workspace.id)
            remember_users(session, workspace.id, users, roster, sending.now)  # time zones
            gone = team.drop_deactivated(session, workspace, users, sending.now)
            if gone:
                notes.append(f"{len(gone)} deactivated left the roster")
        results = pulse.close_due(session, workspace, sending.now)
        readings = team_metrics.refresh(session, workspace, sending.now)
    for result in results:
        notes.append(f"pulse round closed: {result.text}")
        if roadmap_channel:
            message = blocks.pulse_result(result)
            try:
                yield Call(
                    roadmap_channel,
                    team_id,
                    lambda m=message: post_message(client, channel=roadmap_channel, **m.to_dict()),
                )
            except (SlackApiError, NotInChannel) as error:
                log.warning("pulse result could not be posted: %s", error)
    recorded = [f"{r.metric} ({r.source})" for r in readings if r.recorded]
    if recorded:
        notes.append("recorded " + ", ".join(recorded))
    return Sent(note="Team metrics: " + ("; ".join(notes) or "nothing changed") + ".")


KIND = Kind(
    name=ScheduleKind.TEAM_METRICS,
    label="Team metrics refresh",
    send=send,
    preview_hint="`/roadmap metrics`",
    missed_after=timedelta(hours=23),
    needs_channel=False,
)
