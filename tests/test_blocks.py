"""Block Kit builders as plain data: dicts in Slack's shapes, within Slack's limits, with
people's text escaped once."""

from __future__ import annotations

import json
from datetime import date

import pytest
from slack_sdk.models.blocks import DividerBlock

from bot.blocks.goals import goal_card, goal_changed, goal_page
from bot.blocks.message import MAX_MESSAGE_BLOCKS, Message, section
from bot.blocks.replies import apology, problem, too_slow
from bot.ids import Action
from bot.services.goals import GoalPage, GoalView


def goal(ref="G1", title="Ship the gateway", **changes) -> GoalView:
    fields = dict(
        ref=ref,
        title=title,
        period="Q1 2025",
        category="Technical Objectives",
        status="on-track",
        progress=40,
        owners=("U0ALICE001",),
        due=date(2025, 3, 31),
        archived=False,
    )
    return GoalView(**{**fields, **changes})


def texts(message: Message) -> str:
    return json.dumps(message.to_dict(), ensure_ascii=False)


def test_a_goal_page_lists_goals_with_show_buttons_and_pages():
    page = GoalPage(
        title="Q1 2025 · Technical Objectives",
        goals=[goal("G1"), goal("G2", title="Second")],
        page=2,
        pages=3,
        total=26,
        filters={"period": "q1"},
    )
    body = goal_page(page).to_dict()
    assert body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Q1 2025 · Technical Objectives", "emoji": True},
    }
    shows = [b["accessory"] for b in body["blocks"] if b.get("accessory")]
    assert [(s["action_id"], s["value"]) for s in shows] == [
        (f"{Action.GOAL_SHOW}:G1", "G1"),
        (f"{Action.GOAL_SHOW}:G2", "G2"),
    ]
    (pager,) = [b for b in body["blocks"] if b["type"] == "actions"]
    values = [json.loads(e["value"]) for e in pager["elements"]]
    assert values == [{"period": "q1", "page": 1}, {"period": "q1", "page": 3}]
    assert "page 2 of 3" in json.dumps(body)
    assert body["text"].startswith("Q1 2025 · Technical Objectives: G1 Ship the gateway")


def test_an_empty_page_says_so_without_buttons():
    body = goal_page(GoalPage("Q4 2026", [], 1, 1, 0, {})).to_dict()
    assert [b["type"] for b in body["blocks"]] == ["header", "section"]
    assert "No goals match." in body["text"] or "no goals match" in body["text"]


def test_titles_are_escaped_once_and_ping_nobody():
    message = goal_changed(goal(title="<!channel> R&D <sign-off>"), "saved.")
    body = texts(message)
    assert "&lt;!channel&gt; R&amp;D &lt;sign-off&gt;" in body
    assert "<!channel>" not in body and "&amp;amp;" not in body


def test_a_goal_card_offers_check_in_and_edit_only_to_those_who_may_change_it():
    changeable = goal_card(goal(target="uptime ≥ 99.9%"), can_change=True).to_dict()
    actions = [b for b in changeable["blocks"] if b["type"] == "actions"]
    assert actions and actions[0]["block_id"] == "checkin:G1"
    ids = [e["action_id"] for e in actions[0]["elements"]]
    assert f"{Action.GOAL_CHECKIN}:on-track" in ids and Action.GOAL_EDIT in ids
    assert "uptime ≥ 99.9%" in json.dumps(changeable, ensure_ascii=False)
    read_only = goal_card(goal(), can_change=False).to_dict()
    assert not [b for b in read_only["blocks"] if b["type"] == "actions"]
    archived = goal_card(goal(archived=True), can_change=True)
    assert "archived" in texts(archived) and not any(
        isinstance(b, DividerBlock) for b in archived.blocks
    )


def test_owners_show_as_mentions_and_handles_as_text():
    body = texts(goal_card(goal(owners=("U0ALICE001", "@bob"))))
    assert "<@U0ALICE001>" in body and "@bob" in body and "<@@bob>" not in body


def test_a_problem_neutralises_mass_mentions_but_keeps_people():
    body = problem("<!here> and <@U0ALICE001> asked for <https://x.test|a link>").to_dict()
    shown = body["blocks"][0]["text"]["text"]
    assert "&lt;!here&gt;" in shown and "<@U0ALICE001>" in shown
    assert "&lt;https://x.test|a link&gt;" in shown
    assert problem("x", usage="/roadmap list").to_dict()["blocks"][1]["type"] == "context"


def test_apologies_carry_the_error_id_and_too_slow_says_what_to_do():
    assert "`abc12345`" in apology("abc12345").text
    assert "run the command again" in too_slow().text


def test_a_message_holds_at_most_fifty_blocks():
    Message(text="ok", blocks=[section("x")] * MAX_MESSAGE_BLOCKS).to_dict()
    with pytest.raises(ValueError):
        Message(text="too many", blocks=[section("x")] * (MAX_MESSAGE_BLOCKS + 1))


def test_section_text_is_cut_to_slacks_limit():
    block = section("x" * 5000).to_dict()
    assert len(block["text"]["text"]) <= 3000
