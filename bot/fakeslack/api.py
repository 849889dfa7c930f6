"""Method registry, request context and shared argument checks for the fake Web API."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .blocks import blocks_errors
from .state import MAX_MESSAGE_BLOCKS, MAX_TEXT, SlackError, TokenInfo, invalid_arguments

if TYPE_CHECKING:
    from .workspace import Workspace


@dataclass
class Ctx:
    """One authenticated API call: workspace, token info and decoded params."""

    ws: Workspace
    auth: TokenInfo
    params: dict[str, Any]

    @property
    def team_id(self) -> str:
        """Team of the token."""
        return self.auth.team_id

    @property
    def user_id(self) -> str:
        """Bot user of the token."""
        return self.auth.user_id

    def arg(self, name: str) -> str | None:
        """A string argument (numbers coerced), None if absent or empty."""
        value = self.params.get(name)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def req(self, name: str) -> str:
        """A required string argument, else invalid_arguments like Slack."""
        value = self.arg(name)
        if value is None:
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        """A boolean argument ("true"/"1"/true)."""
        value = self.params.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes")
        return bool(value)

    def number(self, name: str, default: int, *, lo: int = 0, hi: int = 1000) -> int:
        """An integer argument clamped to [lo, hi]; non-numbers -> invalid_arguments."""
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"must be an integer [json-pointer:/{name}]") from None
        return max(lo, min(hi, number))


Handler = Callable[[Ctx], dict[str, Any]]


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: implementation, accepted scopes (any of), whether auth needed."""

    fn: Callable[..., dict[str, Any]]
    scopes: tuple[str, ...]
    auth: bool = True


METHODS: dict[str, MethodSpec] = {}


def method(name: str, *scopes: str, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register a Web API method implementation."""

    def register(fn: Handler) -> Handler:
        METHODS[name] = MethodSpec(fn, scopes, auth)
        return fn

    return register


def paginate(ctx: Ctx, items: list[Any], default_limit: int) -> tuple[list[Any], str]:
    """Cursor pagination like Slack: returns (page, next_cursor or "")."""
    limit = ctx.number("limit", default_limit, hi=1000) or default_limit
    offset = 0
    cursor = ctx.arg("cursor")
    if cursor:
        try:
            kind, _, raw = base64.b64decode(cursor, validate=True).decode().partition(":")
            offset = int(raw)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise SlackError("invalid_cursor") from None
        if kind != "next" or offset < 0:
            raise SlackError("invalid_cursor")
    page = items[offset : offset + limit]
    more = offset + limit < len(items)
    next_cursor = base64.b64encode(f"next:{offset + limit}".encode()).decode() if more else ""
    return page, next_cursor


def message_content(
    params: dict[str, Any],
    *,
    require: bool = True,
) -> tuple[str | None, list[Any] | None, list[Any] | None]:
    """Validate text/blocks/attachments like chat.postMessage; returns the decoded trio."""
    text = params.get("text")
    if text is not None and not isinstance(text, str):
        text = str(text)
    blocks = params.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        errors = blocks_errors(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
        if errors:
            raise SlackError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
    attachments = params.get("attachments")
    if attachments is not None and (
        not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments)
    ):
        raise SlackError("invalid_attachments")
    if require and not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    return text, blocks, attachments
