"""One pass of the clock: plan what came due, then send it. `python -m bot tick` runs one."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import telemetry
from bot.runtime import Runtime
from bot.scheduling.local_gate import PassWindow
from bot.scheduling.local_time import ask_due_people
from bot.scheduling.notices import roadmap_end_notices
from bot.scheduling.pacing import Pacer
from bot.scheduling.planner import plan
from bot.scheduling.sender import Sender, SendReport
from bot.services.workspaces import LOCAL_TEAM_ID
from bot.wording import plural
from models import Delivery, DeliveryState, Schedule, utcnow

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    now: datetime
    dry_run: bool
    planned: int = 0
    missed: int = 0
    due: list[str] = field(default_factory=list)  # dry run: what would be sent
    sent: SendReport = field(default_factory=SendReport)
    asked: int = 0  # people asked (check-in, pulse) at their own local time
    notices: int = 0  # "the roadmap ended" messages to admins

    @property
    def idle(self) -> bool:
        """Nothing planned, sent, failed or noticed: logged at DEBUG, not INFO."""
        s = self.sent
        busy = (s.sent, s.failed, s.retrying, s.uncertain, s.recovered, self.due)
        return not (self.planned or self.missed or self.notices or any(busy))

    def summary(self) -> str:
        if self.dry_run:
            listed = "".join(f"\n  would send {d}" for d in self.due)
            return (
                f"Dry run at {self.now.isoformat()}: {len(self.due)} deliveries due, "
                f"{self.missed} would be recorded as missed.{listed}"
            )
        s = self.sent
        return (
            f"Tick at {self.now.isoformat()}: {self.planned} planned, {self.missed} missed, "
            f"{len(s.sent)} sent, {len(s.failed)} failed, {len(s.retrying)} to retry, "
            f"{len(s.uncertain)} uncertain, {len(s.recovered)} recovered"
            + (f", {plural(self.notices, 'roadmap-end notice')}" if self.notices else "")
            + "."
            + (f" {len(s.parked)} parked: Slack refused the bot token." if s.parked else "")
            + (
                f" {plural(self.asked, 'person', 'people')} asked at their own local time."
                if self.asked
                else ""
            )
        )


def local_teams(runtime: Runtime) -> frozenset[str]:
    """The console's local workspace is the clock's only while no Slack credentials are
    configured: with a token, its schedules would fail at every tick."""
    settings = runtime.settings
    if settings.slack_bot_token or settings.oauth_enabled:
        return frozenset({LOCAL_TEAM_ID})
    return frozenset()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def writer_sessions(runtime: Runtime) -> sessionmaker[Session]:
    """Sessions for the clock's read-then-write transactions. On SQLite they take the write
    lock at BEGIN: a reader that later writes could otherwise fail at once with "database is
    locked" when another clock got there first, whatever the busy timeout."""
    engine = runtime.engine
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    return sessionmaker(bind=engine, expire_on_commit=False)


def tick(
    runtime: Runtime,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    pacer: Pacer | None = None,
    stopping: threading.Event | None = None,
) -> TickReport:
    """Plan, then send what is due. Once `stopping` is set no new delivery is claimed: the
    ones in hand finish and the rest stay pending for the next tick (or another clock)."""
    now = now or utcnow()
    report = TickReport(now=now, dry_run=dry_run)
    if not dry_run:
        runtime.check_token(now)  # single-token mode, once per process: a restart's new token
    factory = writer_sessions(runtime)
    with factory() as session:
        planned = plan(session, now, skip_teams=local_teams(runtime))
        report.planned, report.missed = len(planned.pending), len(planned.missed)
        if dry_run:
            due = session.execute(
                select(Schedule.kind, Schedule.id, Delivery.occurrence_key)
                .join(Schedule, Schedule.id == Delivery.schedule_id)
                .where(Delivery.state == DeliveryState.PENDING, Delivery.due_at <= now)
                .order_by(Delivery.due_at)
            ).all()
            report.due = [f"{kind} (schedule {sid}) for {key}" for kind, sid, key in due]
            session.rollback()
            return report
        session.commit()
    sender = Sender(
        factory,
        client_for=lambda workspace: runtime.client_for(workspace, wait_on_rate_limit=False),
        worker=worker_name(),
        pacer=pacer,
        stopping=stopping,
    )
    report.sent = sender.run(now)
    if stopping is None or not stopping.is_set():
        # A one-shot tick (`python -m bot tick`) has a Runtime of its own: a first tick.
        window = PassWindow.after(runtime.last_tick_at, now)
        runtime.last_tick_at = now
        try:  # each person's check-in and pulse at the schedule's time in their own zone
            report.asked = ask_due_people(
                factory=factory,
                client_for=lambda workspace: runtime.client_for(
                    workspace, wait_on_rate_limit=False
                ),
                now=now,
                pacer=pacer,
                skip_teams=local_teams(runtime),
                window=window,
                stopping=stopping,
            )
        except Exception:  # the deliveries above are done; the next tick tries again
            log.exception("asking people at their local time failed")
    report.notices = roadmap_end_notices(
        factory,
        lambda workspace: runtime.client_for(workspace, wait_on_rate_limit=False),
        now,
        skip_teams=local_teams(runtime),
    )
    sent = report.sent
    for outcome, rows in (
        ("sent", sent.sent),
        ("failed", sent.failed),
        ("retrying", sent.retrying),
        ("uncertain", sent.uncertain),
        ("recovered", sent.recovered),
    ):
        telemetry.count_deliveries(outcome, len(rows))
    telemetry.count_deliveries("missed", report.missed)
    telemetry.mark_tick(utcnow().timestamp())
    return report
