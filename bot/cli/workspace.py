"""Which workspace a CLI command acts on.

With one bot token (SLACK_BOT_TOKEN, no OAuth), the token's own team: asked of Slack once
with auth.test, so an operator's `import` lands where Slack will look for it. With OAuth
(many workspaces), `--team`, or the only one there is; with several, an error listing them.
The console's local workspace is used only when no Slack credentials are configured.
"""

from __future__ import annotations

import functools
import urllib.error

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.runtime import make_web_client
from bot.services.workspaces import WorkspaceError, resolve_workspace
from models import Workspace


@functools.cache
def _token_team(api_url: str, token: str, timeout: float) -> str:
    client = make_web_client(
        Settings(slack_api_url=api_url, slack_timeout=timeout), token, wait_on_rate_limit=True
    )
    try:
        return client.auth_test()["team_id"]
    except SlackApiError as error:
        raise WorkspaceError(
            "Slack did not say which workspace SLACK_BOT_TOKEN belongs to "
            f"({error.response.get('error')}); pass --team T0123ABCD."
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise WorkspaceError(
            "I could not reach Slack to ask which workspace SLACK_BOT_TOKEN belongs to "
            f"({error}); pass --team T0123ABCD."
        ) from None


def token_team(settings: Settings) -> str | None:
    """The team of the single bot token, or None in OAuth mode or without a token."""
    if settings.oauth_enabled or not settings.slack_bot_token:
        return None
    return _token_team(settings.slack_api_url, settings.slack_bot_token, settings.slack_timeout)


def cli_workspace(
    session: Session, settings: Settings, team_id: str | None, *, create: bool = False
) -> Workspace:
    """The workspace for `--team` (or none given). `create`: a new workspace row may be made
    (an import into a team nothing was stored for yet)."""
    team_id = team_id or token_team(settings)
    if team_id:
        return resolve_workspace(session=session, team_id=team_id, create_local=create)
    return resolve_workspace(session=session, create_local=create and not settings.slack_configured)
