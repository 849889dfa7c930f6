"""The /roadmap slash command."""

from __future__ import annotations

from slack_bolt import App

from handlers.common import listener

HELP = "*/roadmap* keeps the team's roadmap in Slack.\n• `/roadmap help` shows this message."


def register(app: App) -> None:
    app.command("/roadmap")(listener(roadmap_command))


def roadmap_command(ack, command: dict) -> None:
    ack(text=HELP)
