"""The check-in's optional innovation question (issue 20, team metrics): after a cycle's
prompts, one small DM per person with buttons 0–50%, once a cycle, only when the roadmap has
an innovation metric. Called from bot.kinds.checkin_prompt (one marked line)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.team import innovation_question
from bot.scheduling.dispatch import Call, Job
from bot.services.innovation import people_to_ask
from models import Workspace

log = logging.getLogger(__name__)


def innovation_calls(
    factory: sessionmaker[Session], client: WebClient, workspace_id: int, cycle: str, prompted
) -> Job:
    """Ask each person once this cycle; returns how many were asked."""
    with factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        people = people_to_ask(session, workspace, cycle, list(prompted))
    message = innovation_question(cycle)
    asked = 0
    for person in people:
        try:
            yield Call(
                person,
                team_id,
                lambda to=person: client.chat_postMessage(channel=to, **message.to_dict()),
            )
            asked += 1
        except SlackApiError as error:
            log.warning("innovation question failed: %s", error.response.get("error"))
    return asked
