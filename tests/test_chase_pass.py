"""The clock's hourly pass for check-in reminders (bot.scheduling.chases) over several
installed workspaces: each workspace's unanswered rounds get one reminder, the workspaces are
reminded side by side rather than one after another, a failing workspace keeps no other from
its reminders, and a stopping clock starts none."""

from __future__ import annotations

import threading

import pytest

from bot.scheduling.chases import send_due_chases
from bot.scheduling.pacing import Pacer
from bot.services.roadmap_import import import_roadmap
from models import Workspace, utcnow
from tests.harness import run_command
from tests.test_oauth import oauth_app, oauth_settings, teams  # noqa: F401 (fixtures)

ROADMAP = b"# Plan\n## Q1 2025\n### Platform\n- Ship the gateway\n- Cut the p95\n"
ASKED_AT = "2025-03-10 08:00:00+00:00"  # a Monday in the running quarter
LATE = "2025-03-11 09:00:00+00:00"  # 25 hours later: past the default 24-hour deadline


@pytest.fixture
def asked(oauth_app, teams, frozen_time):  # noqa: F811
    """Both teams installed, each with a roadmap whose G1 the team's member owns, and the
    member asked for a check-in they have not answered."""
    frozen_time.move_to(ASKED_AT)
    oauth_app.runtime.pacer = no_pacing()  # tests never sleep for Slack's pacing
    for team in teams:
        _page, status = oauth_app.install(team)
        assert status == 200
        with oauth_app.runtime.session_factory() as session, session.begin():
            workspace = Workspace.by_team(session, team.id)
            import_roadmap(session=session, workspace_id=workspace.id, text=ROADMAP)
        driver = oauth_app.driver(team)
        owner = f"assign G1 <@{team.member}>"
        assert (
            "G1" in run_command(driver, owner, user_id=team.installer, channel_id=team.channel).text
        )
        prompted = run_command(
            driver, "checkin prompt", user_id=team.installer, channel_id=team.channel
        )
        assert "1 person asked" in prompted.text
    frozen_time.move_to(LATE)
    return oauth_app, teams


def reminders(fake, team) -> list:
    return [
        call
        for call in fake.calls_to("chat.postMessage")
        if call.team_id == team.id and "gentle reminder" in call.params.get("text", "")
    ]


def no_pacing() -> Pacer:
    return Pacer(per_channel=0.0, per_workspace=0.0)


def test_each_workspace_is_reminded_once_and_side_by_side(asked, fake_slack):
    app, both = asked
    runtime = app.runtime
    # Each workspace's reminder waits at the barrier until the other's has started: reminded
    # one after another, the first would wait alone and break it.
    both_started = threading.Barrier(2, timeout=10)

    def client_for(workspace):
        client = runtime.client_for(workspace, wait_on_rate_limit=False)
        call_slack = client.api_call

        def api_call(method, **kwargs):
            if method == "chat.postMessage":
                both_started.wait()
            return call_slack(method, **kwargs)

        client.api_call = api_call
        return client

    sent = send_due_chases(
        factory=runtime.session_factory, client_for=client_for, now=utcnow(), pacer=no_pacing()
    )
    assert not both_started.broken
    assert sent == 2
    for team in both:
        (reminder,) = reminders(fake_slack, team)
        assert "*G1*" in reminder.params["text"] and "*G2*" not in reminder.params["text"]
    again = send_due_chases(
        factory=runtime.session_factory,
        client_for=lambda w: runtime.client_for(w, wait_on_rate_limit=False),
        now=utcnow(),
        pacer=no_pacing(),
    )
    assert again == 0  # each round is reminded once
    assert [len(reminders(fake_slack, team)) for team in both] == [1, 1]


def test_a_failing_workspace_keeps_no_other_from_its_reminders(asked, fake_slack, caplog):
    app, (acme, globex) = asked
    runtime = app.runtime

    def client_for(workspace):
        if workspace.team_id == acme.id:
            raise_on_post = runtime.client_for(workspace, wait_on_rate_limit=False)

            def broken(method, **kwargs):
                raise RuntimeError("the network went away")

            raise_on_post.api_call = broken
            return raise_on_post
        return runtime.client_for(workspace, wait_on_rate_limit=False)

    sent = send_due_chases(
        factory=runtime.session_factory, client_for=client_for, now=utcnow(), pacer=no_pacing()
    )
    assert sent == 1
    assert not reminders(fake_slack, acme) and len(reminders(fake_slack, globex)) == 1
    assert f"check-in reminders failed in {acme.id}" in caplog.text


def test_a_stopping_clock_starts_no_reminders_and_the_next_pass_sends_them(asked, fake_slack):
    app, both = asked
    runtime = app.runtime
    stopping = threading.Event()
    stopping.set()

    def client_for(workspace):
        return runtime.client_for(workspace, wait_on_rate_limit=False)

    sent = send_due_chases(
        factory=runtime.session_factory,
        client_for=client_for,
        now=utcnow(),
        pacer=no_pacing(),
        stopping=stopping,
    )
    assert sent == 0 and not any(reminders(fake_slack, team) for team in both)
    sent = send_due_chases(
        factory=runtime.session_factory, client_for=client_for, now=utcnow(), pacer=no_pacing()
    )
    assert sent == 2


def test_no_reminders_once_the_roadmap_has_ended(asked, fake_slack, frozen_time):
    app, both = asked
    runtime = app.runtime
    frozen_time.move_to("2025-04-02 09:00:00+00:00")  # Q1 2025, the only period, is over
    sent = send_due_chases(
        factory=runtime.session_factory,
        client_for=lambda w: runtime.client_for(w, wait_on_rate_limit=False),
        now=utcnow(),
        pacer=no_pacing(),
    )
    assert sent == 0 and not any(reminders(fake_slack, team) for team in both)
