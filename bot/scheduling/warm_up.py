"""Warm a clock up before its first burst: compose a weekly and a quarterly digest once,
read-only, so the statements behind every digest are compiled when the process starts.

SQLAlchemy compiles a statement the first time a process runs it and keeps the result in
the engine's cache. Without this, the first digests of a fan-out (eight composed at once,
one per sender thread) each compiled the same dozen statements side by side: 35 to 50 ms of
CPU a thread, in the very second the first summaries should go out."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from datetime import time as day_time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.services.digests import quarterly_digest, weekly_digest
from bot.services.digests.common import load_workspace, snapshot
from models import Period, Workspace

log = logging.getLogger(__name__)

NO_WORKSPACE = -1  # no row has it: every query finds nothing


def warm_up(factory: sessionmaker[Session], now: datetime) -> None:
    """Compose and render both digests, in one snapshot that writes nothing and posts
    nothing, for a period some installed workspace has (a digest with nothing to say skips
    most of its statements), else for an empty, unsaved workspace. A failure is logged,
    never raised: the clock runs without it, only slower at its first burst."""
    started = time.process_time()
    try:
        with factory() as session:
            snapshot(session)
            period = session.execute(
                select(Period.workspace_id, Period.label, Period.end_date)
                .join(Workspace, Workspace.id == Period.workspace_id)
                .where(Workspace.uninstalled_at.is_(None))
                .order_by(Period.end_date.desc(), Period.id)
                .limit(1)
            ).first()
            if period is None:
                workspace = Workspace(id=NO_WORKSPACE, team_id="T0WARMUP", name="", settings={})
                label, at = None, now
            else:  # its last day: the weekly digest of a running period says the most
                workspace = load_workspace(session, period.workspace_id)
                label = period.label
                at = datetime.combine(period.end_date, day_time(12), tzinfo=UTC)
            weekly_digest_messages(weekly_digest(session=session, workspace=workspace, now=at))
            quarterly_digest_messages(
                quarterly_digest(session=session, workspace=workspace, period_label=label, now=at)
            )
            session.rollback()
    except Exception:
        log.exception("warming the digests up failed; the first ones will compile instead")
        return
    log.debug("digests warmed up in %.0f CPU-ms", (time.process_time() - started) * 1000)
