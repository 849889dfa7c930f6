"""GET /metrics: off without METRICS_TOKEN, bearer-protected with it, and counting requests,
webhooks, Slack calls, deliveries and the clock's ticks; summed across gunicorn's workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.scheduling.tick import tick
from tests.conftest import SIGNING_SECRET, with_settings
from tests.harness import AppServer, SlackDriver, http_request, run_command
from tests.test_processes import _free_port, _wait_for_health
from tests.test_scheduling import no_pacing

TOKEN = "metrics-" + "x" * 24


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of an exposition, by name and sorted labels (parsed by prometheus-client)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(url: str, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http_request(f"{url}/metrics", headers=headers)


@pytest.fixture
def metered_app(settings, slack):
    """The app as `serve` builds it, with METRICS_TOKEN set."""
    from bot.app import create_app
    from bot.runtime import Runtime
    from bot.scheduling.pacing import Pacer
    from bot.web import create_wsgi_app

    settings = with_settings(settings, metrics_token=TOKEN)
    runtime = Runtime.from_settings(settings)
    runtime.pacer = Pacer(per_channel=0, per_workspace=0)
    with AppServer(create_wsgi_app(create_app(settings, runtime), runtime)) as server:
        driver = SlackDriver(server.url, SIGNING_SECRET, slack.fake, slack.team_id)
        driver.runtime = runtime
        yield driver
    runtime.close()


def test_metrics_are_off_without_a_token(running_app):
    result = scrape(running_app.app_url)
    assert result.status == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_metrics_count_requests_webhooks_slack_calls_and_ticks(metered_app, slack):
    url = metered_app.app_url
    assert scrape(url, None).status == 401
    assert scrape(url, "wrong").status == 401
    before = samples(scrape(url).text)

    for _ in range(3):
        assert http_request(f"{url}/healthz").status == 200
    assert http_request(f"{url}/api/v1/openapi.json").status == 200
    assert (
        http_request(f"{url}/api/v1/hooks/github/nosuch", data=b"{}", method="POST").status == 404
    )
    outcome = run_command(metered_app, "away", user_id=slack.alice, channel_id=slack.channel)
    assert outcome.status == 200
    tick(metered_app.runtime, now=datetime.now(UTC), pacer=no_pacing())

    result = scrape(url)
    assert result.status == 200
    assert result.headers["Content-Type"].startswith("text/plain")
    after = samples(result.text)

    def grew(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("roadmap_http_requests_total", surface="health", status="200") == 3
    assert grew("roadmap_http_requests_total", surface="api", status="200") == 1
    assert grew("roadmap_http_requests_total", surface="hooks", status="404") == 1
    assert grew("roadmap_http_requests_total", surface="slack", status="200") == 1
    assert grew("roadmap_http_request_duration_seconds_count", surface="health") == 3
    assert grew("roadmap_webhooks_total", kind="github", outcome="rejected") == 1
    # The command's listener asked Slack who alice is.
    assert grew("roadmap_slack_api_calls_total", method="users.info", error="ok") >= 1
    last_tick = value(after, "roadmap_clock_last_tick_timestamp_seconds")
    assert abs(last_tick - datetime.now(UTC).timestamp()) < 60


def test_slack_errors_and_429s_are_counted(settings, slack):
    from bot import telemetry
    from bot.runtime import make_web_client

    before = samples(telemetry.exposition()[0].decode())
    client = make_web_client(settings, slack.bot_token)
    slack.fake.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(Exception, match="channel_not_found"):
        client.chat_postMessage(channel="CNOPE", text="hi")
    slack.fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=0)
    client.chat_postMessage(channel=slack.channel, text="hi")  # retried after the 429
    after = samples(telemetry.exposition()[0].decode())

    def grew(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    error = "channel_not_found"
    assert grew("roadmap_slack_api_calls_total", method="chat.postMessage", error=error) == 1
    assert grew("roadmap_slack_api_calls_total", method="chat.postMessage", error="ok") == 1
    assert grew("roadmap_slack_rate_limited_total", method="chat.postMessage") == 1


@pytest.mark.slow
def test_gunicorn_workers_add_up_in_one_exposition(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "METRICS_TOKEN": TOKEN,
            "WEB_CONCURRENCY": "3",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(f"{url}/healthz", process)
        for _ in range(30):
            assert http_request(f"{url}/healthz").status == 200
        answers = set()
        for _ in range(6):  # whichever worker answers, it reports every worker's requests
            text = scrape(url).text
            answers.add(
                value(samples(text), "roadmap_http_requests_total", surface="health", status="200")
            )
        # 30 plus the polls of start-up, the same in every answer.
        assert len(answers) == 1 and answers.pop() >= 30
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
