"""The welcome DM to whoever installed the app: what to do next. Pure: data in, message out."""

from __future__ import annotations

from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn


def welcome_message(*, team_name: str | None, timezone: str | None, org_wide: bool) -> Message:
    """Three next steps (import, channel, help) and what is already set up."""
    where = escape_mrkdwn(team_name) if team_name else "your workspace"
    if org_wide:
        where = "your organisation's workspaces"
    steps = (
        "*Open my Home tab*: a setup checklist takes you through the roadmap channel, the "
        "time zone, public holidays, the roadmap admins and the import, each in one click. "
        "Or with commands:\n"
        "1. `/roadmap import` brings in your team's roadmap (a Markdown file).\n"
        "2. `/roadmap config channel #your-roadmap-channel` picks where digests and reminders "
        "go; invite me there with `/invite @roadmap`.\n"
        "3. `/roadmap help` shows everything else."
    )
    already = (
        "A weekly check-in (Mondays 10:00), a weekly digest (Fridays 15:00) and a quarterly "
        "report are already scheduled: `/roadmap schedule list`."
    )
    if timezone:
        already += (
            f" They follow the time zone {escape_mrkdwn(timezone)}, taken from your profile: "
            "change it with `/roadmap config timezone Europe/Berlin`."
        )
    intro = f":wave: Thanks for installing Roadmap in {where}!"
    return Message(
        text=f"{intro} Start with /roadmap import, then /roadmap config channel; /roadmap help.",
        blocks=[section(intro), section(steps), context(already)],
    )
