"""The metric commands: metrics (list), metric <name> <value> (record), metric add (form)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.flows import metrics as flows
from bot.flows.commands import (
    AddMetric,
    ExplainMetric,
    ListMetrics,
    MetricSourceCommand,
    RecordMetric,
    RefreshMetric,
)
from bot.services.measured_by import SETTABLE
from handlers.grammar.errors import CommandError, shown
from handlers.grammar.registry import command
from handlers.grammar.tokens import Args, Token

GROUP = "Metrics"
_VALUE = re.compile(
    r"(?P<sign>[-+−]?)"
    r"(?:(?P<grouped>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,9})?)"
    r"|(?P<plain>[0-9]{1,15}(?:[.,][0-9]{1,9})?|[.,][0-9]{1,9}))"
    r"(?P<unit>%|/[0-9]{1,6}(?:[.,][0-9]{1,3})?|/[^\W\d_]{1,20}|[^\W\d_]{1,20})?"
)
_UNIT_WORD = re.compile(r"%|[^\W\d_]{1,20}")
_UNITS = {
    "%": "%",
    "pct": "%",
    "percent": "%",
    "ms": "ms",
    "msec": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "s": "seconds",
    "sec": "seconds",
    "secs": "seconds",
    "second": "seconds",
    "seconds": "seconds",
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}
_PER = {"d": "day", "days": "day", "wk": "week", "w": "week", "weeks": "week", "hr": "hour"}
_PER.update({"h": "hour", "hours": "hour", "mo": "month", "months": "month"})
_VALUE_HINT = "give a number like 99.95, 180ms or 87.2%"
_ADD_WORDS = frozenset({"add", "new", "create"})
_SOURCE_WORDS = frozenset({"source", "refresh"})
_OFF = frozenset({"off", "none", "manual", "people"})
# `metric source <name> <source>`: what measures it (the bot's own sources and the tools').
_MEASURED_BY = {str(s): str(s) for s in SETTABLE if s not in _OFF}
_MEASURED_BY.update({"checkin": "checkins", "check-ins": "checkins", "ritual": "rituals"})
_MEASURED_BY.update({"goal": "goals", "tool": "tools", "survey": "pulse"})
_SOURCE_CHOICES = "|".join(SETTABLE)
# Quotes a Slack client may have made smart, inside a query: PromQL wants straight ones.
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


def _unit(text: str) -> str:
    if text.startswith("/"):
        per = text[1:].casefold().replace(",", ".")
        return "/" + _PER.get(per, per)
    return _UNITS.get(text.casefold(), text.casefold())


def _number(match: re.Match[str]) -> float:
    sign = -1.0 if match["sign"] in ("-", "−") else 1.0
    if match["grouped"]:
        return sign * float(match["grouped"].replace(",", ""))
    return sign * float(match["plain"].replace(",", "."))


def _value(tokens: Sequence[Token]) -> tuple[float, str | None, int]:
    """The value at the end of the tokens, its unit, and where the metric's name ends."""
    last = tokens[-1]
    match = _VALUE.fullmatch(last.text) if last.kind == "word" else None
    if match:
        unit = match["unit"]
        return _number(match), _unit(unit) if unit else None, len(tokens) - 1
    if len(tokens) >= 2 and last.kind == "word" and _UNIT_WORD.fullmatch(last.text):
        before = tokens[-2]
        if before.key == "per" and len(tokens) >= 3:
            number = _VALUE.fullmatch(tokens[-3].text)
            if number and not number["unit"] and tokens[-3].kind == "word":
                return _number(number), _unit("/" + last.text), len(tokens) - 3
        number = _VALUE.fullmatch(before.text) if before.kind == "word" else None
        if number and not number["unit"]:
            return _number(number), _unit(last.text), len(tokens) - 2
    if len(tokens) == 1:
        raise CommandError(
            f"What is the value of `{shown(last.text)}`? "
            f"E.g. `/roadmap metric {shown(last.text)} 42`."
        )
    raise CommandError(f"`{shown(last.text)}` is not a metric value; {_VALUE_HINT}.")


def _is_subcommand(tokens: Sequence[Token]) -> bool:
    """`metric source …` / `metric refresh …`, not a metric called "source" given a value."""
    if tokens[0].key not in _SOURCE_WORDS or len(tokens) < 2:
        return False
    return not (len(tokens) == 2 and tokens[1].kind == "word" and _VALUE.fullmatch(tokens[1].text))


def _query(text: str) -> str:
    return text.translate(_SMART_QUOTES).replace('\\"', '"').strip()


def _source(args: Args) -> MetricSourceCommand | RefreshMetric:
    tokens = args.tokens
    if tokens[0].key == "refresh":
        return RefreshMetric(args.text(1))
    last = tokens[-1]
    if last.key in _OFF and len(tokens) > 2:
        return MetricSourceCommand(args.text(1, -1), off=True)
    source = _MEASURED_BY.get(last.key) if last.kind == "word" else None
    if source is not None and len(tokens) > 2:
        return MetricSourceCommand(args.text(1, -1), measured_by=source)
    keyword = next((i for i, t in enumerate(tokens) if i >= 2 and t.key == "prometheus"), None)
    if keyword is None:
        return MetricSourceCommand(args.text(1))
    query = _query(args.text(keyword + 1))
    if not query:
        raise CommandError(
            "Which query? Give it in quotes, e.g. "
            '`/roadmap metric source uptime prometheus "avg_over_time(up[1d]) * 100"`.'
        )
    return MetricSourceCommand(args.text(1, keyword), query=query)


@command(
    "metrics",
    aliases=("kpis",),
    usage=("/roadmap metrics",),
    examples=("/roadmap metrics",),
    group=GROUP,
    flow=flows.list_metrics,
)
def parse_metrics(args: Args) -> ListMetrics:
    """List the team's metrics with their latest values and targets."""
    if args.tokens:
        raise CommandError(
            "`/roadmap metrics` lists the metrics and takes nothing more.",
            suggestion=f"To record a value, try `/roadmap metric {shown(args.text())}`.",
        )
    return ListMetrics()


@command(
    "metric",
    aliases=("kpi",),
    usage=(
        "/roadmap metric <name> <value>[unit]",
        "/roadmap metric <name>",
        "/roadmap metric add",
        f'/roadmap metric source <name> [{_SOURCE_CHOICES} | prometheus "<PromQL>" | off]',
        "/roadmap metric refresh <name>",
    ),
    examples=(
        "/roadmap metric uptime 99.95",
        "/roadmap metric api response time 180ms",
        "/roadmap metric mttr 1.5h",
        "/roadmap metric coverage 87,2%",
        "/roadmap metric satisfaction 4.6/5",
        "/roadmap metric deploys 3/day",
        "/roadmap metric add",
        '/roadmap metric source uptime prometheus "avg_over_time(probe_success[1d]) * 100"',
        "/roadmap metric source uptime",
        "/roadmap metric source uptime off",
        "/roadmap metric source employee satisfaction pulse",
        "/roadmap metric source innovation projects manual",
        "/roadmap metric refresh uptime",
        "/roadmap metric satisfaction",
    ),
    group=GROUP,
    flow=flows.metric,
)
def parse_metric(
    args: Args,
) -> RecordMetric | AddMetric | MetricSourceCommand | RefreshMetric | ExplainMetric:
    """Record a metric's latest value, or add a metric with `/roadmap metric add`. With only
    a name, say where the metric's number comes from (typed, or measured by the bot).

    The name may be several words; the value is a number (a decimal comma works), optionally
    with a unit: `180ms`, `45m` (minutes), `1.5h`, `87.2%`, `4.6/5`, `3/day`. Admins read a
    metric from Prometheus every day at 06:00 with `metric source <name> prometheus "<PromQL>"`
    (`metric source <name>` shows it, `off` stops it, `metric refresh <name>` reads it now).
    What measures a metric is chosen from its name when it is added; admins change it with
    `metric source <name> pulse|roster|checkins|goals|rituals|tools|manual`.
    """
    tokens = args.tokens
    if not tokens:
        raise CommandError(
            "Which metric, and what value? E.g. `/roadmap metric uptime 99.95`.",
            suggestion="To see the metrics, use `/roadmap metrics`.",
        )
    if len(tokens) == 1 and tokens[0].key in _ADD_WORDS:
        return AddMetric()
    if len(tokens) == 1 and tokens[0].key in _SOURCE_WORDS:
        raise CommandError(
            f"Which metric? E.g. `/roadmap metric {tokens[0].key} uptime`.",
            usage=f"/roadmap metric {tokens[0].key} <name>",
        )
    if _is_subcommand(tokens):
        return _source(args)
    try:
        value, unit, name_end = _value(tokens)
    except CommandError as error:
        # No value: say where the metric's number comes from (issue 20, team metrics).
        return ExplainMetric(args.text().rstrip(":= ").strip(), error.message)
    name = args.text(0, name_end).rstrip(":= ").strip()
    if not name:
        raise CommandError(
            f"Which metric is `{shown(args.text())}` for? E.g. `/roadmap metric uptime 99.95`."
        )
    return RecordMetric(name, value, unit)
