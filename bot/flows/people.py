"""People named in requests, and the admin's fix for owner names that matched nobody.

Flows name people with whatever was typed (`<@U…>`, `@handle`, a name, an e-mail, `me`);
`owner_ids` turns them into user ids through the people directory (which reads users.list
through the context's injected reads), or fails with a specific, private error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.blocks.people import nothing_to_fix, owner_fix_modal, owner_fix_result
from bot.flows.context import FlowContext
from bot.flows.home import homes_after_change
from bot.flows.outcome import OpenView, Outcome
from bot.services import people
from bot.services.actors import require_admin


def owner_ids(ctx: FlowContext, names: Iterable[str]) -> list[str]:
    """The user ids of these names ("mine" is the actor), each once, in order."""
    return people.resolve_people(
        session=ctx.session,
        workspace=ctx.workspace,
        names=names,
        actor_id=ctx.actor.user_id,
        reads=ctx.people,
        now=ctx.now,
    )


def owner_id(ctx: FlowContext, name: str) -> str:
    return owner_ids(ctx, [name])[0]


@dataclass(frozen=True)
class FixOwnersPressed:
    """ "Choose the people" under an import's unresolved owners."""

    trigger_id: str


@dataclass(frozen=True)
class OwnersChosen:
    """The fix modal: each unresolved name, and the user chosen for it (None: left as is)."""

    choices: Mapping[str, str | None]


def fix_owners_pressed(request: FixOwnersPressed, ctx: FlowContext) -> Outcome:
    require_admin(ctx.workspace, ctx.actor, "choose the owners of imported goals")
    names = people.unresolved_owners(ctx.session, ctx.workspace.id)
    if not names:
        return Outcome(reply=nothing_to_fix())
    return Outcome(effects=[OpenView(request.trigger_id, owner_fix_modal(names))])


def owners_chosen(request: OwnersChosen, ctx: FlowContext) -> Outcome:
    require_admin(ctx.workspace, ctx.actor, "choose the owners of imported goals")
    mapping = {name: user for name, user in request.choices.items() if user}
    fix = people.map_names(
        session=ctx.session, workspace=ctx.workspace, mapping=mapping, now=ctx.now
    )
    return Outcome(
        reply=owner_fix_result(fix),
        effects=list(homes_after_change(ctx, list(dict.fromkeys(mapping.values())))),
    )
