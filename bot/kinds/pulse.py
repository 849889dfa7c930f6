"""The pulse survey: on each occurrence (default the first Monday of the month at 11:00, added
when the roadmap has a satisfaction metric) a round opens and every person on the team roster
gets the question in a DM, answered anonymously with buttons 1–5 (bot.services.pulse). The
round closes after 3 days (by the daily team-metrics refresh) or when everyone answered."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks import team as blocks
from bot.blocks.message import Message
from bot.kinds.base import Kind, Previewing, Sending, Sent
from bot.scheduling.dispatch import Call, Job
from bot.services import pulse
from bot.services.team import roster_ids
from models import Delivery, Schedule, ScheduleKind, Workspace

log = logging.getLogger(__name__)


def send(sending: Sending) -> Job:
    with sending.factory() as session, session.begin():
        schedule = session.get(Schedule, sending.schedule_id)
        workspace = session.get(Workspace, sending.workspace_id)
        delivery = session.get(Delivery, sending.delivery_id)
        opened = pulse.open_round(
            session=session,
            workspace=workspace,
            schedule=schedule,
            occurrence_key=delivery.occurrence_key,
            now=sending.now,
        )
    message = blocks.pulse_question(opened.round_id, opened.question)
    client, asked, failed = sending.client, 0, 0
    for user_id in opened.recipients:
        try:
            yield Call(
                user_id,
                sending.team_id,
                lambda to=user_id: client.chat_postMessage(channel=to, **message.to_dict()),
            )
            asked += 1
        except (SlackApiError, TimeoutError, OSError) as error:
            failed += 1
            log.warning("pulse question to a roster member failed: %s", error)
    note = f"Pulse round {opened.round_id}: {asked} people asked"
    if failed:
        note += f", {failed} could not be reached"
    return Sent(note=note + ".")


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
                f"Sent as a DM to each of the {people} people on the team roster, with "
                "buttons 1–5 and an optional anonymous comment."
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
)
