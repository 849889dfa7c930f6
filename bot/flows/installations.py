"""The app leaves a workspace: app_uninstalled and tokens_revoked.

The two events arrive in either order, and retried; both are handled the same way and any
repeat is a no-op. The tokens are deleted in the request's own transaction (a second
connection would wait for SQLite's write lock held by it). With a single SLACK_BOT_TOKEN (no
OAuth) there is nothing to delete: the workspace is marked inactive (nothing more is sent,
its pending deliveries are parked) until a restart with a working token, and the operator is
told once in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.flows.context import SystemContext
from bot.flows.outcome import Outcome
from bot.services.installations import forget_tokens, mark_team_inactive, record_uninstall

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppLeft:
    """The app was uninstalled, or its bot token revoked (`user_tokens`: user tokens revoked
    too; `bot` False when only user tokens were revoked)."""

    team_id: str | None
    enterprise_id: str | None
    org_wide: bool
    event_at: datetime | None
    oauth: bool  # many workspaces, tokens in the installation store
    bot: bool = True
    user_tokens: tuple[str, ...] = ()
    reason: str = "app_uninstalled"  # the event's type


def app_left(request: AppLeft, ctx: SystemContext) -> Outcome:
    if request.user_tokens and request.oauth:
        forget_tokens(
            session=ctx.session,
            enterprise_id=request.enterprise_id,
            team_id=None if request.org_wide else request.team_id,
            user_ids=list(request.user_tokens),
        )
    if not request.bot:
        return Outcome()
    if not request.oauth:
        # One workspace, one SLACK_BOT_TOKEN: a re-install means a new token and a restart
        # (whose auth.test reactivates it), so the workspace is inactive, not uninstalled.
        if request.team_id and mark_team_inactive(
            session=ctx.session, team_id=request.team_id, reason=request.reason, now=ctx.now
        ):
            log.warning(
                "the app was uninstalled from %s (%s): nothing more is sent there; set the new "
                "SLACK_BOT_TOKEN after re-installing and restart, or delete its data with "
                "`python -m bot purge --team %s`",
                request.team_id,
                request.reason,
                request.team_id,
            )
        return Outcome()
    record_uninstall(
        session=ctx.session,
        team_id=request.team_id,
        enterprise_id=request.enterprise_id,
        org_wide=request.org_wide,
        now=ctx.now,
        event_at=request.event_at,
    )
    return Outcome()
