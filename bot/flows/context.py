"""Who is acting, in which workspace, and when: what every flow is given."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.actors import Actor
from bot.services.channels import ChannelLookup
from bot.services.checkins import first_time
from bot.services.people import PeopleReads
from bot.services.settings import cached_member, remember_member
from bot.services.workspaces import ensure_workspace
from models import Workspace

log = logging.getLogger(__name__)

# users.info for a user id: the user object, or None when Slack would not say. The edge
# (a listener, the console, the CLI) provides it; flows never call Slack themselves.
UserLookup = Callable[[str], dict | None]


class FlowContext:
    """The unit of work of one request: its database session, workspace, actor and time.

    `channel_id` is where the request came from (if anywhere); `event_id` is a Slack event's
    id, for flows that must act once however often Slack retries the event. The actor is
    resolved when a flow first asks (users.info at most once a day per person), so an event
    the flow ignores costs no lookup.
    """

    def __init__(
        self,
        *,
        session: Session,
        workspace: Workspace,
        now: datetime,
        actor: Actor | None = None,
        resolve_actor: Callable[[], Actor] | None = None,
        channel_id: str | None = None,
        event_id: str | None = None,
        event_type: str = "",
        people: PeopleReads | None = None,
        lookup_channel: ChannelLookup | None = None,
        reads=None,
    ):
        if actor is None and resolve_actor is None:
            raise ValueError("a FlowContext needs an actor or a way to resolve one")
        self.session = session
        self.workspace = workspace
        self.now = now
        self._actor = actor
        self._resolve_actor = resolve_actor
        self.channel_id = channel_id
        self.event_id = event_id
        self.event_type = event_type
        # users.list / users.lookupByEmail, for flows that resolve names (None: the cache only).
        self.people = people
        self.lookup_channel = lookup_channel  # "#eng" typed by hand -> its id
        # Slack reads beyond users.info (bot.slack_reads.SlackReads), when the edge has them.
        self.reads = reads

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            self._actor = self._resolve_actor()
        return self._actor

    @actor.setter
    def actor(self, actor: Actor) -> None:
        self._actor = actor

    def first_delivery(self) -> bool:
        """True the first time this event is seen; a retried event is a no-op after it."""
        if self.event_id is None:
            return True
        return first_time(self.session, self.event_id, self.workspace.team_id, self.event_type)


@dataclass
class SystemContext:
    """The unit of work of a request that acts for the app, not for a person in a workspace
    (an uninstall, revoked tokens): only the session and the time."""

    session: Session
    now: datetime


def open_context(
    *,
    session: Session,
    team_id: str,
    enterprise_id: str | None,
    user_id: str,
    now: datetime,
    lookup_user: UserLookup | None = None,
    channel_id: str | None = None,
    event_id: str | None = None,
    event_type: str = "",
    people: PeopleReads | None = None,
    lookup_channel: ChannelLookup | None = None,
    reads=None,
) -> FlowContext:
    workspace = ensure_workspace(session=session, team_id=team_id, enterprise_id=enterprise_id)
    return FlowContext(
        session=session,
        workspace=workspace,
        resolve_actor=lambda: resolve_actor(session, workspace, user_id, now, lookup_user),
        now=now,
        channel_id=channel_id,
        event_id=event_id,
        event_type=event_type,
        people=people,
        lookup_channel=lookup_channel,
        reads=reads,
    )


def resolve_actor(
    session: Session,
    workspace: Workspace,
    user_id: str,
    now: datetime,
    lookup_user: UserLookup | None,
) -> Actor:
    """The person, with their admin flag from users.info (remembered for a day). Looking
    someone up never changes the workspace: its time zone is set by the OAuth install (the
    installer's) or by an admin (`/roadmap config timezone`, or the setup checklist on Home,
    which offers the admin their own zone)."""
    member = cached_member(session, workspace.id, user_id, now)
    if member is None:
        user = lookup_user(user_id) if lookup_user else None
        if user is None:
            return Actor(user_id=user_id)
        member = remember_member(
            session,
            workspace.id,
            user_id,
            now=now,
            name=user.get("real_name") or user.get("name"),
            timezone=user.get("tz"),
            is_slack_admin=bool(user.get("is_admin") or user.get("is_owner")),
        )
    return Actor(user_id=user_id, is_slack_admin=member.is_slack_admin)
