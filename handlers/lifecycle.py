"""app_uninstalled and tokens_revoked: forget the tokens, stop posting, keep the data a while.

The two events arrive in either order, and retried; both are handled the same way and any
repeat is a no-op. Bolt skips authorization for them (the tokens are already dead). The
tokens are deleted in the request's own transaction (a second connection would wait for
SQLite's write lock held by it). With a single SLACK_BOT_TOKEN (no OAuth) the events are
only logged.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_bolt import App

from bot.services.installations import forget_tokens, record_uninstall
from handlers.legacy import legacy_listener as listener
from models import utcnow

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_uninstalled")(listener(app_uninstalled))
    app.event("tokens_revoked")(listener(tokens_revoked))


def app_uninstalled(body: dict, context, db, runtime) -> None:
    uninstall(body=body, context=context, db=db, runtime=runtime)


def tokens_revoked(event: dict, body: dict, context, db, runtime) -> None:
    tokens = event.get("tokens") or {}
    if tokens.get("oauth") and runtime.installation_store is not None:  # user tokens: only those
        forget_tokens(
            session=db,
            enterprise_id=context.enterprise_id,
            team_id=None if context.is_enterprise_install else context.team_id,
            user_ids=list(tokens["oauth"]),
        )
    if tokens.get("bot"):  # without its bot token the app can do nothing here
        uninstall(body=body, context=context, db=db, runtime=runtime)


def uninstall(*, body: dict, context, db, runtime) -> None:
    if runtime.installation_store is None:
        # One workspace, one SLACK_BOT_TOKEN: a re-install means a new token and a restart,
        # which nothing here would notice, so the workspace is not marked (nor purged).
        log.warning(
            "the app was uninstalled from %s: set the new SLACK_BOT_TOKEN after re-installing, "
            "or delete its data with `python -m bot purge --team %s`",
            context.team_id,
            context.team_id,
        )
        return
    stamp = body.get("event_time")
    record_uninstall(
        session=db,
        team_id=context.team_id,
        enterprise_id=context.enterprise_id,
        org_wide=bool(context.is_enterprise_install),
        now=utcnow(),
        event_at=datetime.fromtimestamp(int(stamp), UTC) if stamp else None,
    )
