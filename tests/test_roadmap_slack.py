"""Import and export through Slack: the paste modal, a shared Markdown file, an uploaded export.

What an import says and refuses is tested in-process in tests/test_flows_imports.py; here
each surface is driven end to end."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.db import create_db_engine, make_session_factory
from models import Goal
from tests.conftest import SAMPLE_ROADMAP
from tests.harness import run_command

pytestmark = pytest.mark.usefixtures("frozen_time")


@pytest.fixture
def goal_count(settings):
    engine = create_db_engine(settings.database_url)
    factory = make_session_factory(engine)

    def count() -> int:
        with factory() as session:
            return session.scalar(select(func.count()).select_from(Goal))

    yield count
    engine.dispose()


def submit_import(running_app, slack, user, document, dry_run=False):
    values = {"document": {"document": {"type": "plain_text_input", "value": document}}}
    if dry_run:
        values["dry_run"] = {
            "dry_run": {"type": "checkboxes", "selected_options": [{"value": "dry"}]}
        }
    payload = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "view": {
            "id": "V0000000009",
            "type": "modal",
            "callback_id": "roadmap_import",
            "private_metadata": "",
            "state": {"values": values},
        },
    }
    result = running_app.interaction(payload)
    assert running_app.runtime.listener_executor.wait_idle(15)
    return result


def test_only_admins_may_open_the_import_modal(running_app, slack):
    refused = run_command(running_app, "import", user_id=slack.alice, channel_id=slack.channel)
    assert "Only roadmap admins can import a roadmap" in refused.text
    assert not slack.fake.calls_to("views.open")
    run_command(running_app, "import", user_id=slack.admin, channel_id=slack.channel)
    (call,) = slack.fake.calls_to("views.open")
    view = call.params["view"]
    assert (json.loads(view) if isinstance(view, str) else view)["callback_id"] == "roadmap_import"


def test_pasted_document_is_imported_and_reported(running_app, slack, goal_count):
    document = SAMPLE_ROADMAP.read_text(encoding="utf-8")
    dry = submit_import(running_app, slack, slack.admin, document, dry_run=True)
    assert dry.status == 200 and goal_count() == 0
    assert "Would import" in json.dumps(slack.fake.calls_to("chat.postMessage")[-1].params)
    submit_import(running_app, slack, slack.admin, document)
    assert goal_count() == 36
    report = json.dumps(slack.fake.calls_to("chat.postMessage")[-1].params)
    assert "36 goals (36 added" in report


def test_a_non_admin_paste_is_refused(running_app, slack, goal_count):
    result = submit_import(running_app, slack, slack.carol, SAMPLE_ROADMAP.read_text())
    assert "Only roadmap admins" in result.json()["errors"]["document"]
    assert goal_count() == 0


def test_shared_markdown_file_is_imported_after_confirmation(running_app, slack, goal_count):
    from slack_sdk import WebClient

    bot = WebClient(token=slack.bot_token, base_url=slack.fake.api_url)
    dm = bot.conversations_open(users=slack.admin)["channel"]["id"]
    file, ts = slack.fake.user_share_file(
        dm, slack.admin, "roadmap.md", SAMPLE_ROADMAP.read_bytes()
    )
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": dm,
        "channel_type": "im",
        "user": slack.admin,
        "text": "",
        "ts": ts,
        "files": [file],
    }
    assert running_app.event(event).status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    assert goal_count() == 0  # a dry run first
    (confirm,) = [
        m for m in slack.fake.messages(dm) if m.get("thread_ts") == ts and m.get("blocks")
    ]
    assert "Would import" in json.dumps(confirm["blocks"])
    buttons = [e for b in confirm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    (import_button,) = [b for b in buttons if b["action_id"] == "import_confirm"]
    response_url = slack.fake.response_url(slack.team_id, dm, slack.admin, message_ts=confirm["ts"])
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team_id},
        "user": {"id": slack.admin, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "trigger_id": slack.fake.trigger_id(slack.team_id, slack.admin),
        "container": {"type": "message", "channel_id": dm, "message_ts": confirm["ts"]},
        "channel": {"id": dm},
        "message": confirm,
        "response_url": response_url,
        "actions": [
            {
                "action_id": "import_confirm",
                "block_id": "x",
                "value": import_button["value"],
                "type": "button",
                "action_ts": "1",
            }
        ],
    }
    assert running_app.interaction(payload).status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    assert goal_count() == 36
    assert "Imported" in json.dumps(slack.fake.responses(response_url))


@pytest.mark.usefixtures("roadmap")
def test_export_is_private_unless_shared(running_app, slack):
    outcome = run_command(running_app, "export json", user_id=slack.alice, channel_id=slack.channel)
    assert outcome.status == 200 and "direct messages" in outcome.text
    (stored,) = slack.fake.files.values()
    data = json.loads(stored["content"])
    assert len(data["goals"]) == 36
    assert stored["channels"][0].startswith("D")  # alice's DM with the bot, not the channel
    assert not slack.fake.messages(slack.channel)
    run_command(running_app, "export md share", user_id=slack.alice, channel_id=slack.channel)
    (shared,) = [f for f in slack.fake.files.values() if slack.channel in f["channels"]]
    assert shared["content"].startswith(b"# Team Roadmap")


@pytest.mark.usefixtures("roadmap")
def test_export_goes_to_the_dm_when_the_bot_is_not_in_the_channel(running_app, slack):
    elsewhere = slack.fake.add_channel(slack.team_id, name="random", members=[slack.alice])
    outcome = run_command(
        running_app, "export md share", user_id=slack.alice, channel_id=elsewhere["id"]
    )
    assert "sent the export to you directly" in outcome.text
    # The first upload could not be shared in #random; only the one in the DM was.
    (stored,) = [f for f in slack.fake.files.values() if f["channels"]]
    assert stored["content"].startswith(b"# Team Roadmap")
    assert stored["channels"][0].startswith("D")
