"""Who may run a command flow: the permission half of a /roadmap command's declaration.

Each `/roadmap` subcommand is declared once, beside its grammar (handlers.grammar: the
`@command(...)` of its parse function), with its help (the docstring), its permission and its
flow. `authorized(flow, permission)` is what the registry stores: the flow, checked here, below
the handler, before it touches anything.

Finer rules stay with the services and flows (a goal's owners may change it; only admins post
a digest to the channel, anyone may preview it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from bot.flows.context import FlowContext
from bot.flows.outcome import Outcome
from bot.services.actors import require_admin

Flow = Callable[[Any, FlowContext], Outcome]


class Permission(StrEnum):
    EVERYONE = "everyone"
    ADMIN = "roadmap admin"


def authorized(flow: Flow, permission: Permission, what: str = "do that") -> Flow:
    """`flow`, refused to anyone but a roadmap admin when `permission` is ADMIN; `what`
    completes "Only roadmap admins can …"."""
    if permission is Permission.EVERYONE:
        return flow

    @functools.wraps(flow)
    def checked(request: Any, ctx: FlowContext) -> Outcome:
        require_admin(ctx.workspace, ctx.actor, what)
        return flow(request, ctx)

    return checked
