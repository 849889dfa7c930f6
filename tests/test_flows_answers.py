"""Check-in answers, goal buttons and the goal and metric forms, in-process (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.flows.checkin_answers import (
    CheckinButton,
    NoteButton,
    NoteSubmitted,
    ReactionAdded,
    ReactionRemoved,
    ThreadReply,
    checkin_button,
    note_button,
    reaction_added,
    reaction_removed,
    submit_note,
    thread_reply,
)
from bot.flows.goal_actions import EditGoal, ShowGoal, TurnPage, edit_goal, show_goal, turn_page
from bot.flows.goal_forms import GoalFormSubmitted, submit_goal_form
from bot.flows.metric_forms import MetricFormSubmitted, submit_metric_form
from bot.flows.outcome import Ephemeral, OpenView, PublishHome, Update
from bot.ids import Field
from models import (
    AuditEntry,
    Checkin,
    CheckinPrompt,
    Goal,
    Member,
    Metric,
    ProcessedEvent,
    Workspace,
)
from tests.flows import run

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)  # week 10 of 2025
ADMIN = {"is_admin": True, "real_name": "Dana Admin", "tz": "UTC"}


@pytest.fixture
def prompts(session_factory, slack, roadmap):
    """This week's prompts as `/roadmap checkin prompt` leaves them, one per goal and owner:
    {(goal number, user): (channel, ts)}."""
    owners = [(1, slack.alice), (2, slack.bob), (3, slack.alice), (3, slack.bob)]
    found = {}
    with session_factory() as session, session.begin():
        for n, (number, user) in enumerate(owners):
            goal_id = session.scalar(
                select(Goal.id).where(Goal.workspace_id == roadmap, Goal.number == number)
            )
            channel, ts = "D" + user[1:], f"1741168800.0000{n}1"
            session.add(
                CheckinPrompt(
                    workspace_id=roadmap,
                    goal_id=goal_id,
                    cycle="2025-W10",
                    recipient=user,
                    channel_id=channel,
                    message_ts=ts,
                    posted_at=NOW,
                )
            )
            found[(number, user)] = (channel, ts)
    return found


def answer(factory, slack, flow, request, user, **kwargs):
    return run(factory, flow, request, team_id=slack.team_id, user_id=user, now=NOW, **kwargs)


def checkins(factory) -> list[Checkin]:
    with factory() as session:
        return list(session.scalars(select(Checkin).order_by(Checkin.id)))


def goal_status(factory, number: int) -> str:
    with factory() as session:
        return session.scalar(select(Goal.status).where(Goal.number == number))


def react(factory, slack, prompt, user, name, event_id=None):
    channel, ts = prompt
    request = ReactionAdded(channel, ts, name, user)
    return answer(
        factory, slack, reaction_added, request, user,
        event_id=event_id, event_type="reaction_added",
    )  # fmt: skip


# --- reactions --------------------------------------------------------------------------------


def test_a_reaction_is_one_flow_call_and_one_commit(session_factory, slack, prompts, monkeypatch):
    from sqlalchemy import event

    from bot.services import checkins as service

    lookups = []
    event.listen(session_factory, "do_orm_execute", lambda state: lookups.append(state.statement))
    ref_lookups = []
    original = service.get_goal
    monkeypatch.setattr(
        service, "get_goal", lambda *a, **k: ref_lookups.append(a) or original(*a, **k)
    )
    result = react(session_factory, slack, prompts[(1, slack.alice)], slack.alice, "tada")
    assert result.commits == 1 and result.error is None
    assert ref_lookups == []  # the goal is the prompt's, by id: never looked up again by ref
    workspace_reads = [s for s in lookups if "FROM workspaces" in str(s)]
    assert len(workspace_reads) == 1
    (checkin,) = checkins(session_factory)
    assert (checkin.status, checkin.source, checkin.user_id) == ("done", "reaction", slack.alice)
    # What was recorded shows on the prompt; alice's Home is refreshed.
    (update,) = result.effects.of_type(Update)
    assert (update.channel, update.ts) == prompts[(1, slack.alice)]
    assert "Recorded: :white_check_mark: done" in str(update.message.to_dict())
    assert [p.user_id for p in result.effects.of_type(PublishHome)] == [slack.alice]


def test_a_retried_reaction_records_once(session_factory, slack, prompts):
    prompt = prompts[(1, slack.alice)]
    first = react(session_factory, slack, prompt, slack.alice, "large_yellow_circle", "Ev1")
    assert first.effects.of_type(Update)
    retry = react(session_factory, slack, prompt, slack.alice, "large_yellow_circle", "Ev1")
    assert retry.effects.effects == [] and retry.commits == 1
    assert len(checkins(session_factory)) == 1
    with session_factory() as session:
        audits = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "checkin")
        assert session.scalar(audits) == 1


def test_a_later_answer_is_kept_beside_the_earlier_one(session_factory, slack, prompts):
    prompt = prompts[(1, slack.alice)]
    react(session_factory, slack, prompt, slack.alice, "large_yellow_circle")
    react(session_factory, slack, prompt, slack.alice, "+1::skin-tone-3")
    assert [c.status for c in checkins(session_factory)] == ["at-risk", "on-track"]
    assert goal_status(session_factory, 1) == "on-track"  # the goal shows the latest


def test_removing_the_reaction_retracts_the_answer(session_factory, slack, prompts):
    channel, ts = prompts[(1, slack.alice)]
    react(session_factory, slack, (channel, ts), slack.alice, "red_circle")
    assert goal_status(session_factory, 1) == "off-track"
    request = ReactionRemoved(channel, ts, "red_circle", slack.alice)
    result = answer(
        session_factory, slack, reaction_removed, request, slack.alice,
        event_id="EvRemoved", event_type="reaction_removed",
    )  # fmt: skip
    assert result.effects.of_type(Update)
    (checkin,) = checkins(session_factory)
    assert checkin.retracted_at is not None  # kept, marked taken back, in the history
    assert goal_status(session_factory, 1) == "not-started"


def test_removing_someone_elses_reaction_changes_nothing(session_factory, slack, prompts):
    channel, ts = prompts[(3, slack.alice)]
    react(session_factory, slack, (channel, ts), slack.alice, "red_circle")
    request = ReactionRemoved(channel, ts, "red_circle", slack.bob)
    result = answer(session_factory, slack, reaction_removed, request, slack.bob)
    assert result.effects.effects == []
    assert goal_status(session_factory, 3) == "off-track"


def test_a_non_owner_reaction_is_refused_privately(session_factory, slack, prompts):
    channel, ts = prompts[(2, slack.bob)]
    result = react(session_factory, slack, (channel, ts), slack.carol, "tada", "EvCarol")
    assert checkins(session_factory) == []
    assert goal_status(session_factory, 2) == "not-started"
    (told,) = result.effects.of_type(Ephemeral)
    assert (told.channel, told.user) == (channel, slack.carol)
    assert "Only its owners" in told.message.text
    assert not result.effects.of_type(Update)


def test_reactions_on_other_messages_leave_no_trace(session_factory, slack, prompts):
    result = react(session_factory, slack, (slack.channel, "1.000"), slack.bob, "+1", "EvLunch")
    assert result.effects.effects == [] and checkins(session_factory) == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
        assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_a_reaction_on_another_message_asks_slack_nothing(session_factory, slack, prompts):
    asked = []
    request = ReactionAdded(slack.channel, "1.000", "+1", slack.bob)
    answer(
        session_factory,
        slack,
        reaction_added,
        request,
        slack.bob,
        users=_Recording(asked),
        event_id="EvLunch2",
        event_type="reaction_added",
    )
    assert asked == []  # who reacted only matters on a prompt: no users.info for a lunch emoji


class _Recording(dict):
    """A users.info stand-in that notes who was asked about."""

    def __init__(self, asked: list):
        super().__init__()
        self.asked = asked

    def get(self, user_id, default=None):
        self.asked.append(user_id)
        return default


def test_a_reaction_that_is_no_answer_records_nothing(session_factory, slack, prompts):
    result = react(session_factory, slack, prompts[(1, slack.alice)], slack.alice, "rocket")
    assert result.effects.effects == [] and checkins(session_factory) == []


def test_a_prompt_of_another_workspace_is_not_found(session_factory, slack, prompts):
    channel, ts = prompts[(1, slack.alice)]
    request = ReactionAdded(channel, ts, "tada", slack.alice)
    result = run(session_factory, reaction_added, request, team_id="T0OTHER", user_id=slack.alice)
    assert result.effects.effects == [] and checkins(session_factory) == []


def test_completion_counts_the_cycle(session_factory, slack, prompts):
    from bot.services.checkins import completion, cycle_of

    react(session_factory, slack, prompts[(1, slack.alice)], slack.alice, "+1")
    with session_factory() as session:
        workspace = session.scalar(select(Workspace))
        done = completion(
            session=session, workspace=workspace, cycle=cycle_of(workspace, NOW), now=NOW
        )
    # People, not goals: alice answered G1 but not G3, bob nothing yet.
    assert (done.checked_in, done.total) == (0, 2)
    assert done.missing_people == [slack.alice, slack.bob]
    assert (done.goals_answered, done.goals_total) == (1, 13)
    assert "G2" in [g.ref for g in done.missing]
    react(session_factory, slack, prompts[(3, slack.alice)], slack.alice, "+1")
    with session_factory() as session:
        workspace = session.scalar(select(Workspace))
        done = completion(session=session, workspace=workspace, cycle="2025-W10", now=NOW)
    assert (done.checked_in, done.total, done.missing_people) == (1, 2, [slack.bob])


# --- thread replies ---------------------------------------------------------------------------


def test_a_thread_reply_becomes_the_note_and_an_edit_updates_it(session_factory, slack, prompts):
    channel, ts = prompts[(1, slack.alice)]
    reply = ThreadReply(channel, ts, "1741168900.000100", slack.alice, "vendor is late")
    result = answer(session_factory, slack, thread_reply, reply, slack.alice, event_id="EvR1")
    assert result.commits == 1 and result.effects.of_type(Update)
    (checkin,) = checkins(session_factory)
    assert (checkin.note, checkin.source) == ("vendor is late", "thread")
    assert checkin.note_message_ts == "1741168900.000100"
    edited = ThreadReply(channel, ts, reply.message_ts, slack.alice, "new date 10 March")
    answer(session_factory, slack, thread_reply, edited, slack.alice, event_id="EvR2")
    (checkin,) = checkins(session_factory)
    assert checkin.note == "new date 10 March"


def test_history_shows_what_a_thread_reply_said_without_a_status(session_factory, slack, prompts):
    from bot.flows.checkins import history
    from bot.flows.commands import CommandCall, History

    channel, ts = prompts[(1, slack.alice)]
    reply = ThreadReply(channel, ts, "1741168900.000100", slack.alice, "vendor is late")
    answer(session_factory, slack, thread_reply, reply, slack.alice, event_id="EvR1")
    shown = answer(session_factory, slack, history, CommandCall(History("G1")), slack.alice)
    text = str(shown.outcome.reply.to_dict())
    assert "no status" not in text and "None" not in text
    assert f"*Week of 3 March* — <@{slack.alice}> in the thread" in text
    assert "> vendor is late" in text


def test_a_reply_elsewhere_writes_no_processed_event(session_factory, slack, prompts):
    reply = ThreadReply(slack.channel, "1.000", "2.000", slack.alice, "lunch?")
    result = answer(session_factory, slack, thread_reply, reply, slack.alice, event_id="EvLunch")
    assert result.effects.effects == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_a_non_owner_reply_is_refused_privately(session_factory, slack, prompts):
    channel, ts = prompts[(2, slack.bob)]
    reply = ThreadReply(channel, ts, "2.000", slack.carol, "not mine")
    result = answer(session_factory, slack, thread_reply, reply, slack.carol, event_id="EvC")
    (told,) = result.effects.of_type(Ephemeral)
    assert (told.channel, told.user) == (channel, slack.carol)
    assert checkins(session_factory) == []


# --- buttons and the note modal -----------------------------------------------------------------


def test_a_button_on_a_prompt_records_and_updates_the_prompt(session_factory, slack, prompts):
    channel, ts = prompts[(2, slack.bob)]
    request = CheckinButton("G2", "blocked", channel, ts)
    result = answer(session_factory, slack, checkin_button, request, slack.bob)
    (checkin,) = checkins(session_factory)
    assert (checkin.status, checkin.source) == ("blocked", "button")
    with session_factory() as session:
        prompt = session.scalar(select(CheckinPrompt).where(CheckinPrompt.message_ts == ts))
        assert checkin.prompt_id == prompt.id
    assert result.effects.replies == []  # the prompt itself shows the answer
    assert "blocked" in str([u.message.to_dict() for u in result.effects.of_type(Update)])


def test_a_button_elsewhere_is_confirmed_to_the_person(session_factory, slack, roadmap):
    request = CheckinButton("G1", "on-track", slack.channel, "1.000")
    result = answer(session_factory, slack, checkin_button, request, slack.alice)
    assert "Checked in *G1*" in result.text
    assert result.commits == 1


def test_a_button_of_another_goal_on_a_prompt_is_not_that_prompts(session_factory, slack, prompts):
    channel, ts = prompts[(3, slack.alice)]
    request = CheckinButton("G1", "on-track", channel, ts)
    answer(session_factory, slack, checkin_button, request, slack.alice)
    (checkin,) = checkins(session_factory)
    assert checkin.prompt_id is None


def test_a_refused_button_says_why(session_factory, slack, roadmap):
    request = CheckinButton("G2", "on-track")
    result = answer(session_factory, slack, checkin_button, request, slack.carol)
    assert "Only its owners" in result.text and checkins(session_factory) == []


def test_the_note_button_opens_the_modal_for_an_owner_only(session_factory, slack, prompts):
    channel, ts = prompts[(2, slack.bob)]
    request = NoteButton("G2", "T-1", channel, ts)
    result = answer(session_factory, slack, note_button, request, slack.bob)
    (opened,) = result.effects.of_type(OpenView)
    assert opened.trigger_id == "T-1" and '"ref": "G2"' in opened.view.private_metadata
    refused = answer(session_factory, slack, note_button, request, slack.carol)
    assert refused.effects.effects == [] and refused.effects.replies == []


def note(ref="G2", prompt_id=None, status="on-track", progress="40", text="unblocked"):
    return NoteSubmitted(ref, prompt_id, status, progress, text)


def test_the_note_modal_answers_after_the_button(session_factory, slack, prompts):
    channel, ts = prompts[(2, slack.bob)]
    answer(
        session_factory,
        slack,
        checkin_button,
        CheckinButton("G2", "blocked", channel, ts),
        slack.bob,
    )
    with session_factory() as session:
        prompt_id = session.scalar(select(CheckinPrompt.id).where(CheckinPrompt.message_ts == ts))
    result = answer(session_factory, slack, submit_note, note(prompt_id=prompt_id), slack.bob)
    assert result.commits == 1 and result.effects.of_type(Update)
    button, checkin = checkins(session_factory)
    assert (button.status, button.note) == ("blocked", None)
    assert (checkin.status, checkin.progress, checkin.note, checkin.source) == (
        "on-track", 40, "unblocked", "modal",
    )  # fmt: skip


@pytest.mark.parametrize("progress", ["abc", "101", "-5"])
def test_the_note_modal_keeps_a_bad_progress_on_its_field(
    session_factory, slack, prompts, progress
):
    result = answer(session_factory, slack, submit_note, note(progress=progress), slack.bob)
    assert result.outcome.errors == {Field.PROGRESS: "A whole number from 0 to 100."}
    assert checkins(session_factory) == []


def test_the_note_modal_ignores_a_prompt_of_another_workspace(session_factory, slack, prompts):
    with session_factory() as session, session.begin():
        other = Workspace(team_id="T0OTHER")
        session.add(other)
        session.flush()
        goal_id = session.scalar(select(Goal.id).where(Goal.number == 2))
        foreign = CheckinPrompt(
            workspace_id=other.id, goal_id=goal_id, cycle="2024-W01", recipient=slack.bob
        )
        session.add(foreign)
        session.flush()
        foreign_id = foreign.id
    answer(session_factory, slack, submit_note, note(prompt_id=foreign_id), slack.bob)
    (checkin,) = checkins(session_factory)
    assert checkin.prompt_id is None and checkin.cycle == "2025-W10"


# --- goal buttons -----------------------------------------------------------------------------


def test_a_page_button_replaces_the_list(session_factory, slack, roadmap):
    result = answer(session_factory, slack, turn_page, TurnPage(page=2), slack.alice)
    assert result.outcome.replace_original is True
    assert "Q1 2025" in str(result.effects.replies[0].to_dict())


def test_show_gives_the_card_with_edit_for_those_who_may(session_factory, slack, roadmap):
    mine = answer(session_factory, slack, show_goal, ShowGoal("G1"), slack.alice)
    theirs = answer(session_factory, slack, show_goal, ShowGoal("G1"), slack.carol)
    assert "goal_edit" in str(mine.effects.replies[0].to_dict())
    assert "goal_edit" not in str(theirs.effects.replies[0].to_dict())
    missing = answer(session_factory, slack, show_goal, ShowGoal("G999"), slack.alice)
    assert "There is no goal G999" in missing.text


def test_edit_opens_the_goal_form_or_says_why_not(session_factory, slack, roadmap):
    result = answer(session_factory, slack, edit_goal, EditGoal("G1", "T-2"), slack.alice)
    (opened,) = result.effects.of_type(OpenView)
    assert opened.view.callback_id == "goal_edit" and opened.view.private_metadata == "G1"
    refused = answer(session_factory, slack, edit_goal, EditGoal("G1", "T-3"), slack.carol)
    assert "Only its owners" in refused.text and not refused.effects.of_type(OpenView)


# --- the goal and metric forms ------------------------------------------------------------------


def goal_form(ref=None, title="Ship the new billing page", period=None, owners=(), due=None):
    return GoalFormSubmitted(ref, title, period, None, tuple(owners), due)


def test_the_goal_form_adds_a_goal_and_tells_the_owners_homes(session_factory, slack, roadmap):
    request = goal_form(owners=[slack.bob], due="2025-03-20")
    result = answer(session_factory, slack, submit_goal_form, request, slack.alice)
    assert result.commits == 1
    assert "added to Q1 2025" in result.text
    assert [p.user_id for p in result.effects.of_type(PublishHome)] == sorted(
        [slack.alice, slack.bob]
    )
    with session_factory() as session:
        goal = session.scalar(select(Goal).where(Goal.title == "Ship the new billing page"))
        assert [o.owner for o in goal.owners] == [slack.bob] and str(goal.due_date) == "2025-03-20"


def test_the_goal_form_saves_an_edit(session_factory, slack, roadmap):
    request = goal_form(ref="G1", title="Gateway, redesigned", owners=[slack.alice])
    result = answer(session_factory, slack, submit_goal_form, request, slack.alice)
    assert "saved." in result.text
    with session_factory() as session:
        assert session.scalar(select(Goal.title).where(Goal.number == 1)) == "Gateway, redesigned"


def test_the_goal_form_needs_a_title(session_factory, slack, roadmap):
    result = answer(session_factory, slack, submit_goal_form, goal_form(title="  "), slack.alice)
    assert result.outcome.errors == {Field.TITLE: "A goal needs a title."}


def test_the_goal_forms_complaints_name_their_field(session_factory, slack, roadmap):
    from bot.flows.goal_forms import GOAL_FIELDS

    result = answer(
        session_factory, slack, submit_goal_form, goal_form(period="Q9 2031"), slack.alice
    )
    assert result.error is not None and GOAL_FIELDS[result.error.field] == Field.PERIOD
    assert result.commits == 0


def test_the_metric_form_adds_a_metric(session_factory, slack, roadmap):
    request = MetricFormSubmitted("Error budget", "technical", "99,9%", ">=", " % ")
    result = answer(
        session_factory, slack, submit_metric_form, request, slack.admin, users={slack.admin: ADMIN}
    )
    assert result.text == ":bar_chart: Metric *Error budget* added."
    with session_factory() as session:
        metric = session.scalar(select(Metric).where(Metric.name == "Error budget"))
        assert (metric.target, metric.unit) == (99.9, "%")


def test_the_metric_form_keeps_a_bad_target_on_its_field(session_factory, slack, roadmap):
    request = MetricFormSubmitted("Uptime", "technical", "lots", None, "")
    result = answer(
        session_factory, slack, submit_metric_form, request, slack.admin, users={slack.admin: ADMIN}
    )
    assert result.outcome.errors == {Field.METRIC_TARGET: "Give a number, e.g. 85."}


def test_only_admins_add_metrics(session_factory, slack, roadmap):
    request = MetricFormSubmitted("Uptime", "technical", "", None, "")
    result = answer(session_factory, slack, submit_metric_form, request, slack.carol)
    assert "Only roadmap admins" in result.text and result.commits == 0
