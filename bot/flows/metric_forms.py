"""The metric form (modal) of `/roadmap metric add`, submitted."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.replies import metric_added
from bot.flows.context import FlowContext
from bot.flows.outcome import Outcome
from bot.ids import Field
from bot.services import metrics

# Which input block shows a service's complaint about a field (the name's otherwise).
METRIC_FIELDS = {
    "name": Field.METRIC_NAME,
    "kind": Field.METRIC_KIND,
    "target": Field.METRIC_TARGET,
}
DEFAULT_FIELD = Field.METRIC_NAME


@dataclass(frozen=True)
class MetricFormSubmitted:
    name: str
    kind: str
    target: str  # as typed: "85", "85%", "0,5"
    comparator: str | None
    unit: str


def _number(text: str) -> float | None:
    if not text.strip():
        return None
    return float(text.strip().replace(",", ".").rstrip("%"))


def submit_metric_form(request: MetricFormSubmitted, ctx: FlowContext) -> Outcome:
    try:
        target = _number(request.target)
    except ValueError:
        return Outcome(errors={Field.METRIC_TARGET: "Give a number, e.g. 85."})
    result = metrics.add_metric(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        name=request.name,
        kind=request.kind or "technical",
        target=target,
        comparator=request.comparator,
        unit=request.unit.strip() or None,
    )
    return Outcome(reply=metric_added(result))
