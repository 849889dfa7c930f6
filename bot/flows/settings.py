"""`/roadmap config`: show the settings, change one, and manage the metrics API's tokens."""

from __future__ import annotations

from bot.blocks.api_tokens import created_message, list_message, revoked_message
from bot.blocks.message import Message
from bot.blocks.replies import config_message
from bot.blocks.setup import private_channel_note
from bot.flows import tool_metrics
from bot.flows.commands import CommandCall, Config
from bot.flows.context import FlowContext
from bot.flows.outcome import JoinChannel, Outcome
from bot.flows.people import owner_ids
from bot.services import api_tokens, settings
from bot.services.actors import require_admin
from bot.services.channels import resolve_channel
from bot.services.errors import InvalidInput

API_TOKEN_USAGE = "/roadmap config api-token create [name] | revoke <name> | list"


def config(call: CommandCall[Config], ctx: FlowContext) -> Outcome:
    cmd = call.command
    if cmd.setting == "api-token" and cmd.values:
        # Always private, whatever `share` says: the reply to `create` shows the token, once.
        return Outcome(reply=api_token_reply(ctx, cmd.values))
    if cmd.setting == "hook":  # private: `create` shows the hook's secret, once
        return Outcome(reply=tool_metrics.hook_reply(ctx, cmd.values))
    if cmd.setting == "prometheus":  # private: it may carry a bearer token
        return Outcome(reply=tool_metrics.prometheus_reply(ctx, cmd.values))
    if cmd.setting is None or not cmd.values:  # `config` or `config timezone`: show them
        return Outcome(reply=config_message(settings.config_view(ctx.workspace)), share=call.share)
    values = cmd.values
    if cmd.setting in ("channel", "admins"):  # refuse before looking anything up
        require_admin(ctx.workspace, ctx.actor, "change the configuration")
    if cmd.setting == "channel" and len(values) == 1:  # "#eng-roadmap" typed by hand
        values = (resolve_channel(values[0], ctx.lookup_channel),)
    if cmd.setting == "admins":  # mentions, @handles, names or e-mails → the people's ids
        values = tuple(owner_ids(ctx, values))
    view = settings.change_config(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        name=cmd.setting,
        values=values,
    )
    effects = []
    if cmd.setting == "channel":  # the bot joins a public channel; a private one is explained
        effects.append(JoinChannel(values[0], private_channel_note(values[0])))
    return Outcome(reply=config_message(view), share=call.share, effects=effects)


def api_token_reply(
    ctx: FlowContext, values: tuple[str, ...], *, base_url: str | None = None
) -> Message:
    """Create, revoke or list the workspace's API tokens (roadmap admins only: the service
    checks). `base_url` is where the bot is reachable, for the curl example."""
    action, *rest = values or ("list",)
    action = action.lower()
    if len(rest) > 1:
        raise InvalidInput(f"Give at most one token name. Usage: {API_TOKEN_USAGE}")
    name = rest[0] if rest else None
    if action == "create":
        token, plaintext = api_tokens.create_token(
            ctx.session, ctx.workspace, ctx.actor, name, now=ctx.now
        )
        return created_message(token.name, plaintext, base_url)
    if action == "revoke":
        if not name:
            raise InvalidInput("Which token? Give its name, e.g. `revoke ci-bot`.")
        view = api_tokens.revoke_token(ctx.session, ctx.workspace, ctx.actor, name, now=ctx.now)
        return revoked_message(view.name)
    if action == "list":
        if name:
            raise InvalidInput(f"`list` takes no name. Usage: {API_TOKEN_USAGE}")
        return list_message(api_tokens.list_tokens(ctx.session, ctx.workspace, ctx.actor))
    raise InvalidInput(f"I can't {action} an API token. Usage: {API_TOKEN_USAGE}")
