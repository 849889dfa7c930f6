"""Owners that are still names: the admin's notice with its one-click fix, and the fix modal."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, InputBlock, UserSelectElement
from slack_sdk.models.views import View

from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn, plural, truncate
from bot.ids import Action, Callback
from bot.services.people import OwnerFix, UnresolvedName

MAX_NAMES = 40  # a modal holds 100 blocks; the rest wait for the next fix


def _name_line(item: UnresolvedName) -> str:
    refs = ", ".join(item.refs[:8]) + (
        f" and {len(item.refs) - 8} more" if len(item.refs) > 8 else ""
    )
    return f"• `{escape_mrkdwn(item.name)}` owns {refs}"


def unresolved_notice(names: Sequence[UnresolvedName]) -> Message:
    """Which owner names match nobody, and a button to map them to people."""
    count = plural(len(names), "owner name")
    lines = "\n".join(_name_line(n) for n in names[:20])
    more = f"\n…and {len(names) - 20} more" if len(names) > 20 else ""
    text = (
        f":warning: {count} matched nobody in this workspace, so those goals are kept with "
        f"the name and nobody is asked about them yet:\n{lines}{more}"
    )
    button = ActionsBlock(
        elements=[
            ButtonElement(
                text="Choose the people", action_id=Action.OWNERS_FIX, value="fix", style="primary"
            )
        ]
    )
    return Message(text=f"{count} matched nobody", blocks=[section(truncate(text, 2900)), button])


def owner_fix_modal(names: Sequence[UnresolvedName]) -> View:
    shown = list(names[:MAX_NAMES])
    blocks = [
        InputBlock(
            block_id=f"owner_{i}",
            label=truncate(f"{n.name} (owns {', '.join(n.refs[:5])})", 150),
            optional=True,
            element=UserSelectElement(action_id="user", placeholder="Choose a person"),
        )
        for i, n in enumerate(shown)
    ]
    return View(
        type="modal",
        callback_id=Callback.OWNERS_FIX,
        private_metadata=json.dumps([n.name for n in shown]),
        title="Who are they?",
        submit="Save",
        close="Cancel",
        blocks=[section("Choose who each name means; the goals become theirs."), *blocks],
    )


def nothing_to_fix() -> Message:
    text = ":white_check_mark: Every owner is a person already: nothing to fix."
    return Message(text=text, blocks=[section(text)])


def owner_fix_result(fix: OwnerFix) -> Message:
    lines = [
        f"• `{escape_mrkdwn(name)}` → owner of {', '.join(refs) or 'no goal any more'}"
        for name, refs in fix.fixed.items()
    ]
    lines += [f"• `{escape_mrkdwn(name)}`: {why}" for name, why in fix.refused.items()]
    head = f":white_check_mark: {plural(len(fix.fixed), 'name')} mapped to people."
    blocks = [section(truncate("\n".join([head, *lines]), 2900))]
    if fix.unresolved:
        blocks.append(context(f"{plural(len(fix.unresolved), 'name')} still matched nobody."))
    return Message(text=head, blocks=blocks)


def owners_resolved(fix: OwnerFix) -> str:
    """The CLI's report of `people resolve`."""
    lines = [f"{len(fix.fixed)} owner names resolved, {len(fix.unresolved)} still unresolved."]
    lines += [f"  {name} -> {', '.join(refs)}" for name, refs in fix.fixed.items()]
    lines += [f"  unresolved: {n.name} ({', '.join(n.refs)})" for n in fix.unresolved]
    return "\n".join(lines)
