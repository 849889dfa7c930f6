"""Run flows in-process: a real database session, a recording effects sink, no HTTP, no Slack.

    result = run(session_factory, open_home, OpenHome("U1"), team_id="T1", user_id="U1")
    assert result.effects.of_type(PublishHome)
    assert result.commits == 1

The unit of work is the listener's: one transaction, committed once when the flow returns,
rolled back (and the complaint recorded as the reply) on a ServiceError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.replies import problem
from bot.effects import RecordingEffects
from bot.flows.context import open_context
from bot.flows.outcome import Outcome
from bot.services.errors import ServiceError
from models import utcnow


@dataclass
class FlowRun:
    outcome: Outcome
    effects: RecordingEffects
    commits: int
    error: ServiceError | None = None

    @property
    def text(self) -> str:
        return self.effects.text


def run(
    factory: sessionmaker[Session],
    flow: Callable,
    request,
    *,
    team_id: str,
    user_id: str,
    now: datetime | None = None,
    users: dict[str, dict] | None = None,
    channel_id: str | None = None,
    event_id: str | None = None,
    event_type: str = "",
) -> FlowRun:
    """Run `flow(request, ctx)` as a listener would; `users` answers users.info by id."""
    commits = 0
    with factory() as session:

        def counted(_session) -> None:
            nonlocal commits
            commits += 1

        event.listen(session, "after_commit", counted)
        error = None
        try:
            ctx = open_context(
                session=session,
                team_id=team_id,
                enterprise_id=None,
                user_id=user_id,
                now=now or utcnow(),
                lookup_user=(users or {}).get,
                channel_id=channel_id,
                event_id=event_id,
                event_type=event_type,
            )
            outcome = flow(request, ctx)
            session.commit()
        except ServiceError as failure:
            session.rollback()
            error = failure
            outcome = Outcome(reply=problem(str(failure)))
    recorder = RecordingEffects()
    recorder.perform(outcome)
    return FlowRun(outcome, recorder, commits, error)
