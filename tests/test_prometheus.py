"""Metrics bound to PromQL, read through a real Prometheus server (Debian's `prometheus`).

The test serves a small exporter (prometheus-client) with known values on an ephemeral port,
starts Prometheus on loopback with a config of its own that scrapes it every second, and waits
(polling the query API, with a deadline) until the samples are in. Outside CI, without the
`prometheus` binary, these tests skip and say how to get it; in CI (CI=true) they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server
from sqlalchemy import select

from bot.scheduling.tick import tick
from bot.services import prometheus
from bot.services.actors import Actor
from models import Metric, MetricReading, MetricSource, Schedule, ScheduleKind, Workspace, utcnow
from tests.harness import run_command
from tests.test_scheduling import no_pacing

UPTIME_RATIO = 0.99953
UPTIME_QUERY = 'avg_over_time(probe_success_ratio{job="api"}[5m]) * 100'
STARTUP_DEADLINE = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found:
        return found
    reason = (
        "the `prometheus` server is not installed: `sudo apt-get install prometheus` (Debian, "
        "Ubuntu) or see the README's “Metrics from your tools”"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the Prometheus tests, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def exporter():
    """Known values on an ephemeral port, as any exporter would serve them."""
    registry = CollectorRegistry()
    ratio = Gauge(
        "probe_success_ratio", "Share of probes that succeeded.", ["job"], registry=registry
    )
    ratio.labels("api").set(UPTIME_RATIO)
    latency = Gauge("request_latency_seconds", "Latency.", ["instance"], registry=registry)
    latency.labels("a").set(0.18)
    latency.labels("b").set(0.22)
    port = _free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield f"127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def prometheus_url(exporter, tmp_path_factory):
    binary = _prometheus_binary()
    root = tmp_path_factory.mktemp("prometheus")
    config = root / "prometheus.yml"
    config.write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: api\n"
        "    static_configs:\n"
        f"      - targets: ['{exporter}']\n"
    )
    port = _free_port()
    log = (root / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={root / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_DEADLINE
    try:
        while True:  # until the exporter's samples can be queried
            if process.poll() is not None:
                pytest.fail(f"prometheus exited: {(root / 'prometheus.log').read_text()[-2000:]}")
            try:
                answer = httpx.get(
                    f"{url}/api/v1/query", params={"query": UPTIME_QUERY}, timeout=2
                ).json()
                if answer.get("data", {}).get("result"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("prometheus did not scrape the exporter in time")
            time.sleep(0.2)  # polling a server's start-up against a deadline, not a schedule
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def bound_key(session) -> str:
    return session.scalar(
        select(Metric.key).join(MetricSource, MetricSource.metric_id == Metric.id)
    )


def _query(url: str, promql: str) -> float:
    server = prometheus.Server(url)
    return prometheus.query_value(server, promql, utcnow(), 5.0)


def test_the_client_reads_one_number_and_names_every_other_answer(prometheus_url):
    assert _query(prometheus_url, UPTIME_QUERY) == pytest.approx(UPTIME_RATIO * 100)
    assert _query(prometheus_url, "scalar(sum(request_latency_seconds)) * 1000") == pytest.approx(
        400
    )
    cases = {
        "no_such_metric_here": "no series",
        "request_latency_seconds": "returns 2 series",
        "vector(0) / 0": "not a number",
        "request_latency_seconds[5m]": "returns a matrix",
        "sum(": "refused the query",
    }
    for query, complaint in cases.items():
        with pytest.raises(prometheus.PrometheusError, match=complaint):
            _query(prometheus_url, query)
    closed = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(prometheus.PrometheusError, match="unreachable"):
        _query(closed, "up")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bound_uptime_metric_reads_the_exporters_value_through_slack_and_the_clock(
    prometheus_url, running_app, roadmap, slack
):
    admin = slack.admin

    def command(text: str) -> str:
        outcome = run_command(running_app, text, user_id=admin, channel_id=slack.channel)
        assert outcome.status == 200
        return outcome.text

    assert (
        "Only roadmap admins"
        in run_command(
            running_app,
            f"config prometheus {prometheus_url}",
            user_id=slack.alice,
            channel_id=slack.channel,
        ).text
    )
    assert prometheus_url in command(f"config prometheus {prometheus_url}")
    shown = command(f'metric source uptime prometheus "{UPTIME_QUERY}"')
    assert "read from Prometheus" in shown and "Not evaluated yet" in shown
    with running_app.runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, roadmap)
        workspace.admin_user_ids = [admin]
        for schedule in session.scalars(select(Schedule)):
            schedule.enabled = schedule.kind == ScheduleKind.METRIC_SOURCES
            # bound yesterday: today's 06:00 has come, whatever the time now
            schedule.created_at = utcnow() - timedelta(days=1)

    report = tick(running_app.runtime, now=utcnow(), pacer=no_pacing())
    assert len(report.sent.sent) == 1, report.summary()
    with running_app.runtime.session_factory() as session:
        bound = session.scalar(select(MetricSource))
        assert bound.last_error is None and bound.last_value == pytest.approx(99.953), (
            bound.last_error
        )
        [reading] = session.scalars(
            select(MetricReading)
            .join(Metric, Metric.id == MetricReading.metric_id)
            .where(Metric.key == bound_key(session))
        ).all()
    assert (reading.value, reading.source) == (pytest.approx(99.953), "prometheus")
    assert "*99.95%*" in command("metric source uptime")

    # Now: a reading of its own (not keyed by the day).
    assert "Recorded System uptime = *99.95%* from Prometheus" in command("metric refresh uptime")

    # A query that gives several series records nothing and says why; the clock tells the
    # admins once a day.
    command('metric source uptime prometheus "request_latency_seconds"')
    refreshed = command("metric refresh uptime")
    assert "was not recorded" in refreshed and "returns 2 series" in refreshed
    with running_app.runtime.session_factory() as session, session.begin():
        session.execute(MetricSource.__table__.update().values(last_error_reported_on=None))
        for schedule in session.scalars(select(Schedule)):
            # Forget what was planned (the planner's watermark and next due time): plan again
            # from created_at.
            schedule.planned_until = schedule.next_due_at = None
            schedule.created_at = utcnow() - timedelta(days=2)
        from models import Delivery

        session.execute(Delivery.__table__.delete())
    tick(running_app.runtime, now=utcnow(), pacer=no_pacing())
    dms = [
        c
        for c in slack.fake.calls_to("chat.postMessage")
        if c.params.get("channel") == admin and "Prometheus" in json.dumps(c.params)
    ]  # (the sample roadmap has ended: the admin also hears that, once)
    assert len(dms) == 1 and "returns 2 series" in json.dumps(dms[0].params)
    with running_app.runtime.session_factory() as session:
        count = session.query(MetricReading).count()
        source = session.scalar(select(MetricSource))
    assert count == 2  # the clock's reading and the refresh's: nothing for the failures
    assert "returns 2 series" in source.last_error

    # Told once a day: the same day's failures are not told again.
    with running_app.runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, roadmap)
        _metric, view = prometheus.get_binding(session, workspace, "uptime")
        again = prometheus.Evaluation(view, error="still 2 series")
        assert prometheus.errors_to_report(session, workspace, [again], utcnow()) == []

    assert "no longer read from Prometheus" in command("metric source uptime off")
    assert "is typed by people" in command("metric source uptime")


def test_binding_rules(session_factory, prometheus_url):
    from bot.services import secrets
    from bot.services.errors import InvalidInput, NotFound, PermissionDenied
    from bot.services.workspaces import ensure_workspace
    from tests.conftest import SIGNING_SECRET

    secrets.configure(encryption_key=None, signing_secret=SIGNING_SECRET)
    admin = Actor("UADMIN", is_slack_admin=True)
    now = datetime(2025, 3, 5, 10, tzinfo=UTC)
    with session_factory() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id="TPROM")
        session.add(Metric(workspace_id=workspace.id, key="uptime", name="Uptime", unit="%"))
        session.flush()
        with pytest.raises(PermissionDenied):
            prometheus.bind(session, workspace, Actor("UNOBODY"), "uptime", "up", now)
        with pytest.raises(InvalidInput):
            prometheus.set_server(session, workspace, admin, "prom.internal:9090", None)
        with pytest.raises(NotFound):
            prometheus.unbind(session, workspace, admin, "uptime")
        with pytest.raises(InvalidInput, match="not read from anywhere"):
            prometheus.refresh(session, workspace, admin, "uptime", now)
        prometheus.bind(session, workspace, admin, "uptime", "up", now)
        # No server yet: an error, nothing recorded.
        result = prometheus.refresh(session, workspace, admin, "uptime", now)
        assert result.error.startswith("No Prometheus server is set")
        prometheus.set_server(session, workspace, admin, prometheus_url, "s3cret-token")
        assert workspace.settings["prometheus_token"] != "s3cret-token"  # sealed
        assert prometheus.server_of(workspace).token == "s3cret-token"
        # A value the metric cannot take (a percentage over 100) is an error, not a reading.
        prometheus.bind(session, workspace, admin, "uptime", UPTIME_QUERY + " * 2", now)
        over = prometheus.refresh(session, workspace, admin, "uptime", utcnow())
        assert "can't take" in over.error and over.value is None
        assert session.query(MetricReading).count() == 0
