"""The App Home dashboard."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.goals import checkin_buttons, goal_line, progress_bar
from bot.blocks.lifecycle import import_next_button, roadmap_end_text
from bot.blocks.message import context, section
from bot.blocks.replies import metric_line
from bot.blocks.setup import setup_blocks
from bot.blocks.text import escape_mrkdwn, plural
from bot.ids import Action
from bot.services.dashboard import HomeSummary
from bot.services.setup import SetupChecklist
from bot.wording import day_text, moment_text

MAX_VIEW_BLOCKS = 100


def home_view(summary: HomeSummary, *, setup: SetupChecklist | None = None) -> View:
    blocks: list = [*setup_blocks(setup), DividerBlock()] if setup is not None else []
    blocks.append(HeaderBlock(text="Roadmap"))
    if summary.period is None:
        blocks.append(
            section(
                "No roadmap yet. Import one with `/roadmap import` (or share a Markdown file "
                "with me), then add goals with `/roadmap add`."
            )
        )
        return View(type="home", blocks=blocks)
    lines = [
        f"*{escape_mrkdwn(c.name)}*  {progress_bar(c.progress)} {c.progress}% · "
        f"{c.done}/{c.goals} done"
        for c in summary.categories
    ]
    blocks.append(
        section(
            f"*{escape_mrkdwn(summary.period)}* · {plural(summary.goal_count, 'goal')}\n"
            + "\n".join(lines)
        )
    )
    if summary.roadmap_ends is not None:
        text = roadmap_end_text(summary.roadmap_ends, summary.today)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f":hourglass: {text}"),
                accessory=import_next_button(),
            )
        )
    elif summary.period_phase == "upcoming":
        blocks.append(
            context(
                f":calendar: {escape_mrkdwn(summary.period)} starts on "
                f"{day_text(summary.period_boundary, year=True)}."
            )
        )
    blocks.append(DividerBlock())
    blocks.append(section("*Your goals*"))
    if not summary.mine:
        blocks.append(context("You own no goal this period. `/roadmap list` shows them all."))
    # Each own goal takes two blocks; keep room for the rest within Slack's 100-block limit.
    for goal in summary.mine[:20]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=goal_line(goal)),
                accessory=ButtonElement(
                    text="Update", action_id=f"{Action.GOAL_EDIT}:{goal.ref}", value=goal.ref
                ),
            )
        )
        blocks.append(checkin_buttons(goal.ref))
    if len(summary.mine) > 20:
        blocks.append(context("…and more: `/roadmap list mine`"))
    blocks.append(DividerBlock())
    if summary.attention:
        text = "*Needs attention*\n" + "\n".join(
            goal_line(g).replace("\n", " — ") for g in summary.attention[:12]
        )
        if summary.attention_total > 12:
            text += f"\n…and {summary.attention_total - 12} more: `/roadmap list at-risk`"
        blocks.append(section(text))
    else:
        blocks.append(section("*Needs attention*\nNothing is at risk, off track or blocked."))
    if summary.metrics:
        blocks.append(
            section("*Metrics*\n" + "\n".join(metric_line(m) for m in summary.metrics[:15]))
        )
    if summary.rituals:
        rows = [
            f"• {r.label}: "
            + (f"next {moment_text(r.next_at, r.timezone)} · " if r.next_at and r.enabled else "")
            + escape_mrkdwn(r.rule)
            + (f" in <#{r.channel_id}>" if r.channel_id else "")
            + ("" if r.enabled else " (paused)")
            for r in summary.rituals
        ]
        blocks.append(section("*Rituals*\n" + "\n".join(rows)))
    blocks.append(
        ActionsBlock(elements=[ButtonElement(text="Refresh", action_id=Action.HOME_REFRESH)])
    )
    return View(type="home", blocks=blocks[:MAX_VIEW_BLOCKS])
