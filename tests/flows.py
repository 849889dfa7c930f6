"""Run flows in-process: a real database session, a recording effects sink, no HTTP, no Slack.

    result = run(session_factory, open_home, OpenHome("U1"), team_id="T1", user_id="U1")
    assert result.effects.of_type(PublishHome)
    assert result.commits == 1

The unit of work is the listener's (bot.flows.runner.run_flow): one transaction, committed
once when the flow returns, rolled back (and the complaint recorded as the reply) on a
ServiceError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.effects import RecordingEffects
from bot.flows.outcome import Outcome
from bot.flows.runner import Invocation, Origin, run_flow
from bot.services.errors import ServiceError
from bot.services.people import PeopleReads
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


def people_reads(members: list[dict]) -> PeopleReads:
    """users.list and users.lookupByEmail answered from a list of user dicts."""

    def by_email(email: str) -> dict | None:
        wanted = email.casefold()
        return next(
            (m for m in members if (m.get("profile") or {}).get("email", "").casefold() == wanted),
            None,
        )

    return PeopleReads(lambda: list(members), by_email)


def run(
    factory: sessionmaker[Session],
    flow: Callable,
    request,
    *,
    team_id: str,
    user_id: str,
    now: datetime | None = None,
    users: dict[str, dict] | None = None,
    members: list[dict] | None = None,
    channel_id: str | None = None,
    event_id: str | None = None,
    event_type: str = "",
    channels: dict[str, str] | None = None,
    reads=None,
) -> FlowRun:
    """Run `flow(request, ctx)` as a listener would (bot.flows.runner.run_flow: one commit,
    or a rollback with the complaint as the reply); `users` answers users.info by id,
    `members` (else `users`) users.list and users.lookupByEmail, `channels` a typed channel
    name (without "#") with its id, and `reads` stands in for bot.slack_reads.SlackReads."""
    commits = 0
    error: ServiceError | None = None

    def capturing(request, ctx):
        nonlocal error
        try:
            return flow(request, ctx)
        except ServiceError as failure:
            error = failure
            raise

    with factory() as session:

        def counted(_session) -> None:
            nonlocal commits
            commits += 1

        event.listen(session, "after_commit", counted)
        outcome = run_flow(
            session,
            Invocation(capturing, request, user_id),
            Origin(team_id, channel_id=channel_id, event_id=event_id, event_type=event_type),
            lookup_user=users.get if users is not None else None,
            people=people_reads(members if members is not None else list((users or {}).values())),
            lookup_channel=(channels or {}).get,
            now=now or utcnow(),
            reads=reads,
        )
    recorder = RecordingEffects()
    recorder.perform(outcome)
    return FlowRun(outcome, recorder, commits, error)
