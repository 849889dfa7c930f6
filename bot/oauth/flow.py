"""OAuth mode: the stores, the install flow and the authorize step, all against our database
and SLACK_API_URL."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from bot.config import Settings
from bot.oauth.crypto import TokenCipher, missing_key_error
from bot.oauth.install import install_callbacks
from bot.oauth.store import BotTokens, EncryptedInstallationStore, make_state_store
from bot.runtime import Runtime, make_web_client

# What the app asks for on install: the bot scopes of manifest.yml (a test keeps them equal).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "reactions:read",
    "reactions:write",
    "team:read",
    "usergroups:read",
    "users:read",
    "users:read.email",
)
# Refresh a rotating token when it has less than this left (Slack's tokens last 12 hours).
TOKEN_ROTATION_MINUTES = 120
NOT_INSTALLED_MESSAGE = (
    ":warning: Roadmap is not installed in this workspace any more. "
    "Ask an admin to add it to Slack again to pick up where you left off."
)


@dataclass
class OAuthParts:
    """What the Bolt app needs in OAuth mode, built once per process."""

    installation_store: EncryptedInstallationStore
    bot_tokens: BotTokens
    authorize: InstallationStoreAuthorize
    flow: OAuthFlow


def build_installation_store(
    settings: Settings, engine: Engine
) -> tuple[EncryptedInstallationStore, BotTokens]:
    """The encrypted installation store and the clock's token source; no key, no start."""
    cipher = TokenCipher.from_setting(settings.encryption_key)
    store = EncryptedInstallationStore(
        client_id=settings.slack_client_id, engine=engine, cipher=cipher
    )
    rotator = TokenRotator(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        client=make_web_client(settings),
    )
    return store, BotTokens(store, rotator, TOKEN_ROTATION_MINUTES)


def authorize_url(settings: Settings) -> str:
    """Slack's consent page on the host of SLACK_API_URL (slack.com, or e.g. GovSlack)."""
    parts = urlsplit(settings.slack_api_url)
    return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


def build_oauth(runtime: Runtime) -> OAuthParts:
    """OAuthFlow + cached InstallationStoreAuthorize; oauth.v2.access and auth.test go to
    SLACK_API_URL through our WebClient (slack_bolt would otherwise call slack.com)."""
    settings = runtime.settings
    store, bot_tokens = runtime.installation_store, runtime.bot_tokens
    if store is None or bot_tokens is None:
        raise missing_key_error()
    client = make_web_client(settings)  # no token: the flow authenticates as the app
    logger = logging.getLogger("slack_bolt.oauth")
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        authorization_url=authorize_url(settings),
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        state_store=make_state_store(runtime.engine),
        callback_options=install_callbacks(runtime),
        logger=logger,
    )
    authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        bot_only=True,  # the app acts with its bot token only; no user tokens are asked for
        cache_enabled=True,  # auth.test once per token and process, not once per request
        client=client,  # token refreshes (oauth.v2.access) go to SLACK_API_URL too
    )
    flow = OAuthFlow(client=client, logger=logger, settings=oauth_settings)
    return OAuthParts(store, bot_tokens, authorize, flow)


def oauth_app_arguments(runtime: Runtime) -> dict[str, Any]:
    """The App(...) keyword arguments of OAuth mode."""
    parts = build_oauth(runtime)
    return {
        "client": make_web_client(runtime.settings),  # per-request copies get the token
        "oauth_flow": parts.flow,
        "authorize": parts.authorize,
        "installation_store": parts.installation_store,
        "installation_store_bot_only": True,
        "user_facing_authorize_error_message": NOT_INSTALLED_MESSAGE,
    }
