"""`python -m bot clock`: the one clock process. APScheduler only wakes it every minute;
the database decides what is due and who sends it, so a second clock posts nothing twice."""

from __future__ import annotations

import logging
import signal
from datetime import UTC

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.outbound.checkins import send_chases
from bot.runtime import Runtime
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick
from models import Workspace, utcnow

log = logging.getLogger(__name__)


def run_tick(runtime: Runtime, pacer: Pacer) -> None:
    try:
        report = tick(runtime, pacer=pacer)
        log.info(report.summary())
    except Exception:  # nothing may stop the clock; the next minute tries again
        log.exception("tick failed")


def run_chases(runtime: Runtime) -> None:
    try:
        with runtime.session_factory() as session:
            ids = list(
                session.scalars(select(Workspace.id).where(Workspace.uninstalled_at.is_(None)))
            )
        for workspace_id in ids:
            send_chases(
                factory=runtime.session_factory,
                client=runtime.web_client(),
                workspace_id=workspace_id,
                now=utcnow(),
            )
    except Exception:
        log.exception("check-in reminders failed")


def build_scheduler(runtime: Runtime) -> BlockingScheduler:
    # An in-memory job store of its own: APScheduler job stores must never be shared.
    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50},
    )
    pacer = Pacer()
    scheduler.add_job(
        run_tick, CronTrigger(second=0, timezone=UTC), args=(runtime, pacer), id="tick"
    )
    scheduler.add_job(run_chases, CronTrigger(minute=17, timezone=UTC), args=(runtime,), id="chase")
    return scheduler


def run_clock(runtime: Runtime) -> int:
    scheduler = build_scheduler(runtime)

    def stop(signum, _frame) -> None:
        log.info("clock stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("clock started: ticking every minute")
    run_tick(runtime, scheduler.get_job("tick").args[1])  # catch up at once after a restart
    scheduler.start()
    return 0
