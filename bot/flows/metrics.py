"""Metric commands: list the metrics, record a reading, open the form to add a metric."""

from __future__ import annotations

from bot.blocks.modals import metric_modal
from bot.blocks.replies import metrics_list, reading_recorded
from bot.flows import tool_metrics
from bot.flows.commands import (
    AddMetric,
    CommandCall,
    ExplainMetric,
    ListMetrics,
    MetricSourceCommand,
    RecordMetric,
    RefreshMetric,
)
from bot.flows.context import FlowContext
from bot.flows.outcome import OpenView, Outcome
from bot.services import metrics, team_metrics

MetricCommand = RecordMetric | AddMetric | MetricSourceCommand | RefreshMetric | ExplainMetric


def list_metrics(call: CommandCall[ListMetrics], ctx: FlowContext) -> Outcome:
    views = metrics.list_metrics(session=ctx.session, workspace=ctx.workspace, now=ctx.now)
    return Outcome(reply=metrics_list(views), share=call.share)


def metric(call: CommandCall[MetricCommand], ctx: FlowContext) -> Outcome:
    """`/roadmap metric <name> <value>` records a reading; `/roadmap metric add` opens the form;
    `metric source …` and `metric refresh …` are about where readings come from."""
    cmd = call.command
    if isinstance(cmd, MetricSourceCommand):
        return tool_metrics.metric_source(call, ctx)
    if isinstance(cmd, RefreshMetric):
        return tool_metrics.refresh_metric(call, ctx)
    if isinstance(cmd, ExplainMetric):  # team metrics (issue 20): where the number comes from
        from bot.flows.team import explain_metric

        return explain_metric(call, ctx)
    if isinstance(cmd, AddMetric):
        return Outcome(effects=[OpenView(call.trigger_id, metric_modal())])
    result = metrics.record_reading(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        name=cmd.name,
        value=cmd.value,
        unit=cmd.unit,
        at=ctx.now,
    )
    measured = None
    if result.recorded:  # a metric the bot measures: say what it says, and for how long this stands
        found = metrics.find_metric(ctx.session, ctx.workspace.id, cmd.name)
        measured = team_metrics.measured_now(ctx.session, ctx.workspace, found, ctx.now)
    return Outcome(reply=reading_recorded(result, measured), share=call.share)
