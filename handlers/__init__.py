"""Slack listeners, one module per surface; register_all wires them to a Bolt app."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    from handlers import commands, home

    for module in (commands, home):
        module.register(app)
