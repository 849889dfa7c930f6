"""/roadmap command flows in-process: the registry, goals, metrics, config, schedules.

Each test parses the command text with the grammar and runs the flow its registry entry
names, as the listener would (one transaction, committed once), with a recording effects sink.
The signed-HTTP tests in test_commands.py keep what only the surface shows (ack, share,
response_url, modals, errors with an id).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.flows.commands import CommandCall
from bot.flows.outcome import OpenView, PublishHome, RespondTo, RunDeliveries, Upload
from bot.flows.registry import Permission
from handlers import grammar as g
from models import Delivery, Goal, MetricReading, Schedule, Workspace
from tests.conftest import FROZEN_NOW
from tests.flows import FlowRun, run
from tests.harness import _all_text

NOW = datetime.fromisoformat(FROZEN_NOW)
pytestmark = pytest.mark.usefixtures("roadmap")


@pytest.fixture
def ask(session_factory, slack):
    users = {
        slack.alice: {"name": "alice", "tz": "Europe/Berlin"},
        slack.bob: {"name": "bob", "tz": "America/New_York"},
        slack.carol: {"name": "carol", "tz": "UTC"},
        slack.admin: {"name": "dana", "tz": "UTC", "is_admin": True},
    }

    def ask(text: str, user: str | None = None, now: datetime = NOW) -> FlowRun:
        parsed = g.parse_command(text)
        spec = g.COMMANDS[parsed.name]
        call = CommandCall(parsed.command, parsed.share, trigger_id="T-TRIGGER")
        result = run(
            session_factory,
            spec.flow,
            call,
            team_id=slack.team_id,
            user_id=user or slack.alice,
            now=now,
            users=users,
            channel_id=slack.channel,
        )
        result.all_text = "\n".join(_all_text(m.to_dict()) for m in result.effects.replies)
        return result

    return ask


@pytest.fixture
def db(session_factory):
    with session_factory() as session:
        yield session


def goal(db, number: int) -> Goal:
    db.rollback()  # end the read snapshot so the flows' commits are visible
    return db.scalar(select(Goal).where(Goal.number == number))


# -- the registry --------------------------------------------------------------------------------


def test_every_registered_command_has_a_flow():
    for name, spec in g.COMMANDS.items():
        if name == "help":  # answered in the ack from this registry: no database, no flow
            assert spec.flow is None
            continue
        assert callable(spec.flow), name
        assert spec.flow.__module__.startswith("bot.") or spec.permission is Permission.ADMIN
    assert g.COMMANDS["import"].permission is Permission.ADMIN


def test_an_admin_only_command_is_refused_below_the_handler(ask, slack):
    refused = ask("import", user=slack.alice)
    assert "Only roadmap admins can import a roadmap" in refused.text
    assert not refused.effects.of_type(OpenView)
    opened = ask("import", user=slack.admin)
    (view,) = opened.effects.of_type(OpenView)
    assert view.trigger_id == "T-TRIGGER"


def test_progress_is_one_flow_call_and_one_commit(session_factory, slack, db):
    calls = []
    spec = g.COMMANDS["progress"]

    def counted(call, ctx):
        calls.append(call)
        return spec.flow(call, ctx)

    parsed = g.parse_command("progress G1 60%")
    result = run(
        session_factory,
        counted,
        CommandCall(parsed.command),
        team_id=slack.team_id,
        user_id=slack.alice,
        now=NOW,
    )
    assert len(calls) == 1 and result.commits == 1
    assert "progress 60%" in result.text
    assert goal(db, 1).progress == 60
    # The owners' and the actor's Homes are refreshed (alice owns G1).
    assert [e.user_id for e in result.effects.of_type(PublishHome)] == [slack.alice]


# -- goals -----------------------------------------------------------------------------------


def test_list_shows_the_current_quarter(ask):
    listed = ask("list")
    assert "Q1 2025" in listed.all_text and "13 goals" in listed.all_text
    assert "G1" in listed.all_text and "G14" not in listed.all_text
    assert listed.effects.shared == [False]
    assert ask("list share").effects.shared == [True]


def test_list_filters_by_period_category_owner_and_status(ask, slack):
    tech_q2 = ask("list q2 tech").all_text
    assert "Q2 2025 · Technical Objectives" in tech_q2 and "5 goals" in tech_q2
    mine = ask("list mine").all_text
    assert "G1 " in mine and "G3 " in mine and "G2 " not in mine
    assert "2 goals" in ask(f"list <@{slack.bob}|bob>").all_text
    assert "No goals match" in ask("list at-risk").all_text


def test_list_with_unknown_period_or_ambiguous_category_says_which(ask):
    assert "I can't find the period 'Q4 2030'" in ask("list Q4 2030").text
    assert "There is no category 'zzz'" in ask("list zzz").text


def test_show_by_ref_and_by_fragment(ask):
    card = ask("show G1").all_text
    assert "Complete API Gateway Redesign" in card and "Status" in card
    assert "G1 Complete API Gateway Redesign" in ask("show gateway").all_text
    assert "Several goals match" in ask("show uptime").all_text
    assert "There is no goal G999" in ask("show G999").text


def test_add_goal_inline(ask, db, slack):
    added = ask(f'add "Adopt OpenTelemetry" q2 process <@{slack.bob}|bob> due 2025-06-30')
    assert "added to Q2 2025 / Process Improvements" in added.text
    row = db.scalar(select(Goal).where(Goal.title == "Adopt OpenTelemetry"))
    assert row.ref == "G37"
    assert [o.owner for o in row.owners] == [slack.bob]
    assert row.due_date.isoformat() == "2025-06-30"
    homes = [e.user_id for e in added.effects.of_type(PublishHome)]
    assert homes == sorted([slack.alice, slack.bob])


def test_add_without_a_title_and_edit_open_the_goal_form(ask, slack):
    (form,) = ask("add").effects.of_type(OpenView)
    assert form.view.callback_id == "goal_add"
    (edit,) = ask("edit G1").effects.of_type(OpenView)
    assert "Complete API Gateway Redesign" in json.dumps(edit.view.to_dict())
    refused = ask("edit G2", user=slack.carol)
    assert "Only its owners" in refused.text and not refused.effects.of_type(OpenView)


def test_owner_changes_progress_status_and_done(ask, db, slack):
    assert "progress 60%" in ask("progress G1 60%").text
    assert goal(db, 1).progress == 60
    ask("progress G1 3/5")
    assert goal(db, 1).progress == 60
    assert "now at-risk" in ask("status G1 at-risk waiting on the vendor").text
    assert (goal(db, 1).status, goal(db, 1).status_note) == ("at-risk", "waiting on the vendor")
    ask("done G1")
    assert (goal(db, 1).status, goal(db, 1).progress) == ("done", 100)
    ask(f"assign G1 <@{slack.carol}|carol>")
    assert [o.owner for o in goal(db, 1).owners] == [slack.carol]


def test_non_owner_is_refused_and_told_who_can(ask, db, slack):
    refused = ask("progress G2 50%", user=slack.carol)
    assert "Only its owners" in refused.text and slack.bob in refused.text
    assert refused.commits == 0 and not refused.effects.effects
    assert goal(db, 2).progress == 0
    # A Slack admin may change any goal.
    assert "progress 50%" in ask("progress G2 50%", user=slack.admin).text
    assert goal(db, 2).progress == 50


def test_archive_is_for_admins(ask, db, slack):
    assert "Only roadmap admins can archive goals" in ask("archive G1").text
    ask("archive G1", user=slack.admin)
    assert goal(db, 1).archived


def test_user_text_cannot_ping_or_link(ask):
    ask('add "<!channel> <@U0123ABCD> <https://evil.example|click>" q1 tech')
    raw = json.dumps([m.to_dict() for m in ask("list q1 tech").effects.replies])
    assert "<!channel>" not in raw
    assert "<@U0123ABCD>" not in raw
    assert "<https://evil.example|click>" not in raw
    assert "&lt;@U0123ABCD&gt;" in raw


def test_unknown_goal_everywhere_says_which(ask):
    for text in ("progress G404 10%", "status G404 done", "done G404", "history G404"):
        assert "There is no goal G404" in ask(text).text, text


# -- metrics, config, export -------------------------------------------------------------------


def test_metrics_and_readings_with_units(ask, db):
    assert "System uptime" in ask("metrics").all_text
    assert "Recorded System uptime = *99.95%*" in ask("metric uptime 99.95").all_text
    ask("metric latency 180ms")
    ask("metric mttr 45m")
    typed = select(MetricReading).where(MetricReading.source == "command")  # not the bot's own
    assert {r.value for r in db.scalars(typed)} == {99.95, 180, 0.75}
    assert "There is no metric 'foo'" in ask("metric foo 3").text
    assert "could be any of" in ask("metric c 3").text
    (form,) = ask("metric add").effects.of_type(OpenView)
    assert form.trigger_id == "T-TRIGGER"


def test_config_is_for_admins(ask, db, slack):
    assert "Only roadmap admins can change the configuration" in ask("config timezone UTC").text
    assert "Europe/Berlin" in ask("config timezone Europe/Berlin", user=slack.admin).all_text
    ask(f"config admins <@{slack.carol}|carol>", user=slack.admin)
    assert db.scalar(select(Workspace)).admin_user_ids == [slack.carol]


def test_a_members_command_never_changes_the_teams_time_zone(ask, db, slack):
    # The workspace says UTC and was never installed through OAuth (a single-token bot).
    assert "*Time zone*: UTC" in ask("config", user=slack.admin).all_text
    ask("list", user=slack.alice)  # alice's first command: she is in Berlin
    ask("list", user=slack.bob)  # bob's: New York
    db.rollback()
    assert db.scalar(select(Workspace)).timezone == "UTC"
    assert "*Time zone*: UTC" in ask("config", user=slack.admin).all_text
    # Only an admin changes it.
    ask("config timezone Europe/Berlin", user=slack.admin)
    db.rollback()
    assert db.scalar(select(Workspace)).timezone == "Europe/Berlin"


def test_an_api_token_is_never_shared(ask, slack):
    created = ask("config api-token create ci share", user=slack.admin)
    assert "rmb_" in json.dumps(created.effects.replies[0].to_dict())
    assert created.effects.shared == [False]


def test_export_goes_to_the_person_unless_shared(ask, slack):
    private = ask("export json")
    (upload,) = private.effects.of_type(Upload)
    assert upload.channel == slack.alice and upload.filename == "roadmap-2025-03-05.json"
    assert upload.fallback_user is None
    assert b'"G1"' in upload.content or b"G1" in upload.content
    assert "direct messages" in private.text and "/roadmap export json share" in private.text
    shared = ask("export md share")
    (upload,) = shared.effects.of_type(Upload)
    assert upload.channel == slack.channel and upload.filename.endswith(".md")
    assert upload.fallback_user == slack.alice and "directly" in upload.fallback_note.text


# -- schedules, digests, check-in prompts --------------------------------------------------------


def test_schedule_changes_are_for_admins_and_rules_are_checked(ask, slack):
    refused = ask('schedule add reminder "every monday 09:00" hi', user=slack.alice)
    assert "Only roadmap admins can add schedules" in refused.text
    bad = ask('schedule add reminder "whenever" hi', user=slack.admin)
    assert "whenever" in bad.text and "every monday 09:00" in bad.text
    assert "There is no schedule 999" in ask("schedule pause 999", user=slack.admin).text


def test_a_manual_post_is_a_delivery_row_sent_after_the_commit(ask, db, slack):
    refused = ask("checkin prompt")
    assert "Only roadmap admins can send the check-in prompts" in refused.text
    prompt = ask("checkin prompt", user=slack.admin)
    (deliver,) = prompt.effects.of_type(RunDeliveries)
    assert prompt.commits == 1
    digest = ask("digest weekly", user=slack.admin)
    (post,) = digest.effects.of_type(RunDeliveries)
    rows = {s.kind: d for d, s in db.execute(select(Delivery, Schedule).join(Schedule)).all()}
    assert rows["checkin_prompt"].id == deliver.delivery_ids[0]
    assert rows["checkin_prompt"].occurrence_key.startswith("manual:")
    assert rows["checkin_prompt"].occurrence_key.endswith(slack.admin)
    assert (rows["weekly_digest"].id, rows["weekly_digest"].state) == (
        post.delivery_ids[0],
        "pending",
    )
    assert rows["weekly_digest"].channel_id == slack.channel
    # The same request again (same person, same instant) is the same delivery.
    again = ask("checkin prompt", user=slack.admin)
    assert again.effects.of_type(RunDeliveries)[0].delivery_ids == deliver.delivery_ids


def test_a_preview_shows_every_part_within_the_response_urls_five_posts(session_factory, slack):
    call = CommandCall(
        g.parse_command("digest weekly preview").command,
        response_url="https://hooks.slack.com/commands/T0000000001/1/preview",
    )
    result = run(
        session_factory,
        g.COMMANDS["digest"].flow,
        call,
        team_id=slack.team_id,
        user_id=slack.alice,
        now=NOW,
        users={slack.alice: {"name": "alice", "tz": "Europe/Berlin"}},
        channel_id=slack.channel,
    )
    posts = result.effects.of_type(RespondTo)
    assert 1 + len(posts) <= 5  # the reply, then the response_url's posts
    shown = "\n".join(_all_text(p.message.to_dict()) for p in posts)
    for part in ("Where we are", "What changed", "Needs attention", "Metrics", "Coming up"):
        assert part in shown, part
    assert "That was a preview" in shown and "Too long" not in shown


def test_parts_too_big_to_share_a_message_are_named_not_dropped():
    from bot.blocks.message import Message, packed, section

    big = [Message(k, [section(k)] * 30, key=k) for k in ("where", "changes", "coming-up")]
    parts, left_out = packed(big, 2)
    assert [p.key for p in parts] == ["where", "changes"] and left_out == ["coming up"]
    small = [Message(k, [section(k)] * 3, key=k) for k in ("a", "b", "c", "d", "e")]
    parts, left_out = packed(small, 3)
    assert len(parts) == 3 and not left_out
    assert [p.text for p in parts] == ["a\nb", "c\nd", "e"]


def test_manual_post_replies_come_from_the_senders_report():
    from bot.blocks.deliveries import digest_posted, prompts_posted
    from bot.scheduling.manual import DeliveryResult, ManualReport
    from bot.scheduling.sender import SendReport

    done = ManualReport(
        SendReport(sent=[7]),
        (DeliveryResult(7, "checkin_prompt", "sent", None, None, "W10: 4 prompts posted."),),
    )
    assert prompts_posted(7, done).text == "W10: 4 prompts posted."
    posted = ManualReport(
        SendReport(sent=[8]), (DeliveryResult(8, "weekly_digest", "sent", "C1", "1.2", None),)
    )
    assert "Posted the weekly digest in <#C1>" in digest_posted("weekly", 8, posted).text
    failed = ManualReport(
        SendReport(failed=[(8, "not_in_channel")]),
        (DeliveryResult(8, "weekly_digest", "failed", "C1", None, "not_in_channel"),),
    )
    assert "could not post the weekly digest" in digest_posted("weekly", 8, failed).text
    by_clock = ManualReport(
        SendReport(), (DeliveryResult(8, "weekly_digest", "sent", "C1", "1.2", None),)
    )
    assert "already on its way" in digest_posted("weekly", 8, by_clock).text


def test_digest_preview_is_private(ask, slack):
    preview = ask("digest weekly preview")
    assert "Q1 2025 · week 10 of 13" in preview.all_text
    assert preview.effects.shared == [False]
    assert not preview.effects.of_type(RunDeliveries)
    assert "Only roadmap admins can post a digest" in ask("digest weekly").text
