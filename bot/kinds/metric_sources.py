"""Metric sources: every day at the workspace's 06:00, read each metric bound to a PromQL
query and record the value (source `prometheus`). A query that gives no single number records
nothing; the admins hear of it by DM, once a day.

The schedule is added with a workspace's first binding (`/roadmap metric source … prometheus`).
The queries run outside any transaction; each value is then recorded under a key of the
binding and the day, so a retried delivery records nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.blocks.message import Message, section
from bot.blocks.tool_metrics import prometheus_errors_notice
from bot.kinds.base import Kind, Previewing, Sending, Sent
from bot.scheduling.dispatch import Call, Job
from bot.services import prometheus
from bot.services.periods import workspace_today
from models import Member, Metric, MetricSource, ScheduleKind, Workspace


def _admins(session, workspace: Workspace) -> list[str]:
    return list(workspace.admin_user_ids or []) or list(
        session.scalars(
            select(Member.user_id).where(
                Member.workspace_id == workspace.id, Member.is_slack_admin.is_(True)
            )
        )
    )


def send(sending: Sending) -> Job:
    now = sending.now
    with sending.factory() as session:
        workspace = session.get(Workspace, sending.workspace_id)
        server = prometheus.server_of(workspace)
        pending = [
            (metric.id, source.id, source.query)
            for metric, source in prometheus.bindings_of(session, workspace.id)
        ]
    answers = [
        (
            metric_id,
            source_id,
            *prometheus.run_query(
                server, query, now, prometheus.CLOCK_TIMEOUT, prometheus.query_value
            ),
        )
        for metric_id, source_id, query in pending
    ]
    with sending.factory() as session, session.begin():
        workspace = session.get(Workspace, sending.workspace_id)
        day = workspace_today(workspace, now).isoformat()
        evaluations = []
        for metric_id, source_id, value, error in answers:
            metric, source = session.get(Metric, metric_id), session.get(MetricSource, source_id)
            if metric is None or source is None:  # unbound meanwhile
                continue
            evaluations.append(
                prometheus.store_result(
                    session,
                    workspace,
                    metric,
                    source,
                    value,
                    error,
                    now,
                    idempotency_key=f"prometheus:{source_id}:{day}",
                )
            )
        failed = prometheus.errors_to_report(session, workspace, evaluations, now)
        admins = _admins(session, workspace) if failed else []
    if failed:
        message = prometheus_errors_notice(failed)
        client = sending.client
        for admin in admins:
            try:
                yield Call(
                    admin,
                    sending.team_id,
                    lambda a=admin: client.chat_postMessage(channel=a, **message.to_dict()),
                )
            except SlackApiError:  # the readings are recorded; one admin's DM is not worth more
                continue
    read = sum(1 for e in evaluations if e.error is None)
    return Sent(note=f"{read} of {len(evaluations)} read from Prometheus")


def preview(previewing: Previewing) -> Message:
    bound = prometheus.bindings_of(previewing.session, previewing.workspace.id)
    names = ", ".join(metric.name for metric, _source in bound) or "no metric yet"
    text = f"Reads from Prometheus: {names}. Failing queries are told to the admins."
    return Message(text=text, blocks=[section(text)])


KIND = Kind(
    name=ScheduleKind.METRIC_SOURCES,
    label="Metric readings from Prometheus",
    send=send,
    preview=preview,
    # The latest 06:00 is worth reading however late the clock comes back the same day.
    missed_after=timedelta(hours=24),
    needs_channel=False,
)
