"""apps.connections.open: the Socket Mode WebSocket URL, for app-level tokens only."""

from __future__ import annotations

from typing import Any

from .api import Ctx, method
from .state import SlackError

CONNECTIONS_WRITE = "connections:write"


# No scopes in the registry: a bot token must get Slack's `not_allowed_token_type`, not the
# generic `missing_scope` the registry would answer with.
@method("apps.connections.open")
def apps_connections_open(ctx: Ctx) -> dict[str, Any]:
    """A one-time ws:// URL on the FakeSocketMode attached to this fake (see socket_mode.py)."""
    if not ctx.auth.token.startswith("xapp-"):
        raise SlackError("not_allowed_token_type")
    if CONNECTIONS_WRITE not in ctx.auth.scopes:
        raise SlackError(
            "missing_scope", needed=CONNECTIONS_WRITE, provided=",".join(ctx.auth.scopes)
        )
    server = getattr(ctx.ws, "socket_mode", None)
    if server is None:  # the app token exists, but nothing serves WebSockets any more
        raise SlackError("internal_error")
    return {"url": server.open_url(ctx.auth.token)}
