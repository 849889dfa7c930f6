"""Bearer tokens for the metrics API: created and revoked by roadmap admins, stored hashed."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, require_admin
from bot.services.errors import InvalidInput, NotFound
from models import ApiToken, AuditEntry, Workspace, utcnow

TOKEN_PREFIX = "rmb_"
MAX_TOKEN_LENGTH = 128  # anything longer is not one of ours; refuse it before hashing
NAME_PATTERN = re.compile(r"[\w][\w.\-]{0,63}")


@dataclass(frozen=True)
class TokenView:
    """What may be shown of a token: never the token itself, nor its hash."""

    name: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None


def hash_token(plaintext: str) -> str:
    """The SHA-256 hex digest stored in place of the token."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _active(session: Session, workspace_id: int, name: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).where(
        ApiToken.workspace_id == workspace_id, ApiToken.revoked_at.is_(None)
    )
    if name is not None:
        query = query.where(ApiToken.name == name)
    return list(session.scalars(query.order_by(ApiToken.created_at, ApiToken.id)))


def _free_name(session: Session, workspace_id: int) -> str:
    taken = {t.name for t in _active(session, workspace_id)}
    number = 1
    while f"token-{number}" in taken:
        number += 1
    return f"token-{number}"


def create_token(
    session: Session,
    workspace: Workspace,
    actor: Actor,
    name: str | None = None,
    *,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `workspace`; the plaintext is returned once and never stored."""
    require_admin(workspace, actor, "create API tokens")
    name = (name or "").strip() or _free_name(session, workspace.id)
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            f"'{name}' can't name a token; use one word of letters, digits, dots, dashes or "
            "underscores (at most 64)."
        )
    if _active(session, workspace.id, name):
        raise InvalidInput(
            f"There is already a token called {name}; revoke it first or pick another name."
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace_id=workspace.id,
        name=name,
        token_hash=hash_token(plaintext),
        created_by=actor.user_id,
        created_at=now or utcnow(),
    )
    session.add(token)
    session.add(
        AuditEntry(
            workspace_id=workspace.id, actor=actor.user_id, action="api_token.create", target=name
        )
    )
    session.flush()
    return token, plaintext


def revoke_token(
    session: Session,
    workspace: Workspace,
    actor: Actor,
    name: str,
    *,
    now: datetime | None = None,
) -> TokenView:
    """Revoke the workspace's active token called `name`; it stops working at once."""
    require_admin(workspace, actor, "revoke API tokens")
    found = _active(session, workspace.id, name.strip())
    if not found:
        known = ", ".join(t.name for t in _active(session, workspace.id)) or "none"
        raise NotFound(f"There is no active API token called {name}. Tokens: {known}.")
    when = now or utcnow()
    for token in found:
        token.revoked_at = when
    session.add(
        AuditEntry(
            workspace_id=workspace.id, actor=actor.user_id, action="api_token.revoke", target=name
        )
    )
    session.flush()
    return _view(found[0])


def list_tokens(session: Session, workspace: Workspace, actor: Actor) -> list[TokenView]:
    """The workspace's active tokens, oldest first."""
    require_admin(workspace, actor, "see API tokens")
    return [_view(t) for t in _active(session, workspace.id)]


def authenticate(
    session: Session, plaintext: str, *, now: datetime | None = None
) -> ApiToken | None:
    """The active token whose hash matches `plaintext` (its last use noted), or None.

    Only hashes are compared, inside the database's index, so no timing of the comparison
    tells anything about a stored token. A token of an uninstalled workspace is refused.
    """
    if not plaintext or len(plaintext) > MAX_TOKEN_LENGTH:
        return None
    token = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(plaintext), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return None
    workspace = session.get(Workspace, token.workspace_id)
    if workspace is None or workspace.uninstalled_at is not None:
        return None
    token.last_used_at = now or utcnow()
    session.flush()
    return token


def _view(token: ApiToken) -> TokenView:
    return TokenView(
        name=token.name,
        created_by=token.created_by,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
    )
