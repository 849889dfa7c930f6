"""Weekly digest: the week's movement in the roadmap channel, the details in its thread."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digests import weekly_digest_messages
from bot.kinds.base import Kind, Sending
from bot.kinds.digest_thread import PostedDigest, chart_uploads, digest_calls, digest_job
from bot.scheduling.dispatch import Job, run_calls
from bot.scheduling.pacing import Pacer
from bot.services.digests import weekly_digest
from bot.services.digests.common import load_workspace, snapshot
from models import ScheduleKind, Workspace


def weekly_digest_calls(
    *,
    session_factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    channel_id: str,
    now: datetime,
    workspace: Workspace | None = None,
    since: datetime | None = None,
    **options,
) -> Job:
    """Compose the weekly digest, then make its calls (see digest_calls for the options)."""
    with session_factory() as session:
        snapshot(session)  # one snapshot for every part (REPEATABLE READ on PostgreSQL)
        if workspace is None or workspace.id != workspace_id:
            workspace = load_workspace(session, workspace_id)
        team_id = workspace.team_id
        digest = weekly_digest(session=session, workspace=workspace, now=now, since=since)
    summary, details = weekly_digest_messages(digest)
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


def post_weekly_digest(*, pacer: Pacer | None = None, **arguments) -> PostedDigest:
    """Post the weekly summary, then each detail in its thread, one a second."""
    return run_calls(weekly_digest_calls(**arguments), pacer or Pacer(per_workspace=0))


def send(sending: Sending) -> Job:
    return (yield from digest_job(weekly_digest_calls, sending))


KIND = Kind(
    name=ScheduleKind.WEEKLY_DIGEST,
    label="Weekly digest",
    send=send,
    preview_hint="`/roadmap digest weekly preview`",
    default_rule="every friday 15:00",
    default_rank=1,
    missed_after=timedelta(hours=24),
    resumes_thread=True,
    needs_running_roadmap=True,
)
