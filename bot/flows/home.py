"""App Home: a person's dashboard, published when they open it and when their goals change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from bot.blocks.home import home_view
from bot.flows.context import FlowContext
from bot.flows.outcome import Outcome, PublishHome
from bot.services.actors import is_roadmap_admin
from bot.services.dashboard import home_summary
from bot.services.people import is_user_id
from bot.services.setup import SetupChecklist, setup_checklist
from models import Member


@dataclass(frozen=True)
class OpenHome:
    """Someone opened the bot's Home tab (or pressed its Refresh button)."""

    user_id: str


def open_home(request: OpenHome, ctx: FlowContext) -> Outcome:
    return Outcome(effects=home_effects(ctx, [request.user_id]))


def home_effects(ctx: FlowContext, people: Iterable[str]) -> list[PublishHome]:
    """Each person's dashboard as it is now (inside the flow's transaction, so it shows the
    change the flow just made), once per person, in a stable order. A roadmap admin sees the
    setup checklist on top until every item is done."""
    return [
        PublishHome(
            user_id,
            home_view(
                home_summary(
                    session=ctx.session, workspace=ctx.workspace, user_id=user_id, now=ctx.now
                ),
                setup=_setup_for(ctx, user_id),
            ),
        )
        for user_id in sorted({p for p in people if is_user_id(p)})
    ]


def _setup_for(ctx: FlowContext, user_id: str) -> SetupChecklist | None:
    workspace = ctx.workspace
    if user_id == ctx.actor.user_id:
        admin = is_roadmap_admin(workspace, ctx.actor)
    else:
        admin = user_id in (workspace.admin_user_ids or [])
    if not admin:
        return None
    member = ctx.session.scalar(
        select(Member).where(Member.workspace_id == workspace.id, Member.user_id == user_id)
    )
    setup = setup_checklist(
        session=ctx.session,
        workspace=workspace,
        viewer_timezone=member.timezone if member else None,
    )
    return None if setup.complete else setup


def homes_after_change(ctx: FlowContext, owners: Iterable[str]) -> list[PublishHome]:
    """The Homes to refresh after goals changed: their owners' and the actor's own."""
    return home_effects(ctx, [ctx.actor.user_id, *owners])
