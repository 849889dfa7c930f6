"""oauth.v2.access: exchange an install code (made by the test) for a bot token; refresh
rotating tokens (grant_type=refresh_token).

Test side (functions taking the fake):
    register_app(fake, client_id, client_secret) -> app_id
    install_code(fake, team, user, org_wide=False, rotating=False, expires_in=43200) -> code
        the `code` Slack appends to the redirect URL once `user` approved the install; with
        org_wide the team's enterprise installs the app for all its workspaces (Enterprise
        Grid), with rotating the tokens expire after `expires_in` s and come with a refresh
        token.
    issued_tokens(fake, team_or_enterprise) -> bot tokens handed out, oldest first
    revoke_app(fake, team_or_enterprise) -> revoke them, as Slack does on uninstall

Reinstalling into a team whose bot token is still live returns that token (as Slack does);
after an uninstall a new token is issued for the same bot user. An org-wide token acts in the
installer's team: this fake keeps one team per token.
Client credentials are checked when sent as form fields. slack_sdk sends them as HTTP Basic
auth, which the fake's request parser (wire.py) does not keep, so they are then taken as right
when a single app is registered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .api import Ctx, method
from .state import DEFAULT_BOT_SCOPES, Ref, SlackError, TokenInfo, ref

CODE_TTL = 600.0  # Slack's codes expire after ten minutes
REFRESHED_EXPIRES_IN = 43200  # a refreshed token lasts twelve hours
DIGITS = "0123456789"


@dataclass
class Grant:
    """What one install code stands for."""

    client_id: str
    team_id: str
    enterprise_id: str | None
    user_id: str
    org_wide: bool
    rotating: bool
    expires_in: int
    scopes: tuple[str, ...]
    created: float
    used: bool = False


@dataclass
class OAuthState:
    apps: dict[str, tuple[str, str]] = field(default_factory=dict)  # client id: (secret, app)
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, tuple[Grant, str]] = field(default_factory=dict)  # token: (grant, bot)
    issued: list[tuple[str, str]] = field(default_factory=list)  # (team/enterprise, token)


def _state(ws: Any) -> OAuthState:
    state = ws.__dict__.get("_oauth_state")
    if state is None:
        state = ws.__dict__["_oauth_state"] = OAuthState()
    return state


# ---- test side ------------------------------------------------------------------------------
def register_app(fake: Any, client_id: str, client_secret: str) -> str:
    """The app's credentials (Basic Information > App Credentials); returns its app id."""
    with fake.lock:
        app_id = fake.new_id("A")
        _state(fake).apps[client_id] = (client_secret, app_id)
        return app_id


def install_code(
    fake: Any,
    team: Ref,
    user: Ref,
    *,
    client_id: str | None = None,
    org_wide: bool = False,
    rotating: bool = False,
    expires_in: int = 43200,
    scopes: tuple[str, ...] = DEFAULT_BOT_SCOPES,
) -> str:
    """A single-use code, as if `user` of `team` had approved the install."""
    with fake.lock:
        state = _state(fake)
        if client_id is None:
            if len(state.apps) != 1:
                raise ValueError("register_app() first (or name the client_id)")
            client_id = next(iter(state.apps))
        record = fake.team(team)
        if org_wide and not record.get("enterprise_id"):
            raise ValueError(f"team {record['id']} is in no enterprise: no org-wide install")
        if fake.user(record["id"], ref(user)) is None:
            raise ValueError(f"unknown user {ref(user)} in team {record['id']}")
        code = f"{fake.random_str(13, DIGITS)}.{fake.random_str(13, DIGITS)}.{fake.random_str(32)}"
        state.codes[code] = Grant(
            client_id=client_id,
            team_id=record["id"],
            enterprise_id=record.get("enterprise_id"),
            user_id=ref(user),
            org_wide=org_wide,
            rotating=rotating,
            expires_in=expires_in,
            scopes=tuple(scopes),
            created=fake.now(),
        )
        return code


def issued_tokens(fake: Any, owner: Ref) -> list[str]:
    """Bot tokens issued to a team (or to an enterprise, for org-wide installs)."""
    with fake.lock:
        return [token for who, token in _state(fake).issued if who == ref(owner)]


def revoke_app(fake: Any, owner: Ref) -> None:
    """What Slack does on uninstall: every token it issued there stops working."""
    with fake.lock:
        for token in issued_tokens(fake, owner):
            fake._tokens[token].revoked = True


# ---- the method -----------------------------------------------------------------------------
@method("oauth.v2.access", auth=False)
def oauth_v2_access(ctx: Ctx) -> dict[str, Any]:
    """Exchange a code for tokens, or a refresh token for fresh ones."""
    state = _state(ctx.ws)
    client_id = _client(ctx, state)
    if ctx.arg("grant_type") == "refresh_token":
        return _refresh(ctx, state, client_id)
    if ctx.arg("grant_type") not in (None, "authorization_code"):
        raise SlackError("unsupported_grant_type")
    code = ctx.arg("code")
    if code is None:
        raise SlackError("invalid_code")
    grant = state.codes.get(code)
    if grant is None or grant.used or grant.client_id != client_id:
        raise SlackError("invalid_code")
    if ctx.ws.now() - grant.created > CODE_TTL:
        raise SlackError("code_expired")
    grant.used = True
    return _answer(ctx, state, grant, _bot_token(ctx, state, grant))


def _client(ctx: Ctx, state: OAuthState) -> str:
    client_id = ctx.arg("client_id")
    if client_id is None:  # sent as HTTP Basic auth, which this fake cannot see
        if len(state.apps) != 1:
            raise SlackError("invalid_client_id")
        return next(iter(state.apps))
    if client_id not in state.apps:
        raise SlackError("invalid_client_id")
    if ctx.arg("client_secret") != state.apps[client_id][0]:
        raise SlackError("bad_client_secret")
    return client_id


def _owner(grant: Grant) -> str:
    return grant.enterprise_id if grant.org_wide and grant.enterprise_id else grant.team_id


def _bot_token(ctx: Ctx, state: OAuthState, grant: Grant) -> TokenInfo:
    """The live token of an earlier install, or a new one for the same bot user."""
    ws = ctx.ws
    app_id = state.apps[grant.client_id][1]
    earlier = [ws._tokens[t] for who, t in state.issued if who == _owner(grant)]
    live = [t for t in earlier if not t.revoked]
    if live and not grant.rotating:
        return live[-1]
    if earlier:
        last = earlier[-1]
        info = TokenInfo(
            _new_token(ws, grant.rotating),
            last.team_id,
            last.user_id,
            last.bot_id,
            app_id,
            grant.scopes,
        )
        ws._tokens[info.token] = info
    else:
        token = ws.install_bot(
            grant.team_id, token=_new_token(ws, grant.rotating), scopes=grant.scopes, app_id=app_id
        )
        info = ws._tokens[token]
    state.issued.append((_owner(grant), info.token))
    return info


def _new_token(ws: Any, rotating: bool) -> str:
    if rotating:
        return f"xoxe.xoxb-1-{ws.random_str(120)}"
    return f"xoxb-{ws.random_str(13, DIGITS)}-{ws.random_str(13, DIGITS)}-{ws.random_str(24)}"


def _answer(
    ctx: Ctx, state: OAuthState, grant: Grant, info: TokenInfo, expires_in: int | None = None
) -> dict[str, Any]:
    team = ctx.ws._teams[grant.team_id]
    out: dict[str, Any] = {
        "access_token": info.token,
        "token_type": "bot",
        "scope": ",".join(info.scopes),
        "bot_user_id": info.user_id,
        "app_id": info.app_id,
        "team": None if grant.org_wide else {"id": team["id"], "name": team["name"]},
        "enterprise": (
            {"id": grant.enterprise_id, "name": team.get("enterprise_name")}
            if grant.enterprise_id
            else None
        ),
        "is_enterprise_install": grant.org_wide,
        "authed_user": {"id": grant.user_id},
    }
    if grant.rotating:
        refresh = f"xoxe-1-{ctx.ws.random_str(140)}"
        state.refresh[refresh] = (grant, info.token)
        out.update(refresh_token=refresh, expires_in=expires_in or grant.expires_in)
    return out


def _refresh(ctx: Ctx, state: OAuthState, client_id: str) -> dict[str, Any]:
    """A fresh access token and refresh token; the refresh token is single use."""
    token = ctx.arg("refresh_token")
    found = state.refresh.pop(token or "", None)
    if found is None or found[0].client_id != client_id:
        raise SlackError("invalid_refresh_token")
    grant, old = found
    previous = ctx.ws._tokens[old]
    if previous.revoked:  # uninstalled meanwhile
        raise SlackError("invalid_refresh_token")
    info = TokenInfo(
        _new_token(ctx.ws, True),
        previous.team_id,
        previous.user_id,
        previous.bot_id,
        previous.app_id,
        previous.scopes,
    )
    ctx.ws._tokens[info.token] = info
    state.issued.append((_owner(grant), info.token))
    return _answer(ctx, state, grant, info, REFRESHED_EXPIRES_IN)
