"""Quarterly digest: the period's outcomes in the roadmap channel, the details and the
metrics chart in its thread."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digests import quarterly_digest_messages
from bot.kinds.base import Kind, Sending
from bot.kinds.digest_thread import PostedDigest, digest_calls, digest_job
from bot.scheduling.dispatch import Job, run_calls
from bot.scheduling.pacing import Pacer
from bot.services.charts import metrics_chart
from bot.services.digests import QuarterlyDigest, quarterly_digest
from models import ScheduleKind, Workspace


def chart_filename(period: str | None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (period or "roadmap").lower()).strip("-")
    return f"roadmap-{slug}.png"


def chart_png(digest: QuarterlyDigest) -> bytes | None:
    """The PNG of the period's metric readings, or None when there are none."""
    if not digest.series:
        return None
    span = (digest.start, digest.end) if digest.start and digest.end else None
    title = f"{digest.period} · metrics against their targets"
    return metrics_chart(digest.series, title=title, span=span)


def quarterly_digest_calls(
    *,
    session_factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    channel_id: str,
    now: datetime,
    period_label: str | None = None,
    **options,
) -> Job:
    """Compose the quarterly digest and its chart, then make its calls."""
    with session_factory() as session:
        workspace = session.get(Workspace, workspace_id)
        team_id = workspace.team_id
        digest = quarterly_digest(
            session=session, workspace=workspace, period_label=period_label, now=now
        )
    summary, details = quarterly_digest_messages(digest)
    png = chart_png(digest)
    chart = None
    if png is not None:
        chart = {
            "content": png,
            "filename": chart_filename(digest.period),
            "title": f"{digest.period}: metrics against their targets",
            "alt_txt": f"Readings of {len(digest.series)} metrics over {digest.period}",
        }
    return (
        yield from digest_calls(
            client=client,
            channel_id=channel_id,
            team_id=team_id,
            summary=summary,
            details=details,
            chart=chart,
            **options,
        )
    )


def post_quarterly_digest(*, pacer: Pacer | None = None, **arguments) -> PostedDigest:
    """Post the quarterly summary, its details in the thread, then the metrics chart there."""
    return run_calls(quarterly_digest_calls(**arguments), pacer or Pacer(per_workspace=0))


def send(sending: Sending) -> Job:
    return (yield from digest_job(quarterly_digest_calls, sending))


KIND = Kind(
    name=ScheduleKind.QUARTERLY_DIGEST,
    label="Quarterly digest",
    send=send,
    preview_hint="`/roadmap digest quarterly preview`",
    default_rule="first monday of the quarter 10:00",
    default_rank=2,
    missed_after=timedelta(hours=24),
    resumes_thread=True,
    closes_period=True,
)
