"""`/roadmap config api-token create [name] | revoke <name> | list`: tokens for the metrics API.

The reply to `create` holds the token itself, shown this once: send it ephemerally, whatever
`share` says.
"""

from __future__ import annotations

from datetime import datetime

from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn
from bot.services import api_tokens
from bot.services.api_tokens import TokenView
from bot.services.errors import InvalidInput
from handlers.context import RequestContext

USAGE = "/roadmap config api-token create [name] | revoke <name> | list"
BASE_URL_PLACEHOLDER = "$ROADMAP_URL"


def api_token_command(
    ctx: RequestContext, values: tuple[str, ...], *, base_url: str | None = None
) -> Message:
    """Create, revoke or list the workspace's API tokens (roadmap admins only).

    `base_url` is where the bot is reachable, for the curl example; without it the example
    uses `$ROADMAP_URL`.
    """
    action, *rest = values or ("list",)
    action = action.lower()
    if len(rest) > 1:
        raise InvalidInput(f"Give at most one token name. Usage: {USAGE}")
    name = rest[0] if rest else None
    if action == "create":
        token, plaintext = api_tokens.create_token(
            ctx.session, ctx.workspace, ctx.actor, name, now=ctx.now
        )
        return created_message(token.name, plaintext, base_url or BASE_URL_PLACEHOLDER)
    if action == "revoke":
        if not name:
            raise InvalidInput("Which token? Give its name, e.g. `revoke ci-bot`.")
        view = api_tokens.revoke_token(ctx.session, ctx.workspace, ctx.actor, name, now=ctx.now)
        text = f":wastebasket: Revoked API token `{escape_mrkdwn(view.name)}`; it no longer works."
        return Message(text=text, blocks=[section(text)])
    if action == "list":
        if name:
            raise InvalidInput(f"`list` takes no name. Usage: {USAGE}")
        return list_message(api_tokens.list_tokens(ctx.session, ctx.workspace, ctx.actor))
    raise InvalidInput(f"I can't {action} an API token. Usage: {USAGE}")


def created_message(name: str, plaintext: str, base_url: str) -> Message:
    """The new token, once, with a curl example for each endpoint."""
    base = base_url.rstrip("/")
    single = (
        f"curl -X POST {base}/api/v1/metrics/code-coverage/readings \\\n"
        f'  -H "Authorization: Bearer {plaintext}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        "  -d '{\"value\": 87.2}'"
    )
    intro = (
        f":key: New API token `{escape_mrkdwn(name)}`. Copy it now: it is shown only this once "
        "and stored only as a hash."
    )
    how = (
        "Record a metric reading from CI or monitoring"
        + (
            f" (`{BASE_URL_PLACEHOLDER}`: where this bot is served)"
            if base_url == BASE_URL_PLACEHOLDER
            else ""
        )
        + ":"
    )
    return Message(
        text=f"New API token {escape_mrkdwn(name)} (shown once).",
        blocks=[
            section(intro),
            section(f"```{plaintext}```"),
            section(f"{how}\n```{escape_mrkdwn(single)}```"),
            context(
                f"Batch form: `POST {escape_mrkdwn(base)}/api/v1/readings` with "
                '`{"readings": [{"metric": "uptime", "value": 99.95}]}` · API description: '
                f"`GET {escape_mrkdwn(base)}/api/v1/openapi.json` · revoke with "
                f"`/roadmap config api-token revoke {escape_mrkdwn(name)}`"
            ),
        ],
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def list_message(tokens: list[TokenView]) -> Message:
    if not tokens:
        text = "No API tokens yet. Create one: `/roadmap config api-token create ci-bot`."
        return Message(text=text, blocks=[section(text)])
    lines = [
        f"• `{escape_mrkdwn(t.name)}` created {_when(t.created_at)}"
        + (f" by <@{t.created_by}>" if t.created_by else "")
        + f" · last used {_when(t.last_used_at)}"
        for t in tokens
    ]
    return Message(
        text="API tokens: " + ", ".join(escape_mrkdwn(t.name) for t in tokens),
        blocks=[
            section("*API tokens*\n" + "\n".join(lines)),
            context("Revoke one: `/roadmap config api-token revoke &lt;name&gt;`"),
        ],
    )
