"""Replies of `/roadmap config api-token …`: the new token (shown once), the list, a revoke."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn
from bot.services.api_tokens import TokenView

BASE_URL_PLACEHOLDER = "$ROADMAP_URL"


def created_message(name: str, plaintext: str, base_url: str | None = None) -> Message:
    """The new token, once, with a curl example for each endpoint. Without `base_url` (where
    the bot is reachable) the example uses `$ROADMAP_URL`."""
    base_url = base_url or BASE_URL_PLACEHOLDER
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


def revoked_message(name: str) -> Message:
    text = f":wastebasket: Revoked API token `{escape_mrkdwn(name)}`; it no longer works."
    return Message(text=text, blocks=[section(text)])


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
