"""Metrics read from Prometheus: the workspace's server, each metric's PromQL query, and
evaluating them through the HTTP API (`GET /api/v1/query`, with httpx and timeouts).

A query must come back as one number: a vector with exactly one series, or a scalar. No
series, several, a range vector, NaN or an unreachable server is an error: kept on the binding
(shown by `/roadmap metric source <name>`, told to the admins once a day by the clock) and
never recorded as a reading.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import metrics, secrets
from bot.services.actors import Actor, require_admin
from bot.services.errors import InvalidInput, NotFound
from bot.services.periods import workspace_today
from models import (
    AuditEntry,
    MeasuredBy,
    Metric,
    MetricSource,
    Schedule,
    ScheduleKind,
    Workspace,
)

SOURCE = "prometheus"
DAILY_RULE = "every day 06:00"
INTERACTIVE_TIMEOUT = 5.0  # a person is waiting (and the flow's transaction is open)
CLOCK_TIMEOUT = 15.0
MAX_QUERY = 2000
SETTING_URL = "prometheus_url"
SETTING_TOKEN = "prometheus_token"  # sealed


class PrometheusError(Exception):
    """A query that gave no single number; `str()` is a sentence for an admin."""


@dataclass(frozen=True)
class Server:
    url: str
    token: str | None = None  # plain text, opened for the call


@dataclass(frozen=True)
class BindingView:
    metric_key: str
    metric_name: str
    unit: str | None
    query: str
    last_run_at: datetime | None = None
    last_value: float | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """One binding evaluated: a value recorded, or the error (nothing recorded)."""

    binding: BindingView
    value: float | None = None
    error: str | None = None
    recorded: bool = False


QueryFn = Callable[[Server, str, datetime, float], float]


# -- the HTTP API ------------------------------------------------------------------------------


def _number(text: object, query_label: str) -> float:
    try:
        value = float(text)  # Prometheus sends sample values as strings
    except (TypeError, ValueError):
        raise PrometheusError(f"{query_label} returned {str(text)[:40]!r}, not a number.") from None
    if not math.isfinite(value):
        raise PrometheusError(f"{query_label} returned {text}, not a number.")
    return value


def _labels(metric: dict) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items()))
    return "{" + inner + "}"


def query_value(server: Server, promql: str, at: datetime, timeout: float) -> float:
    """The single number `promql` gives at `at`, through `GET /api/v1/query`."""
    base = server.url.rstrip("/")
    headers = {"Accept": "application/json"}
    if server.token:
        headers["Authorization"] = f"Bearer {server.token}"
    try:
        response = httpx.get(
            f"{base}/api/v1/query",
            params={"query": promql, "time": f"{at.timestamp():.3f}"},
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
    except httpx.HTTPError as error:
        raise PrometheusError(
            f"Prometheus at {base} is unreachable ({type(error).__name__}: {error})."
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PrometheusError(
            f"Prometheus at {base} answered HTTP {response.status_code} without its JSON."
        )
    if body.get("status") != "success":
        detail = str(body.get("error") or body.get("errorType") or "unknown error")[:300]
        raise PrometheusError(f"Prometheus refused the query: {detail}")
    data = body.get("data") or {}
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar" and isinstance(result, list) and len(result) == 2:
        return _number(result[1], "The query")
    if kind != "vector" or not isinstance(result, list):
        raise PrometheusError(
            f"The query returns a {kind or 'nothing'}; it must give one number (wrap a range "
            "in avg_over_time(…) or similar)."
        )
    if not result:
        raise PrometheusError("The query returns no series: check its labels and the job.")
    if len(result) > 1:
        shown = ", ".join(_labels(s.get("metric") or {}) for s in result[:3])
        more = f" and {len(result) - 3} more" if len(result) > 3 else ""
        raise PrometheusError(
            f"The query returns {len(result)} series ({shown}{more}); aggregate them into one, "
            "e.g. with avg(…) or sum(…)."
        )
    sample = result[0].get("value") if isinstance(result[0], dict) else None
    if not isinstance(sample, list) or len(sample) != 2:
        raise PrometheusError("The query's answer has no sample value.")
    return _number(sample[1], "The query")


# -- the workspace's server --------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise InvalidInput(
            f"`{url[:100]}` is not a Prometheus URL; give its base, like https://prom.internal:9090."
        )
    return url.rstrip("/")


def server_of(workspace: Workspace) -> Server | None:
    settings = workspace.settings or {}
    url = settings.get(SETTING_URL)
    if not url:
        return None
    sealed = settings.get(SETTING_TOKEN)
    token = secrets.open_secret(sealed) if sealed else None
    return Server(url, token)


def server_view(workspace: Workspace) -> tuple[str | None, bool]:
    """The URL and whether a token is stored (never the token)."""
    settings = workspace.settings or {}
    return settings.get(SETTING_URL), bool(settings.get(SETTING_TOKEN))


def set_server(
    session: Session, workspace: Workspace, actor: Actor, url: str | None, token: str | None
) -> tuple[str | None, bool]:
    """Set the Prometheus URL (and bearer token, sealed); `url` None forgets both."""
    require_admin(workspace, actor, "set the Prometheus server")
    settings = dict(workspace.settings or {})
    settings.pop(SETTING_TOKEN, None)
    if url is None:
        settings.pop(SETTING_URL, None)
    else:
        settings[SETTING_URL] = _check_url(url)
        if token:
            settings[SETTING_TOKEN] = secrets.seal(token.strip())
    workspace.settings = settings
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id,
            action="prometheus.set" if url else "prometheus.off",
            target=None,
            details={"url": settings.get(SETTING_URL), "token": bool(token)},
        )
    )
    session.flush()
    return server_view(workspace)


# -- bindings ----------------------------------------------------------------------------------


def _binding(session: Session, workspace_id: int, metric_id: int) -> MetricSource | None:
    return session.scalar(
        select(MetricSource).where(
            MetricSource.workspace_id == workspace_id, MetricSource.metric_id == metric_id
        )
    )


def _view(metric: Metric, source: MetricSource) -> BindingView:
    return BindingView(
        metric_key=metric.key,
        metric_name=metric.name,
        unit=metric.unit,
        query=source.query,
        last_run_at=source.last_run_at,
        last_value=source.last_value,
        last_error=source.last_error,
    )


def get_binding(
    session: Session, workspace: Workspace, name: str
) -> tuple[Metric, BindingView | None]:
    metric = metrics.find_metric(session, workspace.id, name)
    source = _binding(session, workspace.id, metric.id)
    return metric, _view(metric, source) if source else None


def _ensure_schedule(session: Session, workspace: Workspace, now: datetime) -> None:
    """The daily schedule that evaluates the bindings (added with the first one)."""
    from bot.services.schedules import add_schedule

    exists = session.scalar(
        select(Schedule.id).where(
            Schedule.workspace_id == workspace.id, Schedule.kind == ScheduleKind.METRIC_SOURCES
        )
    )
    if exists is None:
        add_schedule(
            session=session,
            workspace=workspace,
            actor=None,
            now=now,
            kind=ScheduleKind.METRIC_SOURCES,
            rule=DAILY_RULE,
            source="default",
        )


def bind(
    session: Session, workspace: Workspace, actor: Actor, name: str, query: str, now: datetime
) -> BindingView:
    """Read the metric from `query` every day (replacing an earlier query)."""
    require_admin(workspace, actor, "bind metrics to Prometheus")
    query = " ".join(query.split())
    if not query:
        raise InvalidInput('Give the PromQL query in quotes, e.g. `prometheus "up * 100"`.')
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"A query may be at most {MAX_QUERY} characters.")
    metric = metrics.find_metric(session, workspace.id, name)
    source = _binding(session, workspace.id, metric.id)
    if source is None:
        source = MetricSource(
            workspace_id=workspace.id, metric_id=metric.id, kind=SOURCE, created_at=now
        )
        session.add(source)
    source.query = query
    source.created_by = actor.user_id
    source.last_run_at = source.last_value = source.last_error = None
    source.last_error_reported_on = None
    source.updated_at = now
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id,
            action="metric.source",
            target=metric.key,
            details={"prometheus": query},
        )
    )
    metric.measured_by, metric.measured_by_guessed = MeasuredBy.PROMETHEUS, False
    _ensure_schedule(session, workspace, now)
    session.flush()
    return _view(metric, source)


def unbind(session: Session, workspace: Workspace, actor: Actor, name: str) -> BindingView:
    require_admin(workspace, actor, "change where metrics come from")
    metric = metrics.find_metric(session, workspace.id, name)
    source = _binding(session, workspace.id, metric.id)
    if source is None:
        raise NotFound(f"{metric.name} is not read from Prometheus.")
    view = _view(metric, source)
    session.delete(source)
    metric.measured_by, metric.measured_by_guessed = MeasuredBy.MANUAL, False
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id,
            action="metric.source.off",
            target=metric.key,
        )
    )
    session.flush()
    return view


# -- evaluating --------------------------------------------------------------------------------


def bindings_of(session: Session, workspace_id: int) -> list[tuple[Metric, MetricSource]]:
    return [
        (metric, source)
        for metric, source in session.execute(
            select(Metric, MetricSource)
            .join(MetricSource, MetricSource.metric_id == Metric.id)
            .where(MetricSource.workspace_id == workspace_id, Metric.archived.is_(False))
            .order_by(Metric.position, Metric.id)
        ).all()
    ]


def run_query(
    server: Server | None, query: str, now: datetime, timeout: float, query_fn: QueryFn
) -> tuple[float | None, str | None]:
    """(value, None) or (None, error): nothing raised, nothing written."""
    if server is None:
        return None, "No Prometheus server is set: `/roadmap config prometheus <url>`."
    try:
        return query_fn(server, query, now, timeout), None
    except PrometheusError as error:
        return None, str(error)


def store_result(
    session: Session,
    workspace: Workspace,
    metric: Metric,
    source: MetricSource,
    value: float | None,
    error: str | None,
    now: datetime,
    *,
    idempotency_key: str | None = None,
) -> Evaluation:
    """Record a value as the metric's reading (source prometheus), or keep the error."""
    source.last_run_at = now
    recorded = False
    if value is not None:
        try:
            result = metrics.record_reading(
                session=session,
                workspace=workspace,
                actor=None,
                name=metric.key,
                value=value,
                unit=None,
                at=now,
                source=SOURCE,
                idempotency_key=idempotency_key,
            )
            recorded = result.recorded
        except InvalidInput as refused:  # e.g. 140 for a percentage
            value, error = None, f"The query returned a value the metric can't take: {refused}"
    if value is not None:
        source.last_value, source.last_error = value, None
    else:
        source.last_error = error
    session.flush()
    return Evaluation(_view(metric, source), value, error, recorded)


def refresh(
    session: Session,
    workspace: Workspace,
    actor: Actor,
    name: str,
    now: datetime,
    *,
    query_fn: QueryFn = query_value,
) -> Evaluation:
    """Evaluate one bound metric now (`/roadmap metric refresh <name>`)."""
    require_admin(workspace, actor, "refresh metrics from Prometheus")
    metric = metrics.find_metric(session, workspace.id, name)
    source = _binding(session, workspace.id, metric.id)
    if source is None:
        raise InvalidInput(
            f"{metric.name} is not read from anywhere; bind it with `/roadmap metric source "
            f'{metric.key} prometheus "<query>"`.'
        )
    value, error = run_query(server_of(workspace), source.query, now, INTERACTIVE_TIMEOUT, query_fn)
    return store_result(session, workspace, metric, source, value, error, now)


def errors_to_report(
    session: Session, workspace: Workspace, evaluations: list[Evaluation], now: datetime
) -> list[Evaluation]:
    """The failed evaluations the admins have not heard of today (now marked as told)."""
    today: date = workspace_today(workspace, now)
    fresh = []
    for evaluation in evaluations:
        if evaluation.error is None:
            continue
        metric = metrics.find_metric(session, workspace.id, evaluation.binding.metric_key)
        source = _binding(session, workspace.id, metric.id)
        if source is not None and source.last_error_reported_on != today:
            source.last_error_reported_on = today
            fresh.append(evaluation)
    session.flush()
    return fresh
