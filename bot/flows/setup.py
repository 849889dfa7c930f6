"""The setup checklist's items, done in place on the Home tab: each changes one setting and
publishes the admin's Home again, with the item ticked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.setup import private_channel_note
from bot.flows.context import FlowContext
from bot.flows.home import home_effects
from bot.flows.outcome import JoinChannel, Outcome
from bot.services import settings
from bot.services.setup import accept_holidays


@dataclass(frozen=True)
class SetupChannel:
    channel: str


@dataclass(frozen=True)
class SetupTimezone:
    timezone: str


@dataclass(frozen=True)
class SetupHolidays:
    region: str | None  # None: no public holidays


@dataclass(frozen=True)
class SetupAdmins:
    users: tuple[str, ...]


def _change(ctx: FlowContext, name: str, values: tuple[str, ...]) -> None:
    settings.change_config(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, name=name, values=values
    )


def set_channel(request: SetupChannel, ctx: FlowContext) -> Outcome:
    """The roadmap channel; the bot joins it (a private one: the admin is told to invite it)."""
    _change(ctx, "channel", (request.channel,))
    return Outcome(
        effects=[
            JoinChannel(request.channel, private_channel_note(request.channel)),
            *home_effects(ctx, [ctx.actor.user_id]),
        ]
    )


def set_timezone(request: SetupTimezone, ctx: FlowContext) -> Outcome:
    _change(ctx, "timezone", (request.timezone,))
    return Outcome(effects=home_effects(ctx, [ctx.actor.user_id]))


def set_holidays(request: SetupHolidays, ctx: FlowContext) -> Outcome:
    accept_holidays(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, region=request.region
    )
    return Outcome(effects=home_effects(ctx, [ctx.actor.user_id]))


def set_admins(request: SetupAdmins, ctx: FlowContext) -> Outcome:
    _change(ctx, "admins", request.users)
    return Outcome(effects=home_effects(ctx, [ctx.actor.user_id]))
