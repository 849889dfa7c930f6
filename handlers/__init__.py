"""Slack listeners, one module per surface; register_all wires them to a Bolt app."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    from handlers import (
        actions,
        checkins,
        commands,
        home,
        messages,
        modals,
        people,
        rituals,
        roadmap_io,
        setup,
        team,
    )

    for module in (
        commands,
        modals,
        actions,
        checkins,
        roadmap_io,
        messages,
        home,
        rituals,
        people,
        setup,
        team,
    ):
        module.register(app)
    from handlers import lifecycle  # app_uninstalled / tokens_revoked

    lifecycle.register(app)
