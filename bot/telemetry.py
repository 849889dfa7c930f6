"""The bot's own metrics, for operators to alert on: `GET /metrics` in Prometheus's exposition
format (prometheus-client), served only when METRICS_TOKEN is set, and then only to
`Authorization: Bearer <METRICS_TOKEN>`.

- roadmap_http_requests_total{surface,status} and roadmap_http_request_duration_seconds{surface}
  (surface: slack, api, hooks, health, metrics, other)
- roadmap_webhooks_total{kind,outcome} (recorded, handled, ignored, rejected)
- roadmap_deliveries_total{outcome} (sent, failed, retrying, uncertain, recovered, missed)
- roadmap_slack_api_calls_total{method,error} (error "ok" for a success) and
  roadmap_slack_rate_limited_total{method} (every 429 Slack answered)
- roadmap_clock_last_tick_timestamp_seconds (when the clock last finished a pass)

Under gunicorn each worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set (`serve`
sets one when METRICS_TOKEN is set) every process writes its samples there and `/metrics`
adds them up, whichever worker answers. prometheus-client picks its mode when it is first
imported, so it is imported here lazily, after `serve` has set the directory. Run the clock
with the same PROMETHEUS_MULTIPROC_DIR for its last tick to show on the web's `/metrics`.
"""

from __future__ import annotations

import hmac
import os
import shutil
import tempfile
import threading
from types import SimpleNamespace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.slack_http import PooledWebClient

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
SURFACES = ("slack", "api", "hooks", "health", "metrics", "other")
HOOK_KINDS = frozenset({"github", "gitlab", "alertmanager"})

_lock = threading.Lock()
_metrics: SimpleNamespace | None = None


def _instruments() -> SimpleNamespace:
    global _metrics
    if _metrics is not None:
        return _metrics
    with _lock:
        if _metrics is None:
            from prometheus_client import Counter, Gauge, Histogram

            _metrics = SimpleNamespace(
                requests=Counter(
                    "roadmap_http_requests_total",
                    "HTTP requests answered, by surface and status code.",
                    ["surface", "status"],
                ),
                latency=Histogram(
                    "roadmap_http_request_duration_seconds",
                    "Time to answer an HTTP request, by surface.",
                    ["surface"],
                ),
                webhooks=Counter(
                    "roadmap_webhooks_total",
                    "Webhooks received from GitHub, GitLab and Alertmanager, by outcome.",
                    ["kind", "outcome"],
                ),
                deliveries=Counter(
                    "roadmap_deliveries_total",
                    "Scheduled and manual deliveries, by outcome.",
                    ["outcome"],
                ),
                slack_calls=Counter(
                    "roadmap_slack_api_calls_total",
                    "Slack Web API calls, by method and error (ok for a success).",
                    ["method", "error"],
                ),
                rate_limited=Counter(
                    "roadmap_slack_rate_limited_total",
                    "HTTP 429 answers from Slack, by method.",
                    ["method"],
                ),
                last_tick=Gauge(
                    "roadmap_clock_last_tick_timestamp_seconds",
                    "Unix time at which the clock last finished a pass.",
                    multiprocess_mode="mostrecent",
                ),
            )
    return _metrics


# -- recording ---------------------------------------------------------------------------------


def surface_of(path: str) -> str:
    if path.startswith("/slack/"):
        return "slack"
    if path.startswith("/api/v1/hooks/"):
        return "hooks"
    if path.startswith("/api/"):
        return "api"
    if path == "/healthz":
        return "health"
    if path == "/metrics":
        return "metrics"
    return "other"


def observe_request(surface: str, status: str, seconds: float) -> None:
    m = _instruments()
    m.requests.labels(surface, status).inc()
    m.latency.labels(surface).observe(seconds)


def count_webhook(kind: str, outcome: str) -> None:
    _instruments().webhooks.labels(kind if kind in HOOK_KINDS else "unknown", outcome).inc()


def count_deliveries(outcome: str, amount: int) -> None:
    if amount:
        _instruments().deliveries.labels(outcome).inc(amount)


def count_slack_call(method: str, error: str) -> None:
    _instruments().slack_calls.labels(method, error).inc()


def count_rate_limited(method: str) -> None:
    _instruments().rate_limited.labels(method).inc()


def mark_tick(timestamp: float) -> None:
    _instruments().last_tick.set(timestamp)


class CountingWebClient(PooledWebClient):
    """A WebClient that counts its calls by method and outcome (every call goes through
    api_call), over the process's kept-alive connections (bot.slack_http)."""

    def api_call(self, api_method: str, **kwargs: Any):  # type: ignore[override]
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            code = str(error.response.get("error") or "error")
            count_slack_call(api_method, code[:64])
            if getattr(error.response, "status_code", None) == 429:
                count_rate_limited(api_method)
            raise
        except Exception:
            count_slack_call(api_method, "exception")
            raise
        count_slack_call(api_method, "ok")
        return response


def counting(client: WebClient) -> WebClient:
    """The same client, counting its calls (Bolt makes a plain WebClient per request)."""
    if isinstance(client, CountingWebClient):
        return client
    return CountingWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )


class CountingRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after its Retry-After, as slack_sdk's does, counting each one."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        retry = super()._can_retry(state=state, request=request, response=response, error=error)
        if retry:
            count_rate_limited(request.url.rsplit("/", 1)[-1].split("?", 1)[0])
        return retry


# -- serving -----------------------------------------------------------------------------------


def authorized(environ: dict, token: str) -> bool:
    header = environ.get("HTTP_AUTHORIZATION", "").strip()
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def exposition() -> tuple[bytes, str]:
    """The metrics of every process (multiprocess mode) or of this one, and their media type."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    _instruments()
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def prepare_multiprocess() -> str | None:
    """Before gunicorn forks: a fresh PROMETHEUS_MULTIPROC_DIR unless one is set. Returns the
    directory this call made (to remove at exit), or None."""
    if os.environ.get(MULTIPROC_ENV):
        return None
    directory = tempfile.mkdtemp(prefix="roadmap-bot-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    return directory


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit: drop the live gauges of a worker that is gone."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def remove_directory(directory: str | None) -> None:
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
