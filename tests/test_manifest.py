"""manifest.yml is what a user pastes into Slack: it must ask for what the features use."""

from pathlib import Path

import yaml

MANIFEST = yaml.safe_load((Path(__file__).parent.parent / "manifest.yml").read_text())


def test_slash_command_escapes_mentions_and_points_at_the_one_endpoint():
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/roadmap"
    assert command["should_escape"] is True
    assert command["url"].endswith("/slack/events")


def test_scopes_and_events_cover_the_features():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "reactions:read",
        "reactions:write",
        "files:write",
        "files:read",
        "channels:join",
    } <= scopes
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert {
        "app_home_opened",
        "reaction_added",
        "reaction_removed",
        "message.im",
        "message.channels",
        "app_uninstalled",
        "tokens_revoked",
    } <= events
    # Every event's scope is requested (Slack refuses the manifest otherwise).
    needs = {"message.channels": "channels:history", "message.im": "im:history"}
    assert all(needs[e] in scopes for e in needs)


def test_interactivity_home_and_socket_mode_toggle():
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert "socket_mode_enabled" in settings
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
