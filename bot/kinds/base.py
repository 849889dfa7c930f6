"""What every schedule kind declares, and what the sender hands it to send one delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.message import Message
from bot.kinds.posting import post_message
from bot.scheduling.dispatch import Call, Job
from models import Workspace


@dataclass(frozen=True)
class Sending:
    """One claimed delivery, as its kind's `send` sees it."""

    factory: sessionmaker[Session]
    client: WebClient
    workspace_id: int
    team_id: str
    schedule_id: int
    delivery_id: int
    channel: str | None  # the schedule's channel, else the roadmap channel
    event_at: datetime  # the occurrence (for a ritual's early reminder, the event itself)
    days_before: int  # 0, or how many days ahead of the event this reminder is
    now: datetime  # the tick's time
    metadata: dict  # tags every post, so a lost answer can be found again
    posted_ts: str | None = None  # what a cut run already posted (a digest resumes its thread)
    record_ts: Callable[[str], None] = lambda ts: None  # remember the main post at once
    # The workspace as the claim read it (detached): a digest composes with it rather than
    # loading it again, which cost more than any of the digest's own queries.
    workspace: Workspace | None = None


@dataclass(frozen=True)
class Sent:
    """What a kind's job reports: the main post's ts, and a note kept on the delivery."""

    ts: str | None = None
    note: str | None = None


@dataclass
class LocalPass:
    """A workspace, as the clock's pass over kinds that ask people at their own local time
    sees it on a tick (bot.scheduling.local_time). `client` is made on first use, so a
    pass that finds nobody due costs no token lookup."""

    factory: sessionmaker[Session]
    workspace_id: int
    team_id: str
    now: datetime
    connect: Callable[[], WebClient]
    _client: WebClient | None = field(default=None, repr=False)

    @property
    def client(self) -> WebClient:
        if self._client is None:
            self._client = self.connect()
        return self._client


@dataclass(frozen=True)
class Previewing:
    """What a preview may read (it never writes): the schedule's next occurrence."""

    session: Session
    schedule: Any  # models.Schedule
    workspace: Any  # models.Workspace
    event_at: datetime
    days_before: int = 0
    viewer: str | None = None  # who asked for the preview (a person's own message first)


def _no_preview(previewing: Previewing) -> Message | None:
    return None


@dataclass(frozen=True)
class Kind:
    """One kind of schedule. Only `name`, `label` and `send` are required."""

    name: str  # stored in schedules.kind
    label: str  # in lists, errors and notices: "Weekly digest"
    send: Callable[[Sending], Job]  # the Slack calls of one delivery; returns a Sent
    preview: Callable[[Previewing], Message | None] = _no_preview  # pure: writes nothing
    preview_hint: str | None = None  # when preview gives None: where to preview it instead
    home_label: str | None = None  # listed on the Home tab under this name (None: not shown)
    default_rule: str | None = None  # every new workspace starts with this schedule
    default_rank: int = 0  # the order new workspaces get their defaults in
    # An occurrence is sent late (after downtime) only this long after it was due; with
    # `until_event`, until this long after the event it announces.
    missed_after: timedelta = timedelta(hours=1)
    until_event: bool = False
    remind_days_before: tuple[int, ...] = ()  # announced ahead (days; 0 = on the day)
    needs_channel: bool = True  # False: the kind finds its own recipients
    needs_text: str | None = None  # the error when a schedule of this kind has no text
    shows_text: bool = False  # lists quote the schedule's text
    resumes_thread: bool = False  # found posted after a crash: finish its thread, not done
    # The roadmap's life cycle (bot.services.periods): only while a period is under way (not
    # before the first, in a gap or after the last); or once per period, for the period that
    # is ending or just ended (its first occurrence from 14 days before its end to 35 after).
    needs_running_roadmap: bool = False
    closes_period: bool = False
    # A kind that asks each person at the schedule's local time in *their* zone (check-in
    # prompts, the pulse): the clock calls this, on a tick, for each workspace with an
    # enabled schedule of the kind where someone may be due (bot.scheduling.local_gate: an
    # occurrence in some person's zone, within the last day); the Job asks whoever is due
    # and returns how many.
    asks_at_local_time: Callable[[LocalPass], Job] | None = None
    # With it: the workspaces where that pass has work now whatever the schedule's
    # occurrences say (the pulse's reminders, a day after each DM), one query for them all.
    local_work_due: Callable[[Session, datetime], set[int]] | None = None

    def offsets(self, options: dict | None) -> list[int]:
        """Days before the occurrence at which it is announced, latest first (0 = the day)."""
        if not self.remind_days_before:
            return [0]
        days = (options or {}).get("remind_days_before") or self.remind_days_before
        return sorted({int(d) for d in days}, reverse=True)

    def still_useful(self, due_at: datetime, event_at: datetime, now: datetime) -> bool:
        if self.until_event:
            return now < event_at + self.missed_after
        return now - due_at <= self.missed_after


def post_one(sending: Sending, message: Message) -> Job:
    """The job of a kind that posts one message in its channel."""
    client, channel = sending.client, sending.channel
    posted = yield Call(
        channel,
        sending.team_id,
        lambda: post_message(
            client, channel=channel, metadata=sending.metadata, **message.to_dict()
        ),
    )
    return Sent(ts=posted["ts"])
