"""app_uninstalled and tokens_revoked: forget the tokens, stop posting, keep the data a while.

Bolt skips authorization for these events (the tokens are already dead).
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import App

from bot.flows.installations import AppLeft, app_left
from handlers.common import Invocation, listener


def register(app: App) -> None:
    app.event("app_uninstalled")(listener(app_uninstalled))
    app.event("tokens_revoked")(listener(tokens_revoked))


def _app_left(body: dict, context, **what) -> Invocation:
    stamp = body.get("event_time")
    request = AppLeft(
        team_id=context.team_id,
        enterprise_id=context.enterprise_id,
        org_wide=bool(context.is_enterprise_install),
        event_at=datetime.fromtimestamp(int(stamp), UTC) if stamp else None,
        oauth=context["runtime"].installation_store is not None,
        **what,
    )
    return Invocation(app_left, request, user_id="", system=True)


def app_uninstalled(body: dict, context) -> Invocation:
    return _app_left(body, context)


def tokens_revoked(event: dict, body: dict, context) -> Invocation:
    tokens = event.get("tokens") or {}
    return _app_left(
        body,
        context,
        bot=bool(tokens.get("bot")),
        user_tokens=tuple(tokens.get("oauth") or ()),
        reason="tokens_revoked",
    )
