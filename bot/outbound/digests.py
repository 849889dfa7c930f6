"""Post the weekly and quarterly digests: a summary in the channel, the details (and the
quarterly chart) in its thread."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.blocks.message import Message
from bot.outbound.posting import post_message
from bot.scheduling.dispatch import Call, Job, run_calls
from bot.scheduling.pacing import Pacer
from bot.services.charts import metrics_chart
from bot.services.digests import QuarterlyDigest, quarterly_digest, weekly_digest
from models import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostedDigest:
    channel: str
    ts: str
    thread_count: int  # messages and files posted in the summary's thread
    failed: tuple[str, ...] = field(default_factory=tuple)


def _part_metadata(metadata: dict | None, part: str) -> dict | None:
    """The summary's metadata, naming one thread part: a resumed digest skips those found."""
    if metadata is None:
        return None
    payload = {**metadata.get("event_payload", {}), "part": part}
    return {**metadata, "event_payload": payload}


def _posted_parts(replies: dict, metadata: dict | None, chart_name: str | None) -> set[str]:
    """Which thread parts (and whether the chart) a resumed digest already posted."""
    parts: set[str] = set()
    wanted = (metadata or {}).get("event_payload", {})
    for reply in replies.get("messages", []):
        payload = (reply.get("metadata") or {}).get("event_payload") or {}
        if wanted and all(payload.get(k) == v for k, v in wanted.items()) and "part" in payload:
            parts.add(payload["part"])
        if chart_name and any(f.get("name") == chart_name for f in reply.get("files", [])):
            parts.add("chart")
    return parts


def digest_calls(
    *,
    client: WebClient,
    channel_id: str,
    team_id: str,
    summary: Message,
    details: list[Message],
    chart: dict | None = None,
    metadata: dict | None = None,
    posted_ts: str | None = None,
    on_posted: Callable[[str], None] | None = None,
) -> Job:
    """The Slack calls of one digest: the summary (unless `posted_ts` says it is out), then
    each detail and the chart in its thread, skipping parts a crashed run already posted.
    Returns a PostedDigest; a detail that fails is reported, the rest still go out."""
    if posted_ts is None:
        posted = yield Call(
            channel_id,
            team_id,
            lambda: post_message(
                client, channel=channel_id, metadata=metadata, **summary.to_dict()
            ),
        )
        channel, ts = posted["channel"], posted["ts"]
        if on_posted:
            on_posted(ts)
        done: set[int | str] = set()
    else:
        channel, ts = channel_id, posted_ts
        replies = yield Call(
            None,
            team_id,
            lambda: (
                client.conversations_replies(
                    channel=channel, ts=ts, include_all_metadata=True, limit=200
                ).data
            ),
        )
        done = _posted_parts(replies, metadata, chart and chart["filename"])
    # Parts are named by their section (not their place: an empty section is left out, and a
    # resumed digest may have one more or one fewer than the run that was cut).
    parts: list[tuple[str, str, Callable[[], Any]]] = [
        (
            part,
            detail.text,
            lambda d=detail, p=part: client.chat_postMessage(
                channel=channel, thread_ts=ts, metadata=_part_metadata(metadata, p), **d.to_dict()
            ),
        )
        for number, detail in enumerate(details, start=1)
        for part in [detail.key or str(number)]
    ]
    if chart:
        parts.append(
            (
                "chart",
                "chart",
                lambda: client.files_upload_v2(channel=channel, thread_ts=ts, **chart),
            )
        )
    count, failed = sum(1 for part, _, _ in parts if part in done), []
    for part, label, send in parts:
        if part in done:
            continue
        try:
            yield Call(channel, team_id, send)
            count += 1
        except SlackApiError as error:  # the summary is out; say what is missing, go on
            if getattr(error.response, "status_code", None) == 429:
                raise  # still limited: the delivery is retried later and resumes here
            reason = error.response.get("error", "error")
            log.warning("digest thread part %r failed: %s", label, reason)
            failed.append(f"{label}: {reason}")
    return PostedDigest(channel=channel, ts=ts, thread_count=count, failed=tuple(failed))


def weekly_digest_calls(
    *,
    session_factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    channel_id: str,
    now: datetime,
    since: datetime | None = None,
    **options,
) -> Job:
    """Compose the weekly digest, then make its calls (see digest_calls for the options)."""
    with session_factory() as session:
        workspace = session.get(Workspace, workspace_id)
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
            **options,
        )
    )


def post_weekly_digest(*, pacer: Pacer | None = None, **arguments) -> PostedDigest:
    """Post the weekly summary, then each detail in its thread, one a second."""
    return run_calls(weekly_digest_calls(**arguments), pacer or Pacer(per_workspace=0))


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
