"""Metrics from the team's tools: hooks (`/roadmap config hook …`), the Prometheus server
(`/roadmap config prometheus …`), and a metric's source (`/roadmap metric source|refresh …`).

Replies that show a secret are always private, whatever `share` says.
"""

from __future__ import annotations

from bot.blocks import team as team_blocks
from bot.blocks import tool_metrics as blocks
from bot.blocks.message import Message
from bot.flows.commands import CommandCall, MetricSourceCommand, RefreshMetric
from bot.flows.context import FlowContext
from bot.flows.outcome import Outcome
from bot.services import hooks, measured_by, metric_explain, prometheus, team_metrics
from bot.services.actors import require_admin
from bot.services.errors import InvalidInput, NotFound
from bot.services.measured_by import SETTABLE
from bot.services.metrics import find_metric
from models import MeasuredBy

HOOK_USAGE = (
    "/roadmap config hook github|gitlab|alertmanager create [environment | label=value…] "
    "| list | revoke <id>"
)


def hook_reply(ctx: FlowContext, values: tuple[str, ...]) -> Message:
    """`config hook <kind> create|list|revoke`, or `config hook list` (every kind)."""
    if not values or values[0] == "list":
        return blocks.hooks_list(hooks.list_hooks(ctx.session, ctx.workspace, ctx.actor))
    if len(values) < 2:
        raise InvalidInput(f"Create, list or revoke? Usage: {HOOK_USAGE}")
    kind, action, *rest = values
    if action == "create":
        created = hooks.create_hook(
            ctx.session, ctx.workspace, ctx.actor, kind, tuple(rest), now=ctx.now
        )
        return blocks.hook_created(created)
    if action == "list":
        return blocks.hooks_list(
            hooks.list_hooks(ctx.session, ctx.workspace, ctx.actor, kind), kind
        )
    if action == "revoke":
        if len(rest) != 1:
            raise InvalidInput(f"Which hook? Give its id. Usage: {HOOK_USAGE}")
        view = hooks.revoke_hook(ctx.session, ctx.workspace, ctx.actor, kind, rest[0], now=ctx.now)
        return blocks.hook_revoked(view)
    raise InvalidInput(f"I can't {action} a hook. Usage: {HOOK_USAGE}")


def prometheus_reply(ctx: FlowContext, values: tuple[str, ...]) -> Message:
    """`config prometheus` shows the server; `<url> [token]` sets it; `off` forgets it."""
    if not values:
        require_admin(ctx.workspace, ctx.actor, "see the Prometheus settings")
        return blocks.prometheus_config(*prometheus.server_view(ctx.workspace))
    if values == ("off",):
        url, has_token = prometheus.set_server(ctx.session, ctx.workspace, ctx.actor, None, None)
    else:
        token = values[1] if len(values) > 1 else None
        url, has_token = prometheus.set_server(
            ctx.session, ctx.workspace, ctx.actor, values[0], token
        )
    return blocks.prometheus_config(url, has_token)


def metric_source(call: CommandCall[MetricSourceCommand], ctx: FlowContext) -> Outcome:
    cmd = call.command
    if cmd.off or cmd.measured_by is not None:
        return _measured_by(cmd, ctx)
    server, _token = prometheus.server_view(ctx.workspace)
    if cmd.query is not None:
        view = prometheus.bind(ctx.session, ctx.workspace, ctx.actor, cmd.name, cmd.query, ctx.now)
        return Outcome(reply=blocks.binding(view.metric_name, view, server))
    try:
        metric, view = prometheus.get_binding(ctx.session, ctx.workspace, cmd.name)
    except NotFound:
        _not_a_source(ctx, cmd.name)
        raise
    if view is None:  # where its number comes from, and how to change that
        explained = metric_explain.explain(ctx.session, ctx.workspace, metric, ctx.now)
        return Outcome(reply=team_blocks.explanation(explained), share=call.share)
    return Outcome(reply=blocks.binding(metric.name, view, server), share=call.share)


def _not_a_source(ctx: FlowContext, name: str) -> None:
    """`metric source satisfaction banana`: when the words but the last name a metric, the
    last word is what is wrong (a source the bot does not know), not the metric."""
    head, _, last = name.rpartition(" ")
    if not head.strip():
        return
    try:
        metric = find_metric(ctx.session, ctx.workspace.id, head)
    except (NotFound, InvalidInput):
        return
    raise InvalidInput(
        f"`{last}` is not a source: {', '.join(SETTABLE)} (or off, or "
        '`prometheus "<PromQL>"`). `/roadmap metric source '
        f'{metric.name}` shows what measures "{metric.name}" now and how to change it.'
    )


def _measured_by(cmd: MetricSourceCommand, ctx: FlowContext) -> Outcome:
    """`metric source <name> pulse|…|tools`, or `off`/`manual`: typed by people again (a
    Prometheus query is unbound, its readings stay)."""
    s, ws = ctx.session, ctx.workspace
    if cmd.off:
        _metric, view = prometheus.get_binding(s, ws, cmd.name)
        if view is not None:
            return Outcome(
                reply=blocks.binding_removed(prometheus.unbind(s, ws, ctx.actor, cmd.name))
            )
    source = cmd.measured_by or MeasuredBy.MANUAL
    change = measured_by.set_measured_by(s, ws, ctx.actor, cmd.name, source)
    readings = []
    if source in team_metrics.AUTOMATIC_SOURCES:
        team_metrics.ensure_team_schedules(session=s, workspace=ws, now=ctx.now)
        readings = team_metrics.refresh(s, ws, ctx.now, sources=(source,))
    return Outcome(reply=team_blocks.source_set(change, readings))


def refresh_metric(call: CommandCall[RefreshMetric], ctx: FlowContext) -> Outcome:
    result = prometheus.refresh(ctx.session, ctx.workspace, ctx.actor, call.command.name, ctx.now)
    return Outcome(reply=blocks.evaluation(result))
