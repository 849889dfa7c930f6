"""The console (`python -m bot console`): its fake Slack workspace, the renderer and the REPL."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.config import Settings
from bot.console import DEFAULT_USER, add_parsers, run_console, run_offline
from bot.console.payloads import signed_headers, state_values
from bot.console.render import Renderer
from bot.console.session import DEFAULT_SAMPLE
from bot.console.workspace import BOT_TOKEN, MEMBERS, LocalWorkspace
from bot.db import create_db_engine
from bot.fakeslack import FakeSlack, Shown
from bot.services.workspaces import LOCAL_TEAM_ID
from models import Goal

SAMPLE_GOALS = 36


def text(value: str) -> dict:
    return {"type": "plain_text", "text": value}


def option(label: str, value: str) -> dict:
    return {"text": text(label), "value": value}


@pytest.fixture
def local_settings(tmp_path, sqlite_template) -> Settings:
    """Settings on a temporary SQLite file (a copy of the migrated template, to save time)."""
    shutil.copyfile(sqlite_template, tmp_path / "c.db")
    return Settings(database_url=f"sqlite:///{tmp_path}/c.db")


def console(
    settings: Settings,
    *lines: str,
    sample: Path | None = DEFAULT_SAMPLE,
    as_user: str | None = None,
) -> tuple[int, str]:
    stdout = io.StringIO()
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    code = run_console(settings, as_user=as_user, stdin=stdin, stdout=stdout, sample_path=sample)
    return code, stdout.getvalue()


def goal_count(settings: Settings) -> int:
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count(Goal.id))) or 0
    finally:
        engine.dispose()


# --- the REPL against the real app --------------------------------------------------------------


def test_first_start_imports_the_sample_and_renders_help_and_home(local_settings):
    code, out = console(local_settings, "/roadmap help", ":home", ":quit", "/roadmap never-run")

    assert code == 0
    assert goal_count(local_settings) == SAMPLE_GOALS
    assert f"{SAMPLE_GOALS} goals" in out
    assert "@omar owns G25, G26, G27." in out  # the local goal owner; kenji owns nothing
    assert "! " not in out, out  # no error lines
    help_part = out.split("Home tab of @")[0].split("console commands.", 1)[1]
    assert "── " in help_part and "/roadmap" in help_part  # the help reply, rendered
    assert "{" not in help_part  # text, not JSON
    home = out.split("Home tab of @", 1)[1]
    assert home.strip()


def test_second_start_keeps_the_roadmap_and_eof_exits_zero(local_settings):
    console(local_settings, ":quit")
    code, out = console(local_settings)  # no :quit: end of input

    assert code == 0
    assert goal_count(local_settings) == SAMPLE_GOALS
    assert "Sample roadmap" not in out
    assert f"{SAMPLE_GOALS} goals" in out


def test_without_the_sample_the_workspace_starts_empty(local_settings):
    code, out = console(local_settings, sample=None)

    assert code == 0
    assert goal_count(local_settings) == 0
    assert f"{LOCAL_TEAM_ID}: 0 goals" in out


def test_console_lines_it_does_not_know_get_a_helpful_answer(local_settings):
    code, out = console(local_settings, ":frobnicate", "hello", ":click 7", ":submit x=1", ":help")

    assert code == 0
    assert "Unknown console command :frobnicate; type :help" in out
    assert "Type a slash command such as /roadmap help" in out
    assert "Usage: :click N" in out
    assert "No modal is open" in out
    assert ":react EMOJI" in out  # the help list


def test_an_unknown_command_shows_slacks_status_and_the_console_goes_on(local_settings):
    code, out = console(local_settings, "/nosuchcommand hi", ":help")

    assert code == 0
    assert "HTTP 404" in out
    assert "dispatch_failed" in out
    assert "Console commands:" in out


# --- the REPL with throwaway listeners: buttons, menus, modals, events ---------------------------

MODAL = {
    "type": "modal",
    "callback_id": "console_test_modal",
    "title": text("New goal"),
    "submit": text("Save"),
    "close": text("Cancel"),
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": text("Title"),
            "element": {
                "type": "plain_text_input",
                "action_id": "title_input",
                "placeholder": text("What will be true?"),
            },
        },
        {
            "type": "input",
            "block_id": "status",
            "label": text("Status"),
            "element": {
                "type": "static_select",
                "action_id": "status_select",
                "options": [option("On track", "on-track"), option("At risk", "at-risk")],
            },
        },
        {
            "type": "input",
            "block_id": "due",
            "label": text("Due"),
            "element": {"type": "datepicker", "action_id": "due_date"},
        },
        {
            "type": "input",
            "block_id": "owners",
            "label": text("Owners"),
            "element": {"type": "multi_users_select", "action_id": "people"},
        },
    ],
}


@pytest.fixture
def seen(monkeypatch) -> dict:
    """Register throwaway listeners ahead of the real ones; record every request's body."""
    import handlers

    real_register_all = handlers.register_all
    seen: dict = {"bodies": [], "submissions": [], "posted": []}

    def register_all(app) -> None:
        @app.middleware
        def record(body, next):
            seen["bodies"].append(body)
            next()

        @app.command("/console-test")
        def command(ack, command, client):
            buttons = {
                "type": "actions",
                "block_id": "test_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "console_test_open",
                        "text": text("Open"),
                        "value": "g1",
                    },
                    {
                        "type": "static_select",
                        "action_id": "console_test_pick",
                        "placeholder": text("Pick"),
                        "options": [option("Done", "done"), option("Blocked", "blocked")],
                    },
                ],
            }
            ack(text="test", blocks=[buttons])
            posted = client.chat_postMessage(channel=command["channel_id"], text="posted *here*")
            seen["posted"].append(posted["ts"])

        @app.command("/console-dm")
        def direct_message(ack, command, client):
            ack()
            posted = client.chat_postMessage(channel=command["text"], text="just for you")
            seen["dms"] = [*seen.get("dms", []), (posted["channel"], posted["ts"])]

        @app.action("console_test_open")
        def open_modal(ack, body, client):
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=MODAL)

        @app.action("console_test_pick")
        def pick(ack, action, respond):
            ack()
            respond(text=f"picked {action['selected_option']['value']}", replace_original=True)

        @app.view("console_test_modal")
        def submitted(ack, view, body, client):
            values = view["state"]["values"]
            seen["submissions"].append(values)
            if values["title"]["title_input"]["value"] == "bad":
                ack(response_action="errors", errors={"title": "Too vague"})
                return
            ack()
            title = values["title"]["title_input"]["value"]
            client.chat_postMessage(channel=body["user"]["id"], text=f"Saved {title}")

        @app.event({"type": "message", "subtype": "file_share"})
        def file_shared(event, client):
            url = event["files"][0]["url_private_download"]
            request = urllib.request.Request(
                url, headers={"Authorization": f"Bearer {client.token}"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                seen["downloaded"] = response.read()

        real_register_all(app)

    monkeypatch.setattr(handlers, "register_all", register_all)
    return seen


def test_click_presses_buttons_and_menus_with_slack_shaped_payloads(local_settings, seen):
    code, out = console(local_settings, "/console-test", ":click 2", ":click 2 blocked", ":click 1")

    assert code == 0
    assert "[ Open ](1)  [Pick ▾](2)" in out
    assert "posted *here*" in out
    assert "say which, e.g. :click 2" in out
    assert "picked blocked" in out and "updated its message" in out
    actions = [b for b in seen["bodies"] if b.get("type") == "block_actions"]
    pick, press = actions
    assert pick["actions"][0]["selected_option"] == option("Blocked", "blocked")
    assert press["actions"][0] | {"action_ts": "x"} == {
        "action_id": "console_test_open",
        "block_id": "test_actions",
        "type": "button",
        "value": "g1",
        "text": text("Open"),
        "action_ts": "x",
    }
    assert press["user"]["id"] == DEFAULT_USER
    assert press["team"]["id"] == LOCAL_TEAM_ID
    assert press["container"]["type"] == "message"
    assert press["channel"]["id"] == press["container"]["channel_id"]
    assert press["response_url"].startswith("http://127.0.0.1:")
    assert press["trigger_id"] and press["api_app_id"]
    assert "New goal" in out and "key=title" in out and "[ Save ]" in out


def test_submit_fills_the_modal_state_and_shows_field_errors(local_settings, seen):
    code, out = console(
        local_settings,
        "/console-test",
        ":click 1",
        ":submit nope=1",
        ":submit title=bad",
        ':submit title="Ship it" status=at-risk due=2025-03-31 people=U1,U2',
        ":submit title=again",
    )

    assert code == 0
    assert "No input called nope in this modal; its keys: title, status, due, owners" in out
    assert "✗ Title (title): Too vague" in out
    assert "Saved Ship it" in out
    assert "closed the modal 'New goal'" in out
    assert "No modal is open" in out  # the last :submit: the modal was closed
    assert seen["submissions"][-1] == {
        "title": {"title_input": {"type": "plain_text_input", "value": "Ship it"}},
        "status": {
            "status_select": {
                "type": "static_select",
                "selected_option": option("At risk", "at-risk"),
            }
        },
        "due": {"due_date": {"type": "datepicker", "selected_date": "2025-03-31"}},
        "owners": {"people": {"type": "multi_users_select", "selected_users": ["U1", "U2"]}},
    }


def test_home_react_and_reply_send_events_about_the_bots_last_message(local_settings, seen):
    code, out = console(
        local_settings, ":react tada", "/console-test", ":react tada", ":unreact tada", ":reply hi"
    )

    assert code == 0
    assert "nothing to react to" in out
    events = [b for b in seen["bodies"] if b.get("type") == "event_callback"]
    added, removed, reply = events
    ts = seen["posted"][0]
    channel = added["event"]["item"]["channel"]
    assert added["team_id"] == LOCAL_TEAM_ID
    assert added["event"]["type"] == "reaction_added"
    assert added["event"]["item"] == {"type": "message", "channel": channel, "ts": ts}
    assert added["event"]["reaction"] == "tada"
    assert removed["event"]["type"] == "reaction_removed"
    assert reply["event"]["thread_ts"] == ts and reply["event"]["text"] == "hi"
    assert len({e["event_id"] for e in events}) == 3


def test_react_and_reply_go_to_the_last_message_the_acting_member_can_see(local_settings, seen):
    code, _ = console(
        local_settings,
        "/console-test",
        "/console-dm U0LOCALADA1",
        ":react tada",  # you: Ada's DM is not yours, so the channel message
        ":as ada",
        ":react eyes",  # Ada: her own DM, the newest message she can see
        ":reply thanks",
    )

    assert code == 0
    (dm,) = seen["dms"]
    events = [b["event"] for b in seen["bodies"] if b.get("type") == "event_callback"]
    yours, adas, reply = events
    assert yours["item"]["ts"] == seen["posted"][0] and not yours["item"]["channel"].startswith("D")
    assert (adas["item"]["channel"], adas["item"]["ts"]) == dm
    assert adas["user"] == "U0LOCALADA1" and reply["thread_ts"] == dm[1]


def test_upload_shares_a_file_the_app_can_download(local_settings, seen, tmp_path):
    document = tmp_path / "plan.md"
    document.write_text("# Plan\n## Q1 2025 Goals\n### Tech\n- Ship it\n")
    code, out = console(local_settings, f":upload {document} please import", ":upload /nope")

    assert code == 0
    assert "you shared plan.md" in out
    assert "Usage: :upload PATH" in out
    shared = next(b["event"] for b in seen["bodies"] if b.get("type") == "event_callback")
    assert shared["subtype"] == "file_share" and shared["text"] == "please import"
    assert shared["channel"].startswith("D") and shared["files"][0]["name"] == "plan.md"
    assert seen["downloaded"] == document.read_bytes()


def test_as_switches_the_acting_user(local_settings, seen):
    code, out = console(
        local_settings, ":as u0alice42", "/console-test", ":as nobody", ":as ada", "/console-test"
    )

    assert code == 0
    assert "now acting as" in out and "U0ALICE42" in out
    assert "Usage: :as NAME or :as USER_ID" in out and "@kenji (Kenji Sato" in out
    assert "now acting as @ada (U0LOCALADA1)" in out
    first, second = (b for b in seen["bodies"] if b.get("command") == "/console-test")
    assert first["user_id"] == "U0ALICE42"
    assert first["team_id"] == LOCAL_TEAM_ID
    assert first["response_url"].startswith("http://127.0.0.1:")
    assert (second["user_id"], second["user_name"]) == ("U0LOCALADA1", "ada")


def test_an_exception_from_the_app_is_an_error_line_not_a_crash(local_settings, monkeypatch):
    from slack_bolt import App

    def explode(self, request):
        raise RuntimeError("the app blew up")

    monkeypatch.setattr(App, "dispatch", explode)
    code, out = console(local_settings, "/roadmap list", ":help")

    assert code == 0
    assert "! the app failed on /roadmap: RuntimeError: the app blew up" in out
    assert "Console commands:" in out


# --- entry points --------------------------------------------------------------------------------


def test_cli_parser_and_offline_banner(local_settings, monkeypatch, capsys):
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["console", "--as", "U123", "--no-sample"])
    assert (args.as_user, args.no_sample, callable(args.handler)) == ("U123", True, True)
    assert parser.parse_args(["console"]).as_user == DEFAULT_USER

    monkeypatch.setattr("sys.stdin", io.StringIO(":quit\n"))
    assert run_offline(local_settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("Slack is not configured (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
    assert "type /roadmap help" in out.lower()


# --- the console's fake Slack ------------------------------------------------------------------


@pytest.fixture
def local_slack():
    """The fake Slack seeded as the console seeds it, with what its observers were told."""
    shown: list[Shown] = []
    with FakeSlack() as fake:
        fake.observers.append(shown.append)
        workspace = LocalWorkspace(fake, team_id=LOCAL_TEAM_ID, user_id=DEFAULT_USER)
        client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
        yield workspace, client, shown
    assert fake.internal_errors == []


def test_the_local_workspace_has_named_members_in_several_time_zones(local_slack):
    slack, client, _ = local_slack
    assert client.auth_test()["team_id"] == LOCAL_TEAM_ID
    you = client.users_info(user=DEFAULT_USER)["user"]
    assert you["is_admin"] and you["is_owner"] and you["tz"]
    members = {m["id"]: m for m in client.users_list()["members"]}
    for member in MEMBERS:
        user = members[member.user_id]
        assert (user["name"], user["real_name"], user["tz"]) == (
            member.name,
            member.real_name,
            member.tz,
        )
        assert user["profile"]["email"] == f"{member.name}@local.invalid"
        assert user["tz_offset"] is not None
    assert {m.tz for m in MEMBERS} >= {"Europe/Berlin", "America/New_York", "Asia/Tokyo"}
    roles = {m.name: (members[m.user_id]["is_admin"], m.role) for m in MEMBERS}
    assert roles == {
        "ada": (True, "admin"),
        "omar": (False, "goal owner"),
        "kenji": (False, "member"),
    }
    channel = client.conversations_members(channel=slack.channel_id)["members"]
    assert set(channel) >= {DEFAULT_USER, *(m.user_id for m in MEMBERS)}
    assert slack.find_person("@Ada") == "U0LOCALADA1" and slack.find_person("nobody") is None


def test_observers_report_what_the_app_shows_and_what_slack_refused(local_slack):
    slack, client, shown = local_slack
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    posted = client.chat_postMessage(channel=slack.channel_id, text="hi", blocks=blocks)
    client.chat_update(channel=slack.channel_id, ts=posted["ts"], text="bye")
    client.chat_postEphemeral(channel=slack.channel_id, user=DEFAULT_USER, text="psst")
    opened = client.views_open(trigger_id=slack.trigger_id(), view=MODAL)
    assert opened["view"]["id"].startswith("V")
    client.views_publish(user_id=DEFAULT_USER, view={"type": "home", "blocks": blocks})
    dm = client.conversations_open(users=DEFAULT_USER)["channel"]["id"]
    upload = client.files_upload_v2(channel=dm, content="a,b\n1,2\n", filename="x.csv")
    assert client.files_info(file=upload["file"]["id"])["file"]["size"] == 8
    client.reactions_add(channel=slack.channel_id, timestamp=posted["ts"], name="eyes")
    with pytest.raises(SlackApiError, match="unknown_method"):
        client.api_call("nosuch.method")
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U0NOBODY00")
    url = slack.response_url(slack.channel_id, posted["ts"])
    assert (
        urllib.request.urlopen(  # a response_url post that replaces the message
            urllib.request.Request(
                url,
                data=json.dumps({"text": "replaced", "replace_original": True}).encode(),
                headers={"Content-Type": "application/json"},
            ),
            timeout=5,
        ).read()
        == b"ok"
    )

    kinds = [(o.kind, o.action) for o in shown]
    assert kinds == [
        ("message", ""),
        ("update", ""),
        ("ephemeral", ""),
        ("modal", "open"),
        ("home", "publish"),
        ("file", ""),
        ("reaction", "added"),
        ("error", ""),
        ("error", ""),
        ("update", ""),
    ]
    assert shown[0].data["blocks"][0]["text"]["text"] == "hi"
    assert shown[0].data["ts"] == posted["ts"] and shown[0].channel == slack.channel_id
    assert shown[2].user == DEFAULT_USER and shown[2].data["text"] == "psst"
    assert shown[3].user == DEFAULT_USER and shown[4].user == DEFAULT_USER
    assert shown[5].data["content"] == "a,b\n1,2\n" and shown[5].channel == dm
    assert shown[7].data == {"method": "nosuch.method", "error": "unknown_method"}
    assert shown[8].data == {"method": "users.info", "error": "user_not_found"}
    assert shown[9].data["text"] == "replaced" and shown[9].data["ts"] == posted["ts"]
    assert slack.channel_label(dm) == f"a DM with @{slack.user_name(DEFAULT_USER)}"


def test_a_submission_ack_updates_pushes_or_closes_the_modal_in_the_fake(local_slack):
    slack, client, shown = local_slack
    fake, team = slack.fake, slack.team_id
    view = client.views_open(trigger_id=slack.trigger_id(), view=MODAL)["view"]
    changed = MODAL | {"title": text("Check")}
    updated = fake.user_submitted_view(
        team, DEFAULT_USER, view["id"], {"response_action": "update", "view": changed}
    )
    assert updated is not None and updated["id"] == view["id"]
    pushed = fake.user_submitted_view(
        team, DEFAULT_USER, view["id"], {"response_action": "push", "view": changed}
    )
    assert pushed is not None and pushed["previous_view_id"] == view["id"]
    assert [(o.kind, o.action) for o in shown][-2:] == [("modal", "update"), ("modal", "push")]
    fake.user_close_view(team, DEFAULT_USER, pushed["id"])
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id=pushed["id"], view=MODAL)
    assert fake.user_submitted_view(team, DEFAULT_USER, view["id"], {}) is None
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id=view["id"], view=MODAL)


def test_signed_requests_verify_with_slacks_own_verifier():
    headers = signed_headers("s3cret", "a=1&b=2", "application/x-www-form-urlencoded")
    assert SignatureVerifier("s3cret").is_valid_request("a=1&b=2", headers)
    assert not SignatureVerifier("other").is_valid_request("a=1&b=2", headers)


# --- the renderer --------------------------------------------------------------------------------


def test_renderer_turns_block_kit_into_readable_numbered_text():
    blocks = [
        {"type": "header", "text": text("Q1 goals")},
        {
            "type": "section",
            "block_id": "g1",
            "text": {
                "type": "mrkdwn",
                "text": "*G1* <https://x.io/a|the gateway> for <@U1> in <#C1|eng>: "
                "&lt;b&gt; &amp; :rocket: <!here>",
            },
            "fields": [
                {"type": "mrkdwn", "text": "*Owner*\n<@U2>"},
                {"type": "mrkdwn", "text": "*Status*\non-track"},
            ],
            "accessory": {"type": "button", "action_id": "edit", "text": text("Edit")},
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "by <@U9>"},
                {"type": "image", "image_url": "https://x.io/i.png", "alt_text": "avatar"},
            ],
        },
        {
            "type": "actions",
            "block_id": "acts",
            "elements": [
                {"type": "button", "action_id": "done", "text": text("Done"), "value": "g1"},
                {"type": "static_select", "action_id": "st", "placeholder": text("Status")},
            ],
        },
        {"type": "image", "image_url": "https://x.io/c.png", "alt_text": "burn-down chart"},
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "first item"}],
                        }
                    ],
                }
            ],
        },
    ]
    renderer = Renderer(user_name={"U1": "alice", "U2": "bob"}.get)
    out = "\n".join(renderer.message({"text": "fallback", "blocks": blocks}))

    assert out.startswith("Q1 goals\n")
    assert "*G1* the gateway (https://x.io/a) for @alice in #eng: <b> & :rocket: @here" in out
    assert "[ Edit ](1)" in out
    assert "*Owner* @bob" in out and "*Status* on-track" in out
    assert "─" * 20 in out
    assert "by @U9  [image: avatar]" in out
    assert "[ Done ](2)  [Status ▾](3)" in out
    assert "[image: burn-down chart]" in out
    assert "• first item" in out
    assert "fallback" not in out
    assert [(c.element["action_id"], c.block_id) for c in renderer.controls] == [
        ("edit", "g1"),
        ("done", "acts"),
        ("st", "acts"),
    ]


def test_renderer_shows_text_only_messages_and_modals():
    renderer = Renderer(user_name={"U1": "alice"}.get)
    assert renderer.message({"text": "Hi <@U1>, see <https://x.io>"}) == [
        "Hi @alice, see https://x.io"
    ]
    modal = "\n".join(renderer.view(MODAL))
    assert modal.startswith("New goal\n")
    assert "Title: [What will be true?]  key=title" in modal
    assert "choices: on-track, at-risk" in modal
    assert "[ Save ]" in modal and "[ Cancel ]" in modal
    assert renderer.controls == []  # inputs are filled with :submit, not pressed

    bold = Renderer(color=True).mrkdwn("a *b* c")
    assert bold == "a \x1b[1mb\x1b[0m c"


def test_state_values_match_inputs_by_block_or_action_id():
    values, unknown = state_values(MODAL, {"title_input": "X", "STATUS": "On track", "zz": "1"})

    assert unknown == ["zz"]
    assert values["title"]["title_input"] == {"type": "plain_text_input", "value": "X"}
    assert values["status"]["status_select"]["selected_option"]["value"] == "on-track"
    assert values["due"]["due_date"] == {"type": "datepicker", "selected_date": None}
    assert json.dumps(values)  # all plain JSON
