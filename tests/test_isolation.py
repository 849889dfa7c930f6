"""Two workspaces side by side (OAuth installs): commands, events, buttons, App Home, exports
and digests never show or change the other's goals, even given its refs, message ts or ids."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.services.roadmap_import import import_roadmap
from models import CheckinPrompt, Goal, Workspace, utcnow
from tests.conftest import SAMPLE_ROADMAP
from tests.harness import run_command
from tests.test_oauth import oauth_app, oauth_settings, teams  # noqa: F401 (fixtures)

GLOBEX_ROADMAP = b"# Globex plan\n## Q1 2025\n### Sales\n- Globex goal A\n- Globex goal B\n"
pytestmark = pytest.mark.usefixtures("frozen_time")


def _goal(app, team_id: str, number: int) -> Goal:
    with app.runtime.session_factory() as session:
        workspace = Workspace.by_team(session, team_id)
        return session.scalar(
            select(Goal).where(Goal.workspace_id == workspace.id, Goal.number == number)
        )


@pytest.fixture
def two(oauth_app, teams):  # noqa: F811
    acme, globex = teams
    for team in (acme, globex):
        _page, status = oauth_app.install(team)
        assert status == 200
    with oauth_app.runtime.session_factory() as session, session.begin():
        for team, document in ((acme, SAMPLE_ROADMAP.read_bytes()), (globex, GLOBEX_ROADMAP)):
            workspace = Workspace.by_team(session, team.id)
            import_roadmap(session=session, workspace_id=workspace.id, text=document)
    return oauth_app, acme, globex


def test_commands_see_and_change_only_their_own_workspace(two):
    app, acme, globex = two
    listed = app.command(globex, "list")
    assert "Globex goal A" in listed.text and "Complete API Gateway" not in listed.text
    assert "There is no goal G30" in app.command(globex, "show G30").text  # G30 is Acme's
    shown = app.command(globex, "show G1")
    assert "Globex goal A" in shown.text and "API Gateway" not in shown.text
    admin_progress = app.driver(globex)
    from tests.harness import run_command

    run_command(
        admin_progress, "progress G1 50%", user_id=globex.installer, channel_id=globex.channel
    )
    assert _goal(app, globex.id, 1).progress == 50
    assert _goal(app, acme.id, 1).progress == 0
    assert "No goal's title contains 'gateway'" in app.command(globex, "show gateway").text


def test_events_and_buttons_cannot_reach_the_other_workspace(two, fake_slack):
    app, acme, globex = two
    acme_goal = _goal(app, acme.id, 30)
    with app.runtime.session_factory() as session, session.begin():
        workspace = Workspace.by_team(session, acme.id)
        session.add(
            CheckinPrompt(
                workspace_id=workspace.id,
                goal_id=acme_goal.id,
                cycle="2025-W10",
                recipient=acme.member,
                channel_id=acme.channel,
                message_ts="1741168800.000100",
                posted_at=utcnow(),
            )
        )
    # Globex sends a reaction naming Acme's prompt channel and ts: nothing happens.
    app.event(
        globex,
        {
            "type": "reaction_added",
            "user": globex.installer,
            "reaction": "tada",
            "item": {"type": "message", "channel": acme.channel, "ts": "1741168800.000100"},
        },
    )
    assert _goal(app, acme.id, 30).status == "not-started"
    # A button naming Acme's goal ref, pressed in Globex.
    payload = {
        "type": "block_actions",
        "team": {"id": globex.id},
        "user": {"id": globex.installer, "team_id": globex.id},
        "api_app_id": "A0000000001",
        "trigger_id": fake_slack.trigger_id(globex.id, globex.installer),
        "container": {"type": "message", "channel_id": acme.channel,
                      "message_ts": "1741168800.000100"},
        "response_url": fake_slack.response_url(globex.id, globex.channel, globex.installer),
        "actions": [
            {"action_id": "goal_checkin:done", "block_id": "checkin:G30", "value": "G30 done",
             "type": "button", "action_ts": "1"}
        ],
    }  # fmt: skip
    assert app.driver(globex).interaction(payload).status == 200
    assert app.runtime.listener_executor.wait_idle(15)
    assert _goal(app, acme.id, 30).status == "not-started"


def test_app_home_exports_and_digests_stay_in_their_workspace(two, fake_slack):
    app, _acme, globex = two
    app.event(globex, {"type": "app_home_opened", "user": globex.member, "tab": "home"})
    home = json.dumps(fake_slack.home_view(globex.member))
    assert "Globex" in home or "Sales" in home
    assert "API Gateway" not in home and "Technical Objectives" not in home
    run_command(
        app.driver(globex), "export json share", user_id=globex.member, channel_id=globex.channel
    )
    exported = [f for f in fake_slack.files.values() if f["channels"]]
    data = json.loads(exported[-1]["content"])
    assert [g["title"] for g in data["goals"]] == ["Globex goal A", "Globex goal B"]
    preview = run_command(
        app.driver(globex),
        "digest weekly preview",
        user_id=globex.member,
        channel_id=globex.channel,
    )
    assert "2 goals" in preview.text and "API Gateway" not in preview.text
