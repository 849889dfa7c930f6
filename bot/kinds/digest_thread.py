"""What the weekly and quarterly digests share: a summary in the channel, the details and the
pictures in its thread, resumed where a cut run stopped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.message import Message
from bot.kinds.base import Sending, Sent
from bot.kinds.posting import post_message
from bot.scheduling.dispatch import Call, Job

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


def _posted_parts(replies: dict, metadata: dict | None, chart_names: set[str]) -> set[str]:
    """Which thread parts (and which charts, by file name) a resumed digest already posted."""
    parts: set[str] = set()
    wanted = (metadata or {}).get("event_payload", {})
    for reply in replies.get("messages", []):
        payload = (reply.get("metadata") or {}).get("event_payload") or {}
        if wanted and all(payload.get(k) == v for k, v in wanted.items()) and "part" in payload:
            parts.add(payload["part"])
        for file in reply.get("files", []):
            if file.get("name") in chart_names:
                parts.add("chart:" + file["name"])
    return parts


def digest_calls(
    *,
    client: WebClient,
    channel_id: str,
    team_id: str,
    summary: Message,
    details: list[Message],
    charts: list[dict] | None = None,
    metadata: dict | None = None,
    posted_ts: str | None = None,
    on_posted: Callable[[str], None] | None = None,
) -> Job:
    """The Slack calls of one digest: the summary (unless `posted_ts` says it is out), then
    each detail and each chart (files_upload_v2 arguments) in its thread, skipping parts a
    crashed run already posted.
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
        done = _posted_parts(replies, metadata, {c["filename"] for c in charts or ()})
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
    for chart in charts or ():
        parts.append(
            (
                "chart:" + chart["filename"],
                chart["filename"],
                lambda c=chart: client.files_upload_v2(channel=channel, thread_ts=ts, **c),
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


def digest_job(calls: Callable[..., Job], sending: Sending) -> Job:
    """A scheduled digest: composed as of its due time, so a retry or a resumed thread tells
    the same week as the run that was cut; its summary's ts is recorded before the thread."""
    posted = yield from calls(
        session_factory=sending.factory,
        client=sending.client,
        workspace_id=sending.workspace_id,
        workspace=sending.workspace,
        channel_id=sending.channel,
        now=sending.event_at,
        metadata=sending.metadata,
        posted_ts=sending.posted_ts,
        on_posted=sending.record_ts,
    )
    if posted.failed:
        log.warning(
            "delivery %s: thread parts failed: %s", sending.delivery_id, "; ".join(posted.failed)
        )
    return Sent(ts=posted.ts)


def chart_uploads(d) -> list[dict]:
    """The digest's pictures (bot.services.charts.planned_charts) as files_upload_v2
    arguments: drawn here, once, from the same digest the messages were built from."""
    from bot.services.charts import draw, planned_charts

    return [
        {
            "content": draw(plan, d),
            "filename": plan.filename,
            "title": plan.title,
            "alt_txt": plan.alt,
        }
        for plan in planned_charts(d)
    ]
