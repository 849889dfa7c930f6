"""Webhooks from GitHub, GitLab and Alertmanager, and POST /api/v1/events, over real HTTP.

GitHub's own published example of `deployment_status` (tests/data, source in SOURCES.md) is
signed with the hook's secret as GitHub signs it; Alertmanager's payloads follow its documented
webhook format (version 4). Bad signatures, replays, unknown events and malformed bodies record
nothing.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.api.errors import ErrorCode
from bot.scheduling.tick import tick
from bot.services import hooks as hook_service
from models import MetricReading, Schedule, ScheduleKind, ToolEvent, Workspace
from tests.harness import HttpResult, http_request
from tests.test_metrics_api import ADMIN, assert_error, make_token, post, readings_of
from tests.test_scheduling import no_pacing

EXAMPLE = json.loads((Path(__file__).parent / "data" / "github_deployment_status.json").read_text())
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)  # week 10 of Q1 2025, the sample roadmap's quarter


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def api(running_app, roadmap):
    """The running app with the sample roadmap, and an API token for its workspace."""
    running_app.workspace_id = roadmap
    running_app.token = make_token(running_app.runtime, roadmap)
    return running_app


def make_hook(runtime, workspace_id: int, kind: str, *values: str) -> tuple[str, str]:
    """A new hook's URL path and secret, made as `/roadmap config hook <kind> create` does."""
    with runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, workspace_id)
        created = hook_service.create_hook(session, workspace, ADMIN, kind, values)
    return created.view.path, created.secret


def github_body(status_id: int, at: datetime, *, state="success", environment="production"):
    payload = copy.deepcopy(EXAMPLE)
    status = payload["deployment_status"]
    status.update(id=status_id, state=state, environment=environment)
    status["created_at"] = status["updated_at"] = at.isoformat().replace("+00:00", "Z")
    payload["deployment"]["environment"] = environment
    return json.dumps(payload).encode()


def send_github(
    app,
    path: str,
    secret: str,
    body: bytes,
    *,
    event: str = "deployment_status",
    delivery: str | None = None,
    signature: str | None = None,
    content_type: str = "application/json",
) -> HttpResult:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": signature if signature is not None else f"sha256={digest}",
        "User-Agent": "GitHub-Hookshot/test",
    }
    return http_request(f"{app.app_url}{path}", data=body, headers=headers, method="POST")


def alert(fingerprint: str, starts: datetime, ends: datetime | None, *, severity="critical"):
    return {
        "status": "resolved" if ends else "firing",
        "labels": {"alertname": "HighErrorRate", "severity": severity, "service": "api"},
        "annotations": {"summary": "The API's error rate is above 5%"},
        "startsAt": starts.isoformat().replace("+00:00", "Z"),
        "endsAt": (ends.isoformat().replace("+00:00", "Z") if ends else "0001-01-01T00:00:00Z"),
        "generatorURL": "http://prometheus:9090/graph?g0.expr=rate%28errors%5B5m%5D%29",
        "fingerprint": fingerprint,
    }


def alertmanager_body(*alerts: dict) -> bytes:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname="HighErrorRate"}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "roadmap-bot",
            "groupLabels": {"alertname": "HighErrorRate"},
            "commonLabels": {"alertname": "HighErrorRate"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": list(alerts),
        }
    ).encode()


def send_alerts(app, path: str, body: bytes, *, secret: str | None, query: str = "") -> HttpResult:
    headers = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.27.0"}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    url = f"{app.app_url}{path}{query}"
    return http_request(url, data=body, headers=headers, method="POST")


def counts(runtime) -> tuple[int, int]:
    """(tool events, metric readings) stored."""
    with runtime.session_factory() as session:
        events = session.scalar(select(func.count()).select_from(ToolEvent))
        readings = session.scalar(select(func.count()).select_from(MetricReading))
    return events, readings


# --- GitHub -----------------------------------------------------------------------------------


def test_ten_github_deploys_over_a_week_make_the_daily_verdict_and_the_digest_shows_it(api, slack):
    path, secret = make_hook(api.runtime, api.workspace_id, "github")
    deploys = [MONDAY + timedelta(days=day, hours=hour) for day in range(5) for hour in (10, 14)]
    for number, at in enumerate(deploys, start=1):
        result = send_github(api, path, secret, github_body(209916254 + number, at))
        assert result.status == 201, result.text
        assert result.json()["metric"] == "deployment-frequency"
    readings = readings_of(api.runtime, api.workspace_id, "deployment-frequency")
    assert [(r.value, r.source) for r in readings] == [(1, "github")] * 10
    assert [r.recorded_at for r in readings] == deploys

    friday = MONDAY + timedelta(days=4, hours=15)
    # The clock's weekly digest (Friday 15:00) shows the verdict and where it came from.
    with api.runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, api.workspace_id)
        workspace.roadmap_channel_id = slack.channel
        for schedule in session.scalars(select(Schedule)):
            schedule.enabled = schedule.kind == ScheduleKind.WEEKLY_DIGEST
            schedule.created_at = MONDAY - timedelta(days=30)
            schedule.options = {}
    report = tick(api.runtime, now=friday + timedelta(minutes=1), pacer=no_pacing())
    assert len(report.sent.sent) == 1, report.summary()
    posted = json.dumps(slack.fake.messages(slack.channel), ensure_ascii=False)
    assert (
        "*Deployment frequency* 10 deploys this week, on 5 of 5 working days (daily) ✓"
        " · via GitHub" in posted
    )


def test_github_replays_ping_and_events_it_does_not_use(api):
    path, secret = make_hook(api.runtime, api.workspace_id, "github")
    body = github_body(1, MONDAY)
    first = send_github(api, path, secret, body, delivery="d-1")
    assert first.status == 201
    # GitHub's redelivery: the same delivery id.
    again = send_github(api, path, secret, body, delivery="d-1")
    assert (again.status, again.json()) == (200, {"recorded": False, "duplicate": True})
    # The same deployment status through a second delivery (another hook on the org).
    other = send_github(api, path, secret, body, delivery="d-2")
    assert other.status == 200 and other.json()["recorded"] is False
    assert counts(api.runtime) == (1, 1)

    ping = send_github(
        api, path, secret, b'{"zen": "Keep it logically awesome.", "hook_id": 1}', event="ping"
    )
    assert (ping.status, ping.json()) == (200, {"ok": True, "event": "ping"})
    push = send_github(api, path, secret, b'{"ref": "refs/heads/main"}', event="push")
    assert push.status == 202 and push.json()["ignored"] is True
    pending = send_github(api, path, secret, github_body(2, MONDAY, state="in_progress"))
    assert pending.status == 202 and "in_progress" in pending.json()["reason"]
    staging = send_github(api, path, secret, github_body(3, MONDAY, environment="staging"))
    assert staging.status == 202 and "staging" in staging.json()["reason"]
    assert counts(api.runtime) == (1, 1)

    # GitHub's other content type: form-encoded `payload=<json>`.
    form = urlencode({"payload": github_body(4, MONDAY).decode()}).encode()
    result = send_github(api, path, secret, form, content_type="application/x-www-form-urlencoded")
    assert result.status == 201, result.text
    assert counts(api.runtime) == (2, 2)


def test_github_refusals_record_nothing(api):
    path, secret = make_hook(api.runtime, api.workspace_id, "github")
    body = github_body(7, MONDAY)
    wrong = hmac.new(b"not the secret", body, hashlib.sha256).hexdigest()
    bad = send_github(api, path, secret, body, signature=f"sha256={wrong}")
    assert "Secret" in assert_error(bad, 401, ErrorCode.INVALID_SIGNATURE)["message"]
    assert_error(
        send_github(api, path, secret, body, signature=""), 401, ErrorCode.INVALID_SIGNATURE
    )
    malformed = send_github(api, path, secret, b'{"deployment_status": ')
    assert_error(malformed, 400, ErrorCode.INVALID_JSON)
    shapeless = send_github(api, path, secret, b'{"deployment_status": "success"}')
    assert_error(shapeless, 400, ErrorCode.INVALID_REQUEST)
    no_time = json.loads(body)
    no_time["deployment_status"]["updated_at"] = no_time["deployment_status"]["created_at"] = "soon"
    assert_error(
        send_github(api, path, secret, json.dumps(no_time).encode()), 400, ErrorCode.INVALID_TIME
    )
    unknown = send_github(api, "/api/v1/hooks/github/nosuchhook", secret, body)
    assert_error(unknown, 404, ErrorCode.UNKNOWN_HOOK)
    assert_error(
        send_github(api, "/api/v1/hooks/jenkins/abc", secret, body), 404, ErrorCode.NOT_FOUND
    )
    assert counts(api.runtime) == (0, 0)

    # A revoked hook stops working at once.
    hook_id = path.rsplit("/", 1)[1]
    with api.runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, api.workspace_id)
        hook_service.revoke_hook(session, workspace, ADMIN, "github", hook_id)
    assert_error(send_github(api, path, secret, body), 404, ErrorCode.UNKNOWN_HOOK)
    assert counts(api.runtime) == (0, 0)


# --- GitLab -----------------------------------------------------------------------------------


def gitlab_body(deployment_id: int, *, status="success", environment="production") -> bytes:
    return json.dumps(
        {
            "object_kind": "deployment",
            "status": status,
            "status_changed_at": "2025-03-04 11:50:00 +0100",
            "deployment_id": deployment_id,
            "deployable_id": 796,
            "environment": environment,
            "project": {"id": 30, "name": "api", "path_with_namespace": "acme/api"},
            "short_sha": "279484c0",
        }
    ).encode()


def test_gitlab_deployment_events(api):
    path, secret = make_hook(api.runtime, api.workspace_id, "gitlab", "production")

    def send(body: bytes, token: str, uuid_: str | None = None) -> HttpResult:
        headers = {
            "Content-Type": "application/json",
            "X-Gitlab-Event": "Deployment Hook",
            "X-Gitlab-Token": token,
        }
        if uuid_:
            headers["X-Gitlab-Event-UUID"] = uuid_
        return http_request(f"{api.app_url}{path}", data=body, headers=headers, method="POST")

    assert_error(send(gitlab_body(15), "wrong"), 401, ErrorCode.INVALID_SIGNATURE)
    assert counts(api.runtime) == (0, 0)
    first = send(gitlab_body(15), secret, "u-1")
    assert first.status == 201, first.text
    assert send(gitlab_body(15), secret, "u-1").json()["duplicate"] is True
    assert send(gitlab_body(15), secret, "u-2").json()["recorded"] is False
    assert send(gitlab_body(16, status="running"), secret).status == 202
    assert send(gitlab_body(17, environment="review/x"), secret).status == 202
    [reading] = readings_of(api.runtime, api.workspace_id, "deployment-frequency")
    assert reading.source == "gitlab"
    assert reading.recorded_at == datetime(2025, 3, 4, 10, 50, tzinfo=UTC)


# --- Alertmanager -----------------------------------------------------------------------------


def test_three_alertmanager_incidents_make_the_mttr_reading(api):
    path, secret = make_hook(api.runtime, api.workspace_id, "alertmanager")
    durations = [timedelta(minutes=30), timedelta(minutes=60), timedelta(minutes=120)]
    starts = [MONDAY + timedelta(days=n, hours=9) for n in range(3)]
    replies = []
    for n, (start, duration) in enumerate(zip(starts, durations, strict=True)):
        firing = send_alerts(
            api, path, alertmanager_body(alert(f"fp{n}", start, None)), secret=secret
        )
        assert firing.status == 200 and firing.json()["opened"] == 1, firing.text
        # Alertmanager re-sends a firing group every repeat_interval.
        again = send_alerts(
            api, path, alertmanager_body(alert(f"fp{n}", start, None)), secret=secret
        )
        assert again.json()["opened"] == 0
        resolved = alertmanager_body(alert(f"fp{n}", start, start + duration))
        replies.append(send_alerts(api, path, resolved, secret=secret).json())
        assert replies[-1]["resolved"] == 1
        # ...and re-sends the resolved one too.
        assert send_alerts(api, path, resolved, secret=secret).json()["resolved"] == 0
    readings = readings_of(api.runtime, api.workspace_id, "mean-time-to-recovery")
    assert len(readings) == 3 and {r.source for r in readings} == {"alertmanager"}
    last = readings[-1]
    # The metric is in hours (<1 hour): (0.5 + 1 + 2) / 3.
    assert last.value == pytest.approx(70 / 60, abs=1e-6)
    assert last.note == "mean of 3 incidents since 1 Jan (median 1 hour)"
    assert replies[-1]["readings"][0]["note"] == last.note
    assert readings[0].value == pytest.approx(0.5)

    # Only alerts matching the filter (severity=critical) are incidents.
    warning = alert("fp-warn", MONDAY, MONDAY + timedelta(hours=5), severity="warning")
    result = send_alerts(api, path, alertmanager_body(warning), secret=secret).json()
    assert (result["alerts"], result["matched"], result["resolved"]) == (1, 0, 0)
    assert len(readings_of(api.runtime, api.workspace_id, "mean-time-to-recovery")) == 3


def test_alertmanager_auth_and_bad_bodies(api):
    path, secret = make_hook(api.runtime, api.workspace_id, "alertmanager", "any")
    body = alertmanager_body(alert("fpx", MONDAY, MONDAY + timedelta(minutes=10), severity="info"))
    assert_error(send_alerts(api, path, body, secret="nope"), 401, ErrorCode.INVALID_SIGNATURE)
    assert_error(send_alerts(api, path, body, secret=None), 401, ErrorCode.INVALID_SIGNATURE)
    assert_error(send_alerts(api, path, b"[1, 2", secret=secret), 400, ErrorCode.INVALID_JSON)
    old = json.loads(body)
    old["version"] = "3"
    assert_error(
        send_alerts(api, path, json.dumps(old).encode(), secret=secret),
        400,
        ErrorCode.INVALID_REQUEST,
    )
    # One bad alert in a group: nothing of the group is recorded.
    mixed = json.loads(alertmanager_body(alert("ok", MONDAY, None), alert("bad", MONDAY, None)))
    mixed["alerts"][1]["startsAt"] = "yesterday"
    assert_error(
        send_alerts(api, path, json.dumps(mixed).encode(), secret=secret),
        400,
        ErrorCode.INVALID_TIME,
    )
    assert counts(api.runtime) == (0, 0)
    # The secret may come in the URL instead; `any` takes every alert.
    result = send_alerts(api, path, body, secret=None, query=f"?secret={secret}")
    assert result.status == 200 and result.json()["resolved"] == 1, result.text


# --- POST /api/v1/events ----------------------------------------------------------------------


def test_generic_events(api):
    deploy = {"type": "deploy", "id": "build-812", "at": "2025-03-04T09:00:00Z"}
    assert post(api, "/api/v1/events", deploy).status == 201
    assert post(api, "/api/v1/events", deploy).json()["recorded"] is False
    opened = {"type": "incident_opened", "id": "INC-7", "at": "2025-03-04T10:00:00Z"}
    assert post(api, "/api/v1/events", opened).status == 201
    resolved = {"type": "incident_resolved", "id": "INC-7", "at": "2025-03-04T10:45:00Z"}
    result = post(api, "/api/v1/events", resolved)
    assert result.status == 201 and result.json()["reading"] == pytest.approx(0.75)
    assert post(api, "/api/v1/events", resolved).status == 200
    unknown = {"type": "incident_resolved", "id": "INC-8"}
    assert_error(post(api, "/api/v1/events", unknown), 404, ErrorCode.UNKNOWN_INCIDENT)
    late = {**unknown, "started_at": "2025-03-04T11:00:00Z", "at": "2025-03-04T11:30:00Z"}
    assert post(api, "/api/v1/events", late).status == 201
    assert_error(
        post(api, "/api/v1/events", {"type": "release", "id": "1"}), 400, ErrorCode.INVALID_REQUEST
    )
    assert_error(
        post(api, "/api/v1/events", deploy, token="rmb_wrong"), 401, ErrorCode.INVALID_TOKEN
    )
    sources = {
        r.source for r in readings_of(api.runtime, api.workspace_id, "mean-time-to-recovery")
    }
    assert sources == {"api"}
    [deploy_reading] = readings_of(api.runtime, api.workspace_id, "deployment-frequency")
    assert deploy_reading.source == "api"
