"""The pulse survey: each person on the team roster gets the question in a DM at the schedule's
time (default the first Monday of the month at 11:00) in their own time zone, answered
anonymously with buttons 1–5 (bot.services.pulse). The round opens with the first person
asked and closes 3 days after the last one was, or once everyone answered: either way by the
next daily team-metrics refresh, which publishes the result at a fixed time (never on the
last person's click, which would point at them). The clock asks people as
their local time comes, and reminds each once a day after their DM at that same local hour;
the schedule's own occurrence (in the workspace's zone) runs the same pass."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks import team as blocks
from bot.blocks.message import Message
from bot.kinds.base import Kind, LocalPass, Previewing, Sending, Sent
from bot.scheduling.dispatch import Call, Job
from bot.services import pulse, pulse_asking
from bot.services.team import roster_ids
from bot.wording import plural
from models import ScheduleKind, Workspace

log = logging.getLogger(__name__)


@dataclass
class PulseRun:
    asked: int = 0
    already: int = 0  # asked earlier, at their own local time
    waiting: int = 0  # roster members whose local time has not come yet
    failed: int = 0

    def summary(self) -> str:
        note = f"Pulse survey: {plural(self.asked, 'person', 'people')} asked now"
        if self.already:
            note += f", {self.already} earlier"
        if self.waiting:
            note += f", {self.waiting} later"
        if self.already or self.waiting:
            note += " (each at the survey's time in their own zone)"
        if self.failed:
            note += f", {self.failed} could not be reached"
        return note + "."


def ask_due(factory, client, workspace_id: int, team_id: str, now) -> Job:
    """DM each roster member whose local time has come (claimed one by one before the post,
    so nobody is asked twice). Returns a PulseRun."""
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        plan = pulse_asking.due_asks(session=session, workspace=workspace, now=now)
    run = PulseRun(already=len(plan.already), waiting=len(plan.waiting))
    for ask in plan.asks:
        with factory() as session, session.begin():
            workspace = session.get(Workspace, workspace_id)
            claimed = pulse_asking.claim_ask(session=session, workspace=workspace, ask=ask, now=now)
            if claimed is not None:
                round_id, message = claimed.id, blocks.pulse_question(claimed.id, claimed.question)
        if claimed is None:
            run.already += 1
            continue
        try:
            yield Call(
                ask.person,
                team_id,
                lambda to=ask.person, m=message: client.chat_postMessage(channel=to, **m.to_dict()),
            )
            run.asked += 1
        except TimeoutError:  # Slack may have posted it: keep the claim (never twice)
            run.failed += 1
            log.warning("a pulse question timed out")
        except (SlackApiError, OSError) as error:
            run.failed += 1
            log.warning("a pulse question could not be posted: %s", error)
            with factory() as session, session.begin():
                pulse_asking.release_ask(session, round_id, ask.person)  # the next tick tries again
    return run


def send(sending: Sending) -> Job:
    """The scheduled occurrence: whoever's local time has come (the others are asked by the
    clock's pass at theirs)."""
    run = yield from ask_due(
        sending.factory, sending.client, sending.workspace_id, sending.team_id, sending.now
    )
    return Sent(note=run.summary())


def ask_at_local_time(local: LocalPass) -> Job:
    """The clock's pass: ask whoever's local time has come, and remind (once) whoever was asked
    a day ago and has not answered, so the reminder too comes at the survey's hour in their
    own zone (not at the daily refresh's, which is the middle of the night somewhere)."""
    yield from remind_due(local)
    with local.factory() as session:
        workspace = session.get(Workspace, local.workspace_id)
        if not pulse_asking.due_asks(session=session, workspace=workspace, now=local.now).asks:
            return 0
    run = yield from ask_due(
        local.factory, local.client, local.workspace_id, local.team_id, local.now
    )
    if run.asked or run.failed:
        log.info("pulse in %s: %s", local.team_id, run.summary())
    return run.asked


def remind_due(local: LocalPass) -> Job:
    """Each reminder is claimed (committed) before it is posted: never sent twice; one Slack
    refused is not retried (a reminder is a nicety, not the question)."""
    with local.factory() as session, session.begin():
        workspace = session.get(Workspace, local.workspace_id)
        due = pulse_asking.due_reminders(session=session, workspace=workspace, now=local.now)
        messages = [
            (r.chase.person, blocks.pulse_chase(r.chase.round_id, r.chase.question, r.closes))
            for r in due
        ]
    for person, message in messages:
        try:
            yield Call(
                person,
                local.team_id,
                lambda to=person, m=message: local.client.chat_postMessage(
                    channel=to, **m.to_dict()
                ),
            )
        except (SlackApiError, OSError, TimeoutError) as error:
            log.warning("a pulse reminder could not be posted: %s", error)
    if messages:
        log.info("pulse in %s: %s", local.team_id, plural(len(messages), "reminder"))


def preview(previewing: Previewing) -> Message:
    p = previewing
    question = (p.schedule.text or "").strip() or pulse.DEFAULT_QUESTION
    people = len(roster_ids(p.session, p.workspace.id))
    message = blocks.pulse_question(0, question)
    return Message(
        text=message.text,
        blocks=[
            message.blocks[0],
            blocks.context(
                f"Sent as a DM to each of the {plural(people, 'person', 'people')} on the team "
                "roster at the schedule's time in their own time zone, with buttons 1–5 and "
                "an optional anonymous comment."
            ),
        ],
    )


KIND = Kind(
    name=ScheduleKind.PULSE,
    label="Pulse survey",
    home_label="Pulse survey",
    send=send,
    preview=preview,
    missed_after=timedelta(hours=24),
    needs_channel=False,
    shows_text=True,
    asks_at_local_time=ask_at_local_time,
    local_work_due=pulse.workspaces_with_chases_due,
)
