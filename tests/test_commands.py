"""/roadmap over signed HTTP: every answer is checked in the ack or the response_url posts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from bot.db import create_db_engine, make_session_factory
from models import Goal, GoalOwner, Workspace
from tests.harness import run_command

pytestmark = pytest.mark.usefixtures("frozen_time", "roadmap")


@pytest.fixture
def ask(running_app, slack):
    def ask(text: str, user: str | None = None):
        return run_command(running_app, text, user_id=user or slack.alice, channel_id=slack.channel)

    return ask


@pytest.fixture
def db(settings):
    engine = create_db_engine(settings.database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        yield session
    engine.dispose()


def goal(db, number: int) -> Goal:
    db.rollback()  # end the read snapshot so the app's commits are visible
    return db.scalar(select(Goal).where(Goal.number == number))


def test_help_lists_every_command_and_help_for_one(ask):
    outcome = ask("")
    assert outcome.status == 200
    for usage in ("/roadmap list", "/roadmap show", "/roadmap progress", "/roadmap checkin"):
        assert usage in outcome.text
    detail = ask("help progress")
    assert "/roadmap progress G12 60%" in detail.text


def test_typo_gets_a_suggestion_and_the_usage(ask):
    outcome = ask("lsit")
    assert outcome.status == 200
    assert "Did you mean `/roadmap list`?" in outcome.text
    assert outcome.ack["response_type"] == "ephemeral"


def test_list_shows_the_current_quarter(ask):
    outcome = ask("list")
    assert "Q1 2025" in outcome.text
    assert "13 goals" in outcome.text
    assert "G1" in outcome.text and "G14" not in outcome.text
    assert outcome.last.get("response_type", "ephemeral") == "ephemeral"


def test_a_refusal_and_a_parse_error_are_private_replies(ask, slack):
    refused = ask("config timezone UTC")
    assert "Only roadmap admins can change the configuration" in refused.text
    assert "ask a workspace admin." in refused.text  # the team roster knows no admin yet
    ask("list", user=slack.admin)  # now it knows dana, a workspace admin
    refused = ask("config timezone UTC")
    assert refused.last.get("response_type", "ephemeral") == "ephemeral"
    # A refusal says who can do it (by name) and no usage line: the command was well formed.
    assert (
        "Usage" not in refused.text and f"ask a workspace admin (<@{slack.admin}>)." in refused.text
    )
    bad = ask("config timezone Mars/Base")
    assert "is not a time zone" in bad.text and bad.ack["response_type"] == "ephemeral"
    assert "Usage: `/roadmap config" in bad.text


def test_progress_end_to_end_commits_once(running_app, slack, db):
    """`/roadmap progress G1 60%` over signed HTTP: one transaction, committed once, then the
    reply on the response_url and alice's Home refreshed."""
    commits = []
    factory = running_app.runtime.session_factory
    counter = lambda session: commits.append(session)  # noqa: E731
    event.listen(factory, "after_commit", counter)
    try:
        before = len(slack.fake.calls_to("views.publish"))
        outcome = run_command(
            running_app, "progress G1 60%", user_id=slack.alice, channel_id=slack.channel
        )
    finally:
        event.remove(factory, "after_commit", counter)
    assert len(commits) == 1
    assert "progress 60%" in outcome.text
    assert goal(db, 1).progress == 60
    published = slack.fake.calls_to("views.publish")[before:]
    assert [c.params["user_id"] for c in published] == [slack.alice]


def test_share_posts_in_the_channel(ask):
    outcome = ask("list share")
    assert outcome.responses[-1]["response_type"] == "in_channel"


def test_error_replies_cannot_ping_either(ask):
    # Slack sends a typed <!channel> escaped; the reply quotes it back, inert.
    outcome = ask("status G1 &lt;!channel&gt;")
    raw = json.dumps(outcome.messages)
    assert "<!channel>" not in raw and "&lt;!channel&gt;" in raw


def test_unexpected_error_is_answered_with_an_id(ask, monkeypatch):
    from bot.services import goals

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(goals, "list_goals", broken)
    outcome = ask("list")
    assert outcome.status == 200
    assert "Sorry, something went wrong" in outcome.text and "error" in outcome.text


def test_add_opens_a_modal_and_acks_fast_even_when_slack_is_slow(running_app, slack, db):
    slack.fake.fail("views.open", delay=3.5, apply=True)
    result, _ = running_app.command("add", user_id=slack.alice, channel_id=slack.channel)
    assert result.status == 200
    # The ack came back while views.open was still waiting on Slack: it did not wait for it.
    assert not running_app.runtime.listener_executor.wait_idle(0)
    assert running_app.runtime.listener_executor.wait_idle(15)
    (call,) = slack.fake.calls_to("views.open")
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "goal_add"


def test_goal_modal_validation_and_submission(running_app, slack, db):
    def submit(values):
        payload = {
            "type": "view_submission",
            "team": {"id": slack.team_id},
            "user": {"id": slack.alice, "team_id": slack.team_id},
            "api_app_id": "A0000000001",
            "view": {
                "id": "V0000000001",
                "type": "modal",
                "callback_id": "goal_add",
                "private_metadata": "",
                "state": {"values": values},
            },
        }
        return running_app.interaction(payload)

    empty = submit({"title": {"title": {"type": "plain_text_input", "value": "  "}}})
    assert empty.json() == {
        "response_action": "errors",
        "errors": {"title": "A goal needs a title."},
    }
    ok = submit(
        {
            "title": {"title": {"type": "plain_text_input", "value": "Ship the status page"}},
            "period": {
                "period": {"type": "static_select", "selected_option": {"value": "Q2 2025"}}
            },
            "category": {
                "category": {
                    "type": "static_select",
                    "selected_option": {"value": "Process Improvements"},
                }
            },
            "owners": {"owners": {"type": "multi_users_select", "selected_users": [slack.bob]}},
            "due": {"due": {"type": "datepicker", "selected_date": "2025-05-01"}},
        }
    )
    assert ok.status == 200 and ok.body in (b"", b"{}")
    assert running_app.runtime.listener_executor.wait_idle(15)
    added = db.scalar(select(Goal).where(Goal.title == "Ship the status page"))
    assert added is not None and [o.owner for o in added.owners] == [slack.bob]
    assert slack.fake.calls_to("chat.postMessage")


def test_app_home_dashboard(running_app, slack):
    running_app.event({"type": "app_home_opened", "user": slack.alice, "tab": "home"})
    assert running_app.runtime.listener_executor.wait_idle(15)
    view = slack.fake.home_view(slack.alice)
    text = json.dumps(view)
    assert "Q1 2025" in text and "Your goals" in text and "Needs attention" in text
    assert "Complete API Gateway Redesign" in text  # alice owns G1
    assert "Knowledge sharing: next Thu 6 Mar 15:00" in text  # the next ritual, with its date
    assert len(view["blocks"]) <= 100


def test_app_home_says_when_the_roadmap_has_run_out(running_app, slack, frozen_time):
    frozen_time.move_to("2026-11-28 10:00:00+00:00")  # the sample's last period ended in 2025
    running_app.event({"type": "app_home_opened", "user": slack.alice, "tab": "home"})
    assert running_app.runtime.listener_executor.wait_idle(15)
    text = json.dumps(slack.fake.home_view(slack.alice))
    assert "The roadmap ended on Wed 31 Dec 2025" in text and "Import the next roadmap" in text
    frozen_time.move_to("2024-12-02 10:00:00+00:00")  # before the first period
    running_app.event({"type": "app_home_opened", "user": slack.alice, "tab": "home"})
    assert running_app.runtime.listener_executor.wait_idle(15)
    text = json.dumps(slack.fake.home_view(slack.alice))
    assert "Q1 2025 starts on Wed 1 Jan 2025" in text and "ended" not in text


def test_list_pages_with_buttons(ask, running_app, slack, db):
    with db.begin():
        workspace_id = db.scalar(select(Workspace.id))
        period_id, category_id, roadmap_id = db.execute(
            select(Goal.period_id, Goal.category_id, Goal.roadmap_id).where(Goal.number == 1)
        ).one()
        for n in range(40):
            db.add(
                Goal(
                    workspace_id=workspace_id,
                    number=100 + n,
                    roadmap_id=roadmap_id,
                    period_id=period_id,
                    category_id=category_id,
                    title=f"Extra goal {n}",
                    normalized_title=f"extra goal {n}",
                )
            )
    outcome = ask("list")
    message = outcome.last
    assert len(message["blocks"]) <= 50
    assert "page 1 of 4" in outcome.text
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    (next_button,) = [b for b in buttons if b["text"]["text"].startswith("Next")]
    assert json.loads(next_button["value"])["page"] == 2
    assert db.scalar(select(func.count()).select_from(GoalOwner)) >= 4


def _submission(slack, user, callback_id, values, private_metadata=""):
    return {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "view": {
            "id": "V0000000003",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
        },
    }


def test_edit_opens_a_prefilled_modal_and_saves(running_app, slack, db):
    outcome = run_command(running_app, "edit G1", user_id=slack.alice, channel_id=slack.channel)
    assert outcome.status == 200
    (call,) = slack.fake.calls_to("views.open")
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "goal_edit" and view["private_metadata"] == "G1"
    assert "Complete API Gateway Redesign" in json.dumps(view["blocks"])
    values = {
        "title": {"title": {"type": "plain_text_input", "value": "Finish API Gateway Redesign"}},
        "period": {"period": {"type": "static_select", "selected_option": {"value": "Q2 2025"}}},
        "category": {
            "category": {
                "type": "static_select",
                "selected_option": {"value": "Technical Objectives"},
            }
        },
        "owners": {"owners": {"type": "multi_users_select", "selected_users": [slack.alice]}},
        "due": {"due": {"type": "datepicker", "selected_date": None}},
    }
    result = running_app.interaction(_submission(slack, slack.alice, "goal_edit", values, "G1"))
    assert result.status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    edited = goal(db, 1)
    assert edited.title == "Finish API Gateway Redesign"
    # Someone who does not own G2 cannot save it, even by crafting the submission.
    refused = running_app.interaction(_submission(slack, slack.carol, "goal_edit", values, "G2"))
    assert refused.json()["response_action"] == "errors"
    assert goal(db, 2).title == "Begin Database Migration to PostgreSQL"


def test_edit_by_a_non_owner_is_refused_before_the_modal(running_app, slack):
    outcome = run_command(running_app, "edit G2", user_id=slack.carol, channel_id=slack.channel)
    assert "Only its owners" in outcome.text
    assert not slack.fake.calls_to("views.open")


def test_metric_modal_validates_and_adds(running_app, slack, db):
    from models import Metric

    run_command(running_app, "metric add", user_id=slack.admin, channel_id=slack.channel)
    assert slack.fake.calls_to("views.open")

    def values(target):
        return {
            "metric_name": {"metric_name": {"type": "plain_text_input", "value": "Error rate"}},
            "metric_kind": {
                "metric_kind": {"type": "static_select", "selected_option": {"value": "technical"}}
            },
            "metric_comparator": {
                "metric_comparator": {"type": "static_select", "selected_option": {"value": "<"}}
            },
            "metric_target": {"metric_target": {"type": "plain_text_input", "value": target}},
            "metric_unit": {"metric_unit": {"type": "plain_text_input", "value": "%"}},
        }

    bad = running_app.interaction(_submission(slack, slack.admin, "metric_add", values("lots")))
    assert bad.json()["errors"]["metric_target"] == "Give a number, e.g. 85."
    ok = running_app.interaction(_submission(slack, slack.admin, "metric_add", values("0.5")))
    assert ok.status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    db.rollback()
    metric = db.scalar(select(Metric).where(Metric.key == "error-rate"))
    assert (metric.target, metric.comparator, metric.unit) == (0.5, "<", "%")
    refused = running_app.interaction(_submission(slack, slack.alice, "metric_add", values("1")))
    assert "Only roadmap admins" in refused.json()["errors"]["metric_name"]


def test_a_modal_shows_each_complaint_under_the_field_at_fault(running_app, slack):
    def goal_values(title, period):
        return {
            "title": {"title": {"type": "plain_text_input", "value": title}},
            "period": {"period": {"type": "static_select", "selected_option": {"value": period}}},
            "owners": {"owners": {"type": "multi_users_select", "selected_users": []}},
            "due": {"due": {"type": "datepicker", "selected_date": None}},
        }

    def submit(callback, values):
        return running_app.interaction(_submission(slack, slack.admin, callback, values)).json()

    # A crafted submission naming a period the roadmap does not have.
    wrong_period = submit("goal_add", goal_values("Ship it", "Q9 2031"))
    assert list(wrong_period["errors"]) == ["period"]
    assert "can't find the period 'Q9 2031'" in wrong_period["errors"]["period"]
    duplicate = submit("goal_add", goal_values("Complete API Gateway Redesign", "Q1 2025"))
    assert list(duplicate["errors"]) == ["title"] and "already has that title" in str(duplicate)
    half_target = {
        "metric_name": {"metric_name": {"type": "plain_text_input", "value": "Latency"}},
        "metric_kind": {
            "metric_kind": {"type": "static_select", "selected_option": {"value": "technical"}}
        },
        "metric_target": {"metric_target": {"type": "plain_text_input", "value": "200"}},
    }
    refused = submit("metric_add", half_target)
    assert list(refused["errors"]) == ["metric_target"]
