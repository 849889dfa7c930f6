"""`python -m bot clock`: the one clock process. APScheduler only wakes it every minute;
the database decides what is due and who sends it, so a second clock posts nothing twice."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.runtime import Runtime
from bot.scheduling.chases import send_due_chases
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import local_teams, tick
from bot.scheduling.warm_up import warm_up
from bot.services.installations import purge_expired
from models import utcnow

log = logging.getLogger(__name__)


def run_tick(runtime: Runtime, pacer: Pacer, stopping: threading.Event) -> None:
    try:
        report = tick(runtime, pacer=pacer, stopping=stopping)
        # 1,440 ticks a day: an idle one is a DEBUG line, one that did something INFO.
        log.log(logging.DEBUG if report.idle else logging.INFO, report.summary())
    except Exception:  # nothing may stop the clock; the next minute tries again
        log.exception("tick failed")


def run_chases(runtime: Runtime, pacer: Pacer, stopping: threading.Event) -> None:
    """The hour's check-in reminders, paced with the tick's own posts (one pacer)."""
    try:
        sent = send_due_chases(
            factory=runtime.session_factory,
            client_for=lambda workspace: runtime.client_for(workspace, wait_on_rate_limit=False),
            now=utcnow(),
            pacer=pacer,
            skip_teams=local_teams(runtime),
            stopping=stopping,
        )
        if sent:
            log.info("sent %d check-in reminder(s)", sent)
    except Exception:
        log.exception("check-in reminders failed")


def run_purge(runtime: Runtime) -> None:
    """Delete the data of workspaces uninstalled longer ago than their retention."""
    try:
        purged = purge_expired(runtime.session_factory, utcnow())
        if purged:
            log.info("purged %d uninstalled workspace(s): %s", len(purged), ", ".join(purged))
    except Exception:
        log.exception("purge failed")


def build_scheduler(runtime: Runtime, stopping: threading.Event) -> BackgroundScheduler:
    # An in-memory job store of its own: APScheduler job stores must never be shared.
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50},
    )
    pacer = Pacer()
    scheduler.add_job(
        run_tick,
        CronTrigger(second=0, timezone=UTC),
        args=(runtime, pacer, stopping),
        id="tick",
    )
    scheduler.add_job(
        run_chases,
        CronTrigger(minute=17, timezone=UTC),
        args=(runtime, pacer, stopping),
        id="chase",
    )
    scheduler.add_job(
        run_purge, CronTrigger(hour=3, minute=41, timezone=UTC), args=(runtime,), id="purge"
    )
    return scheduler


def run_clock(runtime: Runtime) -> int:
    """Tick once at once (catching up after a restart), then every minute until SIGTERM/SIGINT."""
    stopping = threading.Event()

    def stop(signum, _frame) -> None:
        log.info("clock stopping (signal %s)", signum)
        stopping.set()  # only a flag: the main thread shuts the scheduler down

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler = build_scheduler(runtime, stopping)
    log.info("clock started: ticking every minute")
    warm_up(runtime.session_factory, utcnow())
    run_tick(runtime, scheduler.get_job("tick").args[1], stopping)
    scheduler.start()
    while not stopping.wait(0.5):
        pass
    # A running tick claims nothing more and finishes the deliveries it has begun (at most
    # Sender.in_flight, each a few paced posts); the rest stay pending for the next clock.
    scheduler.shutdown(wait=True)
    return 0
