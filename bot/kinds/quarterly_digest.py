"""Quarterly digest: the period's outcomes in the roadmap channel, the details, the goals
chart and the metrics chart in its thread."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digests import quarterly_digest_messages
from bot.kinds.base import Kind, Sending
from bot.kinds.digest_thread import PostedDigest, chart_uploads, digest_calls, digest_job
from bot.scheduling.dispatch import Job, run_calls
from bot.scheduling.pacing import Pacer
from bot.services.digests import quarterly_digest
from bot.services.digests.common import load_workspace, snapshot
from models import ScheduleKind, Workspace


def quarterly_digest_calls(
    *,
    session_factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    channel_id: str,
    now: datetime,
    workspace: Workspace | None = None,
    period_label: str | None = None,
    **options,
) -> Job:
    """Compose the quarterly digest and its charts, then make its calls."""
    with session_factory() as session:
        snapshot(session)  # one snapshot for every part (REPEATABLE READ on PostgreSQL)
        if workspace is None or workspace.id != workspace_id:
            workspace = load_workspace(session, workspace_id)
        team_id = workspace.team_id
        digest = quarterly_digest(
            session=session, workspace=workspace, period_label=period_label, now=now
        )
    summary, details = quarterly_digest_messages(digest)
    return (
        yield from digest_calls(
            client=client,
            channel_id=channel_id,
            team_id=team_id,
            summary=summary,
            details=details,
            charts=chart_uploads(digest),
            **options,
        )
    )


def post_quarterly_digest(*, pacer: Pacer | None = None, **arguments) -> PostedDigest:
    """Post the quarterly summary, its details in the thread, then its charts there."""
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
