"""Check-in prompts: each owner is asked about each goal once a cycle (in a DM or the roadmap
channel); unanswered prompts get one reminder in their thread; the admins hear of goals with
no owner. Every post is a paced Call, like the digests'."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.checkins import (
    PROMPT_REACTIONS,
    chase_message,
    prompt_message,
    unowned_goals_message,
)
from bot.kinds.base import Kind, Sending, Sent
from bot.kinds.innovation_question import innovation_calls  # team metrics (issue 20)
from bot.kinds.posting import NotInChannel, post_message
from bot.scheduling.dispatch import Call, Job, run_calls
from bot.scheduling.pacing import Pacer
from bot.services.checkin_prompts import claim_chase, due_chases, plan_prompts, reserve_prompt
from bot.services.checkins import first_time
from bot.services.goals import goal_view
from models import CheckinPrompt, Goal, GoalOwner, Member, ScheduleKind, Workspace

log = logging.getLogger(__name__)


@dataclass
class PromptRun:
    cycle: str = ""
    posted: int = 0
    already: int = 0
    failed: list[str] = field(default_factory=list)
    unowned: int = 0
    skipped_away: list[str] = field(default_factory=list)
    admins_told: int = 0

    def summary(self) -> str:
        text = f"Check-in {self.cycle}: {self.posted} prompts posted"
        if self.already:
            text += f", {self.already} already posted this cycle"
        if self.skipped_away:
            text += f", {len(self.skipped_away)} people away"
        if self.unowned and self.admins_told:
            text += f", {self.unowned} goals without owner listed to the admins"
        elif self.unowned:
            text += f", {self.unowned} goals have no owner (no admin known to tell)"
        if self.failed:
            text += f", {len(self.failed)} failed ({'; '.join(self.failed[:3])})"
        return text + "."


def prompt_calls(
    *, factory: sessionmaker[Session], client: WebClient, workspace_id: int, now: datetime
) -> Job:
    """Post each owner's prompt once per cycle; safe to run again (and concurrently).
    Returns a PromptRun."""
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        plan = plan_prompts(session=session, workspace=workspace, now=now)
    run = PromptRun(cycle=plan.cycle, skipped_away=plan.skipped_away, unowned=len(plan.unowned))
    for target in plan.targets:
        with factory() as session, session.begin():
            workspace = session.get(Workspace, workspace_id)
            prompt = reserve_prompt(session, workspace, target, plan.cycle, now)
            prompt_id = prompt.id if prompt else None
        if prompt_id is None:
            run.already += 1
            continue
        message = prompt_message(target.goal, plan.cycle)
        try:
            posted = yield Call(
                target.recipient,
                team_id,
                lambda to=target.recipient, m=message: post_message(
                    client, channel=to, **m.to_dict()
                ),
            )
        except TimeoutError:
            # Slack may have posted it: keep the claim (never twice) and say so.
            log.warning("prompt for %s to %s timed out", target.goal.ref, target.recipient)
            run.failed.append(f"{target.goal.ref}: timed out")
            continue
        except (SlackApiError, NotInChannel, OSError) as error:
            reason = getattr(error, "response", {}).get("error", "not_in_channel")
            log.warning("prompt for %s to %s failed: %s", target.goal.ref, target.recipient, reason)
            run.failed.append(f"{target.goal.ref}: {reason}")
            with factory() as session, session.begin():
                # Nothing was posted: free the claim so the next run tries again.
                session.execute(delete(CheckinPrompt).where(CheckinPrompt.id == prompt_id))
            continue
        with factory() as session, session.begin():
            prompt = session.get(CheckinPrompt, prompt_id)
            prompt.channel_id, prompt.message_ts, prompt.posted_at = (
                posted["channel"],
                posted["ts"],
                now,
            )
        run.posted += 1
        for name, _meaning in PROMPT_REACTIONS:
            try:  # not a post: no channel pacing (reactions have their own, looser limit)
                yield Call(
                    None,
                    team_id,
                    lambda n=name, p=posted: client.reactions_add(
                        channel=p["channel"], timestamp=p["ts"], name=n
                    ),
                )
            except SlackApiError as error:  # the buttons still work without them
                log.warning("could not add :%s: to a prompt: %s", name, error.response.get("error"))
    # team metrics (issue 20): the optional innovation question, one small DM per person
    prompted = [t.recipient for t in plan.targets]
    yield from innovation_calls(factory, client, workspace_id, plan.cycle, prompted)
    if plan.unowned:
        run.admins_told = yield from _tell_admins(factory, client, workspace_id, plan)
    return run


def _tell_admins(factory, client: WebClient, workspace_id: int, plan) -> Job:
    """DM each admin (once a cycle) the goals nobody owns; returns how many were told."""
    with factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        admins = list(workspace.admin_user_ids or []) or list(
            session.scalars(
                select(Member.user_id).where(
                    Member.workspace_id == workspace_id, Member.is_slack_admin.is_(True)
                )
            )
        )
        fresh = [
            a
            for a in admins
            if first_time(session, f"unowned:{workspace_id}:{plan.cycle}:{a}", None, "unowned")
        ]
    message = unowned_goals_message(plan.unowned, plan.cycle)
    told = 0
    for admin in fresh:
        try:
            yield Call(
                admin,
                team_id,
                lambda a=admin: client.chat_postMessage(channel=a, **message.to_dict()),
            )
            told += 1
        except SlackApiError as error:
            log.warning("could not tell admin %s about unowned goals: %s", admin, error)
    return told


def chase_calls(
    *, factory: sessionmaker[Session], client: WebClient, workspace_id: int, now: datetime
) -> Job:
    """One gentle reminder in the thread of each prompt left unanswered past the deadline.
    Returns how many were sent."""
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        prompt_ids = [p.id for p in due_chases(session=session, workspace=workspace, now=now)]
    sent = 0
    for prompt_id in prompt_ids:
        with factory() as session, session.begin():
            if not claim_chase(session, prompt_id, now):
                continue
            prompt = session.get(CheckinPrompt, prompt_id)
            goal = session.get(Goal, prompt.goal_id)
            view = goal_view(session, goal)
            owners = list(
                session.scalars(select(GoalOwner.owner).where(GoalOwner.goal_id == goal.id))
            )
            channel, ts = prompt.channel_id, prompt.message_ts
        people = [prompt.recipient] if prompt.recipient[:1] in "UW" else owners
        message = chase_message(view, people)
        try:
            yield Call(
                channel,
                team_id,
                lambda c=channel, t=ts, m=message: client.chat_postMessage(
                    channel=c, thread_ts=t, **m.to_dict()
                ),
            )
            sent += 1
        except SlackApiError as error:
            log.warning("reminder for prompt %s failed: %s", prompt_id, error.response.get("error"))
    return sent


def send_prompts(
    *,
    factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    now: datetime,
    pacer: Pacer | None = None,
) -> PromptRun:
    """The prompts of this cycle, now, in this thread (for a command or the CLI), paced."""
    job = prompt_calls(factory=factory, client=client, workspace_id=workspace_id, now=now)
    return run_calls(job, pacer or Pacer(per_workspace=0))


def send_chases(
    *,
    factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    now: datetime,
    pacer: Pacer | None = None,
) -> int:
    """The reminders due now, in this thread (for the CLI), paced."""
    job = chase_calls(factory=factory, client=client, workspace_id=workspace_id, now=now)
    return run_calls(job, pacer or Pacer(per_workspace=0))


def send(sending: Sending) -> Job:
    run = yield from prompt_calls(
        factory=sending.factory,
        client=sending.client,
        workspace_id=sending.workspace_id,
        now=sending.now,
    )
    return Sent(note=run.summary())


KIND = Kind(
    name=ScheduleKind.CHECKIN_PROMPT,
    label="Check-in prompts",
    home_label="Check-in",
    send=send,
    preview_hint="`/roadmap checkin prompt`",
    default_rule="every monday 10:00",
    default_rank=0,
    missed_after=timedelta(hours=24),
    needs_channel=False,
)
