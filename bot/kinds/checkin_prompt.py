"""Check-in prompts: each person with open goals gets one message a cycle (in their DM, or in
the roadmap channel), at the schedule's local time in their own zone, with one message per
goal in its thread; a round left unanswered gets one reminder in its thread; the admins hear
of goals with no owner. Every post is a paced Call, like the digests'."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.checkins import (
    PROMPT_REACTIONS,
    chase_message,
    nobody_to_prompt,
    prompt_message,
    prompt_preview,
    round_message,
    unowned_goals_message,
)
from bot.blocks.message import Message
from bot.blocks.text import plural
from bot.kinds.base import Kind, LocalPass, Previewing, Sending, Sent
from bot.kinds.posting import NotInChannel, post_message
from bot.scheduling.dispatch import Call, Job, run_calls
from bot.scheduling.pacing import REACTION, Pacer
from bot.services.checkin_prompts import (
    PersonRound,
    RoundItem,
    RoundView,
    add_goal_prompts,
    admins_to_tell,
    claim_chase,
    due_chases,
    plan_rounds,
    reserve_round,
    round_view,
    unanswered_goal_ids,
    unowned_key,
)
from bot.services.checkins import cycle_words, first_time
from bot.services.goals import goal_views
from bot.wording import moment_text
from models import (
    CheckinPrompt,
    CheckinRound,
    Delivery,
    Goal,
    ScheduleKind,
    Workspace,
)

log = logging.getLogger(__name__)
# A reaction refused with 429 after the dispatcher's own retries goes again this often in all.
REACTION_TRIES = 3


@dataclass
class PromptRun:
    cycle: str = ""
    asked: int = 0  # people sent their one message
    goals: int = 0  # goals those messages ask about
    already: int = 0  # people asked this cycle already
    waiting: int = 0  # people whose local time has not come yet
    failed: list[str] = field(default_factory=list)
    unowned: int = 0
    unresolved: int = 0  # goals owned only by names that matched nobody
    skipped_away: list[str] = field(default_factory=list)
    admins_known: int = 0
    admins_told: int = 0
    admins_waiting: int = 0  # admins whose local time has not come yet

    def summary(self) -> str:
        text = f"Check-in · {cycle_words(self.cycle)}: {plural(self.asked, 'person')} asked" + (
            f" about {plural(self.goals, 'goal')}" if self.asked else ""
        )
        if self.already:
            text += f", {plural(self.already, 'person')} already asked this week"
        if self.waiting:
            text += f", {plural(self.waiting, 'person')} later, at their own local time"
        if self.skipped_away:
            text += f", {plural(len(self.skipped_away), 'person')} away"
        if self.unowned:
            goals = plural(self.unowned, "goal")
            if self.admins_told:
                text += f", {goals} without an owner listed to {plural(self.admins_told, 'admin')}"
            elif self.admins_waiting:
                text += f", {goals} without an owner (listed to each admin at their own local time)"
            elif self.admins_known:
                text += f", {goals} without an owner (the admins were told this week)"
            else:
                text += f", {goals} without an owner (no admin known to tell)"
        if self.unresolved:
            text += f", {plural(self.unresolved, 'goal')} owned by names that match nobody"
        if self.failed:
            text += f", {len(self.failed)} failed ({'; '.join(self.failed[:3])})"
        return text + "."


# bot.scheduling.manual.MANUAL_PREFIX (not imported: that module imports the kinds).
MANUAL_PREFIX = "manual:"


def _is_manual(factory, delivery_id: int | None) -> bool:
    if delivery_id is None:
        return False
    with factory() as session:
        key = session.scalar(select(Delivery.occurrence_key).where(Delivery.id == delivery_id))
    return bool(key and key.startswith(MANUAL_PREFIX))


def prompt_calls(
    *,
    factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    now: datetime,
    everyone: bool = True,
) -> Job:
    """Send each person whose time has come (`everyone`: all) their one message of the cycle,
    with one message per goal in its thread; safe to run again (and concurrently).
    Returns a PromptRun."""
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        plan = plan_rounds(session=session, workspace=workspace, now=now, everyone=everyone)
    run = PromptRun(
        cycle=plan.cycle,
        skipped_away=plan.skipped_away,
        unowned=len(plan.unowned),
        unresolved=len(plan.unresolved),
        already=len(plan.already),
        waiting=len(plan.waiting),
    )
    for person_round in plan.rounds:
        posted = yield from _ask(factory, client, workspace_id, team_id, person_round, now, run)
        if posted:
            run.asked += 1
            run.goals += len(person_round.goals)
    if plan.unowned:
        yield from _tell_admins(factory, client, workspace_id, plan, now, everyone, run)
    return run


def _ask(factory, client, workspace_id, team_id, plan: PersonRound, now, run: PromptRun) -> Job:
    """One person's round: the top message, then each goal's message in its thread."""
    with factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        claimed = reserve_round(session, workspace, plan, now)
        round_id = claimed.id if claimed else None
        if claimed is not None:
            # The goals it asks about, before anything is posted (one statement).
            add_goal_prompts(session, workspace_id, claimed, plan.goal_ids)
            message = round_message(round_view(session, claimed))
    if round_id is None:
        run.already += 1
        return False
    try:
        top = yield Call(
            plan.recipient,
            team_id,
            lambda: post_message(client, channel=plan.recipient, **message.to_dict()),
        )
    except TimeoutError:
        # Slack may have posted it: keep the claim (never twice) and say so.
        log.warning("check-in for %s timed out", plan.person)
        run.failed.append(f"{plan.person}: timed out")
        return False
    except (SlackApiError, NotInChannel, OSError) as error:
        reason = getattr(error, "response", {}).get("error", "not_in_channel")
        log.warning("check-in for %s failed: %s", plan.person, reason)
        run.failed.append(f"{plan.person}: {reason}")
        with factory() as session, session.begin():
            # Nothing was posted: free the claim so the next run tries again.
            session.execute(delete(CheckinRound).where(CheckinRound.id == round_id))
        return False
    channel, ts = top["channel"], top["ts"]
    with factory() as session, session.begin():
        claimed = session.get(CheckinRound, round_id)
        claimed.channel_id, claimed.message_ts, claimed.posted_at = channel, ts, now
        session.execute(
            update(CheckinPrompt)
            .where(CheckinPrompt.round_id == round_id)
            .values(channel_id=channel, posted_at=now)
        )
    yield from _react(client, team_id, channel, ts)
    for goal in plan.goals:
        goal_message = prompt_message(goal, plan.cycle)
        try:
            posted = yield Call(
                channel,
                team_id,
                lambda m=goal_message: client.chat_postMessage(
                    channel=channel, thread_ts=ts, **m.to_dict()
                ),
            )
        except (SlackApiError, TimeoutError, OSError) as error:  # the top message answers it
            log.warning("check-in message for %s failed: %s", goal.ref, error)
            continue
        with factory() as session, session.begin():
            session.execute(
                update(CheckinPrompt)
                .where(
                    CheckinPrompt.round_id == round_id,
                    CheckinPrompt.goal_id == plan.goal_ids[plan.goals.index(goal)],
                )
                .values(message_ts=posted["ts"])
            )
        yield from _react(client, team_id, channel, posted["ts"])
    return True


def _react(client: WebClient, team_id: str, channel: str, ts: str) -> Job:
    for name, _meaning in PROMPT_REACTIONS:
        for attempt in range(REACTION_TRIES):
            try:  # not a post: paced in the workspace's reaction lane (Tier 3), not the channel
                yield Call(
                    channel,
                    team_id,
                    lambda n=name: client.reactions_add(channel=channel, timestamp=ts, name=n),
                    lane=REACTION,
                )
                break
            except SlackApiError as error:  # the buttons still work without them
                if error.response.status_code == 429 and attempt + 1 < REACTION_TRIES:
                    continue  # the lane is held for Retry-After: the same reaction again
                code = error.response.get("error")
                log.warning("could not add :%s: to a prompt: %s", name, code)
                break


def _tell_admins(factory, client: WebClient, workspace_id: int, plan, now, everyone, run) -> Job:
    """DM each admin the goals nobody owns, once a week, at the schedule's local time in the
    admin's own zone (`everyone`: all of them, now)."""
    with factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        tell = admins_to_tell(session=session, workspace=workspace, now=now, everyone=everyone)
        run.admins_known, run.admins_waiting = tell.known, tell.waiting
        fresh = [
            notice
            for notice in tell.due
            if first_time(
                session, unowned_key(workspace_id, notice.cycle, notice.admin), None, "unowned"
            )
        ]
    for notice in fresh:
        message = unowned_goals_message(plan.unowned, notice.cycle)
        try:
            yield Call(
                notice.admin,
                team_id,
                lambda a=notice.admin, m=message: client.chat_postMessage(channel=a, **m.to_dict()),
            )
            run.admins_told += 1
        except SlackApiError as error:
            log.warning("could not tell admin %s about unowned goals: %s", notice.admin, error)


def chase_calls(
    *, factory: sessionmaker[Session], client: WebClient, workspace_id: int, now: datetime
) -> Job:
    """One gentle reminder in the thread of each round left (partly) unanswered past the
    deadline, naming only the goals still waiting. Returns how many were sent."""
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        round_ids = [r.id for r in due_chases(session=session, workspace=workspace, now=now)]
    sent = 0
    for round_id in round_ids:
        with factory() as session, session.begin():
            if not claim_chase(session, round_id, now):
                continue
            claimed = session.get(CheckinRound, round_id)
            goals = [session.get(Goal, g) for g in unanswered_goal_ids(session, claimed)]
            views = goal_views(session, [g for g in goals if g is not None])
            channel, ts, person = claimed.channel_id, claimed.message_ts, claimed.person
        if not views:
            continue
        message = chase_message(person, views)
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
            log.warning("reminder for round %s failed: %s", round_id, error.response.get("error"))
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
    """A scheduled occurrence asks the people whose local time has come (the others are
    asked by the clock's pass, `ask_at_local_time`, at theirs); a manual one asks everyone
    now."""
    run = yield from prompt_calls(
        factory=sending.factory,
        client=sending.client,
        workspace_id=sending.workspace_id,
        now=sending.now,
        everyone=_is_manual(sending.factory, sending.delivery_id),
    )
    return Sent(note=run.summary())


def ask_at_local_time(local: LocalPass) -> Job:
    """The clock's pass: ask the people whose local prompt time has come (Tokyo
    at its 10:00, New York at its). Returns how many were asked."""
    with local.factory() as session:
        workspace = session.get(Workspace, local.workspace_id)
        plan = plan_rounds(session=session, workspace=workspace, now=local.now)
        if not plan.rounds and not (
            plan.unowned and admins_to_tell(session=session, workspace=workspace, now=local.now).due
        ):
            return 0
    run = yield from prompt_calls(
        factory=local.factory,
        client=local.client,
        workspace_id=local.workspace_id,
        now=local.now,
        everyone=False,
    )
    if run.asked or run.failed or run.admins_told:
        log.info("check-in rounds in %s: %s", local.team_id, run.summary())
    return run.asked


def preview(previewing: Previewing) -> Message:
    """The round one person would get at the next run (the viewer's own when they own open
    goals), and how many would be asked; plans only, writes and sends nothing."""
    p = previewing
    plan = plan_rounds(session=p.session, workspace=p.workspace, now=p.event_at, everyone=True)
    on = moment_text(p.event_at, p.workspace.timezone) + " (each person's own time)"
    if not plan.rounds:
        return nobody_to_prompt(on)
    shown = next((r for r in plan.rounds if r.person == p.viewer), plan.rounds[0])
    view = RoundView(
        0, shown.person, shown.cycle, None, None, [RoundItem(g, None) for g in shown.goals]
    )
    goals = len({goal_id for r in plan.rounds for goal_id in r.goal_ids})
    return prompt_preview(view, len(plan.rounds), goals, on, yours=shown.person == p.viewer)


KIND = Kind(
    name=ScheduleKind.CHECKIN_PROMPT,
    label="Check-in prompts",
    home_label="Check-in",
    send=send,
    preview=preview,
    default_rule="every monday 10:00",
    default_rank=0,
    missed_after=timedelta(hours=24),
    needs_channel=False,
    needs_running_roadmap=True,
    asks_at_local_time=ask_at_local_time,
)
