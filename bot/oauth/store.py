"""slack_sdk's SQLAlchemy installation store, with every token encrypted at rest."""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, Select, Table, bindparam, select, update

from bot.oauth.crypto import TokenCipher
from models.installation import SEALED_BOT_COLUMNS, SEALED_INSTALLATION_COLUMNS

log = logging.getLogger(__name__)

STATE_EXPIRATION_SECONDS = 600
_DATETIME_COLUMNS = ("installed_at", "bot_token_expires_at", "user_token_expires_at")


def _aware(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row as a dict, its naive UTC datetimes made aware (slack_sdk would read them as
    local time when turning them into timestamps)."""
    values = dict(row)
    for name in _DATETIME_COLUMNS:
        value = values.get(name)
        if isinstance(value, datetime) and value.tzinfo is None:
            values[name] = value.replace(tzinfo=UTC)
    return values


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """Seals bot, user and refresh tokens (and webhook URLs) on save, opens them on find.

    The tables are created by the Alembic revision 0003, never by create_tables().
    """

    def __init__(
        self, *, client_id: str, engine: Engine, cipher: TokenCipher, logger: logging.Logger = log
    ):
        super().__init__(client_id=client_id, engine=engine, logger=logger)
        self.cipher = cipher
        self._bot_queries: dict[tuple[bool, bool], Select] = {}

    # --- writing: seal -----------------------------------------------------------------------
    def save(self, installation: Installation) -> None:
        sealed = copy.copy(installation)
        for name in SEALED_INSTALLATION_COLUMNS:
            setattr(sealed, name, self.cipher.seal(getattr(installation, name)))
        # The base class saves the bot through self.save_bot; sealing twice is a no-op.
        super().save(sealed)

    def save_bot(self, bot: Bot) -> None:
        sealed = copy.copy(bot)
        for name in SEALED_BOT_COLUMNS:
            setattr(sealed, name, self.cipher.seal(getattr(bot, name)))
        super().save_bot(sealed)

    # --- reading: open -----------------------------------------------------------------------
    def build_installation_entity(self, row) -> Installation:  # type: ignore[override]
        values = _aware(row)
        for name in SEALED_INSTALLATION_COLUMNS:
            values[name] = self.cipher.open(values[name])
        return SQLAlchemyInstallationStore.build_installation_entity(values)

    def build_bot_entity(self, row) -> Bot:  # type: ignore[override]
        values = _aware(row)
        for name in SEALED_BOT_COLUMNS:
            values[name] = self.cipher.open(values[name])
        return SQLAlchemyInstallationStore.build_bot_entity(values)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """slack_sdk's find_bot (the newest install with a bot token), on a statement built
        once per shape rather than on every call: the clock looks up a token per delivery,
        and building the statement was most of what the lookup cost."""
        if is_enterprise_install or team_id is None:
            team_id = None
        query = self._bot_queries.get((enterprise_id is None, team_id is None))
        if query is None:
            c = self.bots.c
            query = (
                self.bots.select()
                .where(
                    c.client_id == bindparam("client_id"),
                    c.enterprise_id.is_(None)
                    if enterprise_id is None
                    else c.enterprise_id == bindparam("enterprise_id"),
                    c.team_id.is_(None) if team_id is None else c.team_id == bindparam("team_id"),
                    c.bot_token.is_not(None),
                )
                .order_by(c.installed_at.desc())
                .limit(1)
            )
            self._bot_queries[(enterprise_id is None, team_id is None)] = query
        values = {"client_id": self.client_id, "enterprise_id": enterprise_id, "team_id": team_id}
        with self.engine.connect() as connection:
            row = connection.execute(query, values).mappings().first()
        return None if row is None else self.build_bot_entity(row)

    # --- what the app adds -------------------------------------------------------------------
    def find_workspace_bot(self, *, team_id: str, enterprise_id: str | None) -> Bot | None:
        """The bot acting in a workspace: its own install, else its org's org-wide install."""
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None and enterprise_id:
            bot = self.find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        return bot

    def rekey(self) -> int:
        """Re-encrypt every stored token with the first key; returns how many values changed."""
        changed = 0
        with self.engine.begin() as connection:
            for table, columns in (
                (self.installations, SEALED_INSTALLATION_COLUMNS),
                (self.bots, SEALED_BOT_COLUMNS),
            ):
                changed += self._rekey_table(connection, table, columns)
        return changed

    def _rekey_table(self, connection, table: Table, columns: tuple[str, ...]) -> int:
        changed = 0
        rows = connection.execute(select(table.c.id, *(table.c[name] for name in columns)))
        for row in rows.mappings().all():
            values = {}
            for name in columns:
                if row[name] is not None:
                    values[name] = self.cipher.rotate(row[name])
            if values:
                connection.execute(update(table).where(table.c.id == row["id"]).values(**values))
                changed += len(values)
        return changed


class BotTokens:
    """Bot tokens for code that runs outside a Slack request (the clock, the CLI): found per
    workspace, refreshed first when token rotation is on and the token is about to expire."""

    def __init__(
        self,
        store: EncryptedInstallationStore,
        rotator: TokenRotator | None,
        minutes_before_expiration: int = 120,
    ):
        self.store = store
        self.rotator = rotator
        self.minutes = minutes_before_expiration

    def for_workspace(self, team_id: str, enterprise_id: str | None) -> str | None:
        bot = self.store.find_workspace_bot(team_id=team_id, enterprise_id=enterprise_id)
        if bot is None:
            return None
        if bot.bot_refresh_token and self.rotator is not None:
            try:
                refreshed = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self.minutes
                )
            except SlackTokenRotationError as error:
                log.error("refreshing the bot token of %s failed: %s", team_id, error)
                return None
            if refreshed is not None:
                self.store.save_bot(refreshed)
                return refreshed.bot_token
        return bot.bot_token


def make_state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    """OAuth `state` values in our database, so any web process can finish an install."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS,
        engine=engine,
        logger=logging.getLogger("bot.oauth.state"),
    )
