"""Schedules as Block Kit."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import HeaderBlock

from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn, plural
from bot.services.schedules import ScheduleView
from bot.wording import day_text, moment_text


def schedule_line(view: ScheduleView, *, runs: int = 1) -> str:
    if view.channel_id:
        where = f" in <#{view.channel_id}>"
    elif view.needs_channel:
        where = " (no channel yet: not posted)"
    else:
        where = ""
    head = f"*#{view.id} {view.label or view.kind}*{where}: {escape_mrkdwn(view.rule)}"
    if view.described.lower() != view.rule.lower():
        head += f" — _{escape_mrkdwn(view.described)}_"
    if view.text and view.shows_text:
        head += f"\n“{escape_mrkdwn(view.text)}”"
    if not view.enabled:
        return head + f"\n:double_vertical_bar: paused ({escape_mrkdwn(view.paused_reason or '')})"
    nexts = ", ".join(moment_text(w, view.timezone) for w in view.next_runs[:runs])
    if view.at_local_time and nexts:  # the same wall-clock time in every zone
        line = head + f"\nnext: {nexts} in each person's own time zone"
    else:
        line = head + f"\nnext: {nexts or 'none'} ({view.timezone})"
    if view.holiday_region and view.holiday_policy in HOLIDAY_WORDS:
        line += f"; {HOLIDAY_WORDS[view.holiday_policy]} {view.holiday_region} public holidays"
    for day, name, moved in view.holiday_moves[: max(runs, 2)]:
        to = f"moves to {day_text(moved)}" if moved else "is skipped"
        line += f"\n:palm_tree: {day_text(day)} ({escape_mrkdwn(name)}) {to}"
    return line


NO_CHANNEL = (
    ":warning: No roadmap channel is set, so the schedules marked “not posted” are not "
    "attempted. Fix it with `/roadmap config channel #eng-roadmap` (or the channel picker on "
    "my Home tab), or give a schedule its own: `/roadmap schedule edit &lt;id&gt; #channel`."
)
HOLIDAY_WORDS = {"next_working_day": "moves past", "skip": "skips"}


def schedules_message(views: Sequence[ScheduleView], *, runs: int = 1) -> Message:
    blocks = [HeaderBlock(text="Schedules")]
    if not views:
        blocks.append(
            section(
                "No schedules yet, e.g. `/roadmap schedule add reminder "
                '"every monday 09:00" #eng Update your goals`'
            )
        )
    if any(v.needs_channel and not v.channel_id and v.enabled for v in views):
        blocks.append(section(NO_CHANNEL))
    for view in views[:45]:
        blocks.append(section(schedule_line(view, runs=runs)))
    blocks.append(context("`/roadmap schedule pause|resume|delete|test &lt;id&gt;`"))
    return Message(text=plural(len(views), "schedule"), blocks=blocks)


def schedule_saved(view: ScheduleView, what: str) -> Message:
    text = f":white_check_mark: Schedule {what}.\n{schedule_line(view, runs=3)}"
    return Message(text=f"Schedule #{view.id} {what}.", blocks=[section(text)])


def schedule_paused_notice(what: str, reason: str) -> Message:
    """The admins' DM when the clock pauses a schedule that keeps failing."""
    text = (
        f":warning: I paused the {what} after repeated failures: `{reason}`. Fix it (e.g. "
        "invite me to the channel), then `/roadmap schedule resume` it."
    )
    return Message(text=text, blocks=[section(text)])
