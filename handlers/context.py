"""Turn a Slack request into who is asking, in which workspace, and when."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.services.actors import Actor
from bot.services.goals import GoalView
from bot.services.settings import cached_member, remember_member
from bot.services.workspaces import ensure_workspace
from models import Workspace, utcnow

log = logging.getLogger(__name__)


@dataclass
class RequestContext:
    session: Session
    workspace: Workspace
    actor: Actor
    now: datetime
    client: WebClient
    # Goals a command changed: their owners' App Home is refreshed once the change is stored.
    changed: list[GoalView] = field(default_factory=list)
    respond: object = None  # the response_url poster of a slash command, when there is one
    private: bool = False  # the reply must stay ephemeral even with `share` (it holds a secret)


def request_context(*, db: Session, context, client: WebClient, user_id: str) -> RequestContext:
    workspace = ensure_workspace(
        session=db, team_id=context.team_id, enterprise_id=context.enterprise_id
    )
    now = utcnow()
    return RequestContext(
        session=db,
        workspace=workspace,
        actor=actor_for(db, workspace, client, user_id, now),
        now=now,
        client=client,
    )


def actor_for(
    session: Session, workspace: Workspace, client: WebClient, user_id: str, now: datetime
) -> Actor:
    """The person, with their admin flag from users.info (remembered for a day)."""
    member = cached_member(session, workspace.id, user_id, now)
    if member is None:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            log.warning("users.info %s failed: %s", user_id, error.response.get("error"))
            return Actor(user_id=user_id)
        is_admin = bool(user.get("is_admin") or user.get("is_owner"))
        member = remember_member(
            session,
            workspace.id,
            user_id,
            now=now,
            name=user.get("real_name") or user.get("name"),
            timezone=user.get("tz"),
            is_slack_admin=is_admin,
        )
        if not workspace.installed_at and user.get("tz") and workspace.timezone == "UTC":
            # Until an install tells us, the first person's zone is the team's best guess.
            workspace.timezone = user["tz"]
    return Actor(user_id=user_id, is_slack_admin=member.is_slack_admin)
