"""Post the weekly and quarterly digests: a summary in the channel, the details (and the
quarterly chart) in its thread."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.blocks.message import Message
from bot.outbound.posting import post_message
from bot.services.charts import metrics_chart
from bot.services.digests import QuarterlyDigest, quarterly_digest, weekly_digest
from models import Workspace

log = logging.getLogger(__name__)
THREAD_PACE_SECONDS = 1.0  # Slack allows about one message per second per channel


@dataclass(frozen=True)
class PostedDigest:
    channel: str
    ts: str
    thread_count: int  # messages and files posted in the summary's thread
    failed: tuple[str, ...] = field(default_factory=tuple)


class _Pacer:
    """Waits so that posts to one channel are at least `interval` seconds apart."""

    def __init__(self, sleep: Callable[[float], None], interval: float = THREAD_PACE_SECONDS):
        self.sleep, self.interval, self.last = sleep, interval, time.monotonic()

    def wait(self) -> None:
        remaining = self.interval - (time.monotonic() - self.last)
        if remaining > 0:
            self.sleep(remaining)
        self.last = time.monotonic()


def _post_thread(
    client: WebClient, channel: str, ts: str, details: list[Message], pacer: _Pacer
) -> tuple[int, list[str]]:
    posted, failed = 0, []
    for detail in details:
        pacer.wait()
        try:
            client.chat_postMessage(channel=channel, thread_ts=ts, **detail.to_dict())
            posted += 1
        except SlackApiError as error:  # the summary is out; say what is missing, go on
            reason = error.response.get("error", "error")
            log.warning("digest thread message %r failed: %s", detail.text, reason)
            failed.append(f"{detail.text}: {reason}")
    return posted, failed


def post_weekly_digest(
    *,
    session_factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    channel_id: str,
    now: datetime,
    since: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    metadata: dict | None = None,
) -> PostedDigest:
    """Post the weekly summary with chat.postMessage, then each detail in its thread."""
    with session_factory() as session:
        workspace = session.get(Workspace, workspace_id)
        digest = weekly_digest(session=session, workspace=workspace, now=now, since=since)
    summary, details = weekly_digest_messages(digest)
    pacer = _Pacer(sleep)
    # `metadata` lets the clock find this post again if Slack's answer is lost.
    posted = post_message(client, channel=channel_id, metadata=metadata, **summary.to_dict())
    channel, ts = posted["channel"], posted["ts"]
    count, failed = _post_thread(client, channel, ts, details, pacer)
    return PostedDigest(channel=channel, ts=ts, thread_count=count, failed=tuple(failed))


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


def post_quarterly_digest(
    *,
    session_factory: sessionmaker[Session],
    client: WebClient,
    workspace_id: int,
    channel_id: str,
    now: datetime,
    period_label: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    metadata: dict | None = None,
) -> PostedDigest:
    """Post the quarterly summary, its details in the thread, then the metrics chart there."""
    with session_factory() as session:
        workspace = session.get(Workspace, workspace_id)
        digest = quarterly_digest(
            session=session, workspace=workspace, period_label=period_label, now=now
        )
    summary, details = quarterly_digest_messages(digest)
    pacer = _Pacer(sleep)
    # `metadata` lets the clock find this post again if Slack's answer is lost.
    posted = post_message(client, channel=channel_id, metadata=metadata, **summary.to_dict())
    channel, ts = posted["channel"], posted["ts"]
    count, failed = _post_thread(client, channel, ts, details, pacer)
    png = chart_png(digest)
    if png is not None:
        pacer.wait()
        try:
            client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                content=png,
                filename=chart_filename(digest.period),
                title=f"{digest.period}: metrics against their targets",
                alt_txt=f"Readings of {len(digest.series)} metrics over {digest.period}",
            )
            count += 1
        except SlackApiError as error:
            reason = error.response.get("error", "error")
            log.warning("digest chart upload failed: %s", reason)
            failed.append(f"chart: {reason}")
    return PostedDigest(channel=channel, ts=ts, thread_count=count, failed=tuple(failed))
