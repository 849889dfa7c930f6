"""The unit of work around one flow: one transaction, committed once, or rolled back.

The listener wrapper (handlers.common), the console and the in-process tests all run flows
through `run_flow`, so a flow behaves the same wherever it is called from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks.replies import problem
from bot.flows.context import FlowContext, SystemContext, UserLookup, open_context
from bot.flows.outcome import Outcome
from bot.services.channels import ChannelLookup
from bot.services.errors import InvalidInput, ServiceError
from bot.services.people import PeopleReads
from models import utcnow

Flow = Callable[[Any, FlowContext], Outcome]


@dataclass(frozen=True)
class Invocation:
    """One flow to run for one request.

    `usage` is shown under a service's complaint about a slash command. For a modal,
    `field_blocks` maps a ServiceError's `field` to the input block that shows it
    (`default_block` otherwise). `system`: the flow acts for the app, not for a person, and
    gets a SystemContext.
    """

    flow: Flow
    request: Any
    user_id: str
    usage: str | None = None
    field_blocks: Mapping[str, str] | None = None
    default_block: str | None = None
    system: bool = False


@dataclass(frozen=True)
class Origin:
    """Where a request came from: its workspace, channel and (for events) Slack event id."""

    team_id: str | None
    enterprise_id: str | None = None
    channel_id: str | None = None
    event_id: str | None = None
    event_type: str = ""
    modal: bool = False  # a view submission: complaints go under the field at fault


def run_flow(
    session: Session,
    invocation: Invocation,
    origin: Origin,
    *,
    lookup_user: UserLookup | None = None,
    people: PeopleReads | None = None,
    lookup_channel: ChannelLookup | None = None,
    now=None,
    reads=None,
) -> Outcome:
    """Run the flow: commit once when it returns; on a ServiceError roll back and answer
    with the complaint (privately, or under the modal's field). Anything else propagates,
    after the rollback, for the caller to log and apologise for."""
    now = now or utcnow()
    try:
        if invocation.system:
            outcome = invocation.flow(invocation.request, SystemContext(session, now))
        else:
            ctx = open_context(
                session=session,
                team_id=origin.team_id,
                enterprise_id=origin.enterprise_id,
                user_id=invocation.user_id,
                now=now,
                lookup_user=lookup_user,
                channel_id=origin.channel_id,
                event_id=origin.event_id,
                event_type=origin.event_type,
                people=people,
                lookup_channel=lookup_channel,
                reads=reads,
            )
            outcome = invocation.flow(invocation.request, ctx)
        session.commit()  # the change is stored before anyone is told about it
        return outcome
    except ServiceError as error:
        session.rollback()
        if origin.modal:
            blocks = invocation.field_blocks or {}
            block = blocks.get(error.field or "", invocation.default_block)
            if block:
                return Outcome(errors={block: str(error)[:150]})
        # The usage line helps with a malformed command, not a refusal or a missing goal.
        usage = invocation.usage if isinstance(error, InvalidInput) else None
        return Outcome(reply=problem(str(error), usage=usage))
    except BaseException:
        session.rollback()
        raise
