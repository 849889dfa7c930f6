"""After an install is stored: set the workspace up and welcome the installer."""

from __future__ import annotations

import logging

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation

from bot.db import transaction
from bot.oauth.welcome import welcome_message
from bot.runtime import Runtime
from bot.services.installations import (
    adopt_installer_timezone,
    record_enterprise_install,
    record_install,
)
from models import utcnow

log = logging.getLogger(__name__)


def install_callbacks(runtime: Runtime) -> CallbackOptions:
    """Bolt's OAuth callbacks: set up the workspace, then show Bolt's own result page."""

    def success(args: SuccessArgs) -> BoltResponse:
        try:
            set_up_installation(runtime, args.installation)
        except Exception:  # the install itself is stored: never show the installer an error
            log.exception("setting up %s after its install failed", args.installation.team_id)
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("an install failed: %s", args.reason)
        return args.default.failure(args)

    return CallbackOptions(success=success, failure=failure)


def set_up_installation(runtime: Runtime, installation: Installation) -> None:
    """Workspace row, installed_at, the installer's time zone, and the welcome DM.

    Team installs are set up at once; an org-wide install's workspaces get their rows as
    their first requests arrive (ensure_workspace), so only the welcome DM is sent here.
    """
    now = utcnow()
    org_wide = bool(installation.is_enterprise_install or not installation.team_id)
    with transaction(runtime.session_factory) as session:
        if org_wide:
            outcome = record_enterprise_install(
                session=session, enterprise_id=installation.enterprise_id, now=now
            )
        else:
            outcome = record_install(
                session=session,
                team_id=installation.team_id,
                enterprise_id=installation.enterprise_id,
                name=installation.team_name,
                now=now,
            )
    client = runtime.web_client(installation.bot_token)
    timezone = None
    if outcome.first_install and not org_wide:
        with transaction(runtime.session_factory) as session:
            timezone = adopt_installer_timezone(
                session=session,
                workspace_id=outcome.workspace_ids[0],
                timezone=installer_timezone(client, installation.user_id),
                installer=installation.user_id,
            )
    if outcome.welcome and installation.user_id:
        name = installation.enterprise_name if org_wide else installation.team_name
        message = welcome_message(team_name=name, timezone=timezone, org_wide=org_wide)
        try:
            client.chat_postMessage(channel=installation.user_id, **message.to_dict())
        except SlackApiError as error:
            log.warning(
                "could not welcome %s: %s", installation.user_id, error.response.get("error")
            )


def installer_timezone(client: WebClient, user_id: str | None) -> str | None:
    """The installer's IANA zone from users.info, or None when Slack does not say."""
    if not user_id:
        return None
    try:
        return client.users_info(user=user_id)["user"].get("tz")
    except SlackApiError as error:
        log.warning("users.info %s failed: %s", user_id, error.response.get("error"))
        return None
