"""The metrics API over real HTTP: tokens, single and batch readings, idempotency, errors."""

from __future__ import annotations

import hashlib
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.api.errors import ErrorCode
from bot.services import api_tokens, metrics
from bot.services.actors import Actor
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.workspaces import ensure_workspace
from models import ApiToken, Metric, MetricReading, Workspace
from tests.harness import HttpResult, http_request, run_command

ADMIN = Actor(user_id="UADMIN01", is_slack_admin=True)
ONE = "/api/v1/metrics/uptime/readings"
BATCH = "/api/v1/readings"


# --- helpers ----------------------------------------------------------------------------------


def make_token(runtime, workspace_id: int, name: str = "ci") -> str:
    with runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, workspace_id)
        _token, plaintext = api_tokens.create_token(session, workspace, ADMIN, name)
    return plaintext


def post(
    app,
    path: str,
    payload: object = None,
    *,
    token: str | None = "",
    data: bytes | None = None,
    headers: dict | None = None,
    content_type: str = "application/json",
) -> HttpResult:
    """POST `payload` as JSON with the app's token (`token=` another one, or None for none)."""
    sent = {"Content-Type": content_type}
    token = app.token if token == "" else token
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    body = data if data is not None else json.dumps(payload).encode()
    return http_request(f"{app.app_url}{path}", data=body, headers=sent, method="POST")


def readings_of(runtime, workspace_id: int, key: str) -> list[MetricReading]:
    with runtime.session_factory() as session:
        return list(
            session.scalars(
                select(MetricReading)
                .join(Metric, Metric.id == MetricReading.metric_id)
                .where(Metric.workspace_id == workspace_id, Metric.key == key)
                .order_by(MetricReading.id)
            )
        )


def reading_count(runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(MetricReading))


@pytest.fixture
def api(running_app, roadmap):
    """The running app, its workspace id, and a token for that workspace."""
    running_app.workspace_id = roadmap
    running_app.token = make_token(running_app.runtime, roadmap)
    return running_app


def assert_error(result: HttpResult, status: int, code: ErrorCode) -> dict:
    assert result.status == status, result.text
    assert result.headers["Content-Type"].startswith("application/json")
    body = result.json()
    assert body["error"] == code.value
    assert body["message"] and "Traceback" not in result.text
    assert code.status == status
    return body


# --- the happy paths --------------------------------------------------------------------------


def test_a_reading_is_stored_and_shows_in_the_metrics_list(api, slack, frozen_time):
    result = post(
        api,
        "/api/v1/metrics/code-coverage/readings",
        {"value": 87.2, "at": "2025-03-01T12:00:00Z"},
    )
    assert result.status == 201, result.text
    assert result.json() == {
        "metric": "code-coverage",
        "value": 87.2,
        "unit": "%",
        "at": "2025-03-01T12:00:00Z",
        "recorded": True,
    }
    [stored] = readings_of(api.runtime, api.workspace_id, "code-coverage")
    assert (stored.value, stored.source) == (87.2, "api")
    assert stored.recorded_at == datetime(2025, 3, 1, 12, tzinfo=UTC)
    with api.runtime.session_factory() as session:
        workspace = session.get_one(Workspace, api.workspace_id)
        views = metrics.list_metrics(session=session, workspace=workspace, now=datetime.now(UTC))
    coverage = next(v for v in views if v.key == "code-coverage")
    assert (coverage.latest, coverage.on_target) == (87.2, True)
    shown = run_command(api, "metrics", user_id=slack.alice, channel_id=slack.channel)
    assert "Code coverage: *87.2%*" in shown.text


def test_time_defaults_to_now_units_convert_and_names_resolve(api, frozen_time):
    result = post(
        api,
        "/api/v1/metrics/latency/readings",  # an alias of api-response-time (ms)
        {"value": 0.15, "unit": "s"},
    )
    assert result.status == 201, result.text
    body = result.json()
    assert (body["metric"], body["value"], body["unit"]) == ("api-response-time", 150, "ms")
    assert body["at"].startswith("2025-03-05T10:")
    # A URL-encoded name, and an unambiguous prefix of a word in a name.
    result = post(api, "/api/v1/metrics/system%20uptime/readings", {"value": 99.9})
    assert (result.status, result.json()["metric"]) == (201, "uptime")
    result = post(api, "/api/v1/metrics/mttr/readings", {"value": 45, "unit": "m"})
    assert (result.status, result.json()["value"]) == (201, 0.75)


def test_a_batch_is_stored_with_per_item_results(api):
    readings = [
        {"metric": "uptime", "value": 99.95, "at": "2025-03-01T00:00:00+01:00"},
        {"metric": "coverage", "value": 86},
        {"metric": "api-response-time", "value": 180, "unit": "ms"},
    ]
    result = post(api, BATCH, {"readings": readings})
    assert result.status == 201, result.text
    body = result.json()
    assert body["recorded"] == 3
    assert [(r["metric"], r["value"], r["recorded"]) for r in body["readings"]] == [
        ("uptime", 99.95, True),
        ("code-coverage", 86, True),
        ("api-response-time", 180, True),
    ]
    assert body["readings"][0]["at"] == "2025-02-28T23:00:00Z"
    assert reading_count(api.runtime) == 3


def test_a_batch_with_one_bad_reading_stores_nothing(api):
    readings = [
        {"metric": "uptime", "value": 99.95},
        {"metric": "coverage", "value": 86},
        {"metric": "cross-team-collaboration", "value": 150},  # a percentage
    ]
    result = post(api, BATCH, {"readings": readings})
    body = assert_error(result, 400, ErrorCode.INVALID_VALUE)
    assert body["index"] == 2 and body["message"].startswith("readings[2]: ")
    result = post(
        api,
        BATCH,
        {"readings": [{"metric": "uptime", "value": 99.9}, {"metric": "nope", "value": 1}]},
    )
    assert assert_error(result, 404, ErrorCode.UNKNOWN_METRIC)["index"] == 1
    assert reading_count(api.runtime) == 0


def test_the_largest_batch_is_accepted_and_one_more_refused(api):
    readings = [{"metric": "uptime", "value": 99.0 + i / 1000} for i in range(500)]
    result = post(api, BATCH, {"readings": readings})
    assert (result.status, result.json()["recorded"]) == (201, 500)
    result = post(api, BATCH, {"readings": [*readings, readings[0]]})
    assert "at most 500" in assert_error(result, 400, ErrorCode.INVALID_REQUEST)["message"]
    assert reading_count(api.runtime) == 500


# --- idempotency ------------------------------------------------------------------------------


def test_a_replayed_idempotency_key_stores_one_reading(api):
    key = {"Idempotency-Key": "deploy-4711"}
    first = post(api, ONE, {"value": 99.95}, headers=key)
    assert (first.status, first.json()["recorded"]) == (201, True)
    again = post(api, ONE, {"value": 99.5}, headers=key)
    assert again.status == 200, again.text
    # The answer describes the reading stored the first time.
    assert again.json() == {**first.json(), "recorded": False}
    assert [r.value for r in readings_of(api.runtime, api.workspace_id, "uptime")] == [99.95]


def test_concurrent_replays_store_one_reading(api):
    def send(_: int) -> HttpResult:
        return post(api, ONE, {"value": 99.97}, headers={"Idempotency-Key": "race"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(send, range(6)))
    assert sorted(r.status for r in results) == [200] * 5 + [201]
    assert len(readings_of(api.runtime, api.workspace_id, "uptime")) == 1


def test_batch_idempotency_by_item_key_and_by_header(api):
    items = [
        {"metric": "uptime", "value": 99.9, "idempotency_key": "u-1"},
        {"metric": "uptime", "value": 99.9, "idempotency_key": "u-1"},  # twice in one batch
        {"metric": "coverage", "value": 80},
    ]
    first = post(api, BATCH, {"readings": items})
    assert [r["recorded"] for r in first.json()["readings"]] == [True, False, True]
    header = {"Idempotency-Key": "nightly-2025-03-01"}
    second = post(api, BATCH, {"readings": items}, headers=header)
    assert [r["recorded"] for r in second.json()["readings"]] == [False, False, True]
    third = post(api, BATCH, {"readings": items}, headers=header)
    assert (third.status, third.json()["recorded"]) == (201, 0)
    assert reading_count(api.runtime) == 3


# --- errors -----------------------------------------------------------------------------------

# (code, status, path, keyword arguments of post()); the token is added unless given.
ERROR_CASES = [
    (ErrorCode.MISSING_TOKEN, 401, ONE, {"token": None}),
    (ErrorCode.MISSING_TOKEN, 401, ONE, {"headers": {"Authorization": "Basic dTpw"}}),
    (ErrorCode.INVALID_TOKEN, 401, ONE, {"token": "rmb_not-a-real-token", "payload": {}}),
    (ErrorCode.UNSUPPORTED_MEDIA_TYPE, 415, ONE, {"content_type": "text/plain"}),
    (ErrorCode.UNSUPPORTED_MEDIA_TYPE, 415, BATCH, {"content_type": "application/x-www-form"}),
    (ErrorCode.INVALID_JSON, 400, ONE, {"data": b'{"value": 1'}),
    (ErrorCode.INVALID_JSON, 400, ONE, {"data": b""}),
    (ErrorCode.INVALID_JSON, 400, ONE, {"data": b'{"value": "\xff"}'}),
    (ErrorCode.INVALID_JSON, 400, BATCH, {"data": b"[" * 30000}),
    (ErrorCode.INVALID_REQUEST, 400, ONE, {"payload": [1, 2]}),
    (ErrorCode.INVALID_REQUEST, 400, BATCH, {"payload": {"readings": []}}),
    (ErrorCode.INVALID_REQUEST, 400, BATCH, {"payload": {"reading": [{"value": 1}]}}),
    (ErrorCode.INVALID_REQUEST, 400, BATCH, {"payload": {"readings": [{"value": 1}]}}),
    (ErrorCode.INVALID_REQUEST, 400, ONE, {"headers": {"Idempotency-Key": "k" * 201}}),
    (ErrorCode.INVALID_VALUE, 400, ONE, {"payload": {"at": "2025-03-01T12:00:00Z"}}),
    (ErrorCode.INVALID_VALUE, 400, ONE, {"payload": {"value": "99.9"}}),
    (ErrorCode.INVALID_VALUE, 400, ONE, {"payload": {"value": True}}),
    (ErrorCode.INVALID_VALUE, 400, ONE, {"data": b'{"value": NaN}'}),
    (ErrorCode.INVALID_VALUE, 400, ONE, {"data": b'{"value": 1e999}'}),
    (ErrorCode.INVALID_VALUE, 400, ONE, {"payload": {"value": 100.5}}),
    (ErrorCode.INVALID_VALUE, 400, ONE, {"payload": {"value": -1}}),
    (ErrorCode.INVALID_UNIT, 400, ONE, {"payload": {"value": 5, "unit": "ms"}}),
    (ErrorCode.INVALID_TIME, 400, ONE, {"payload": {"value": 99, "at": "yesterday"}}),
    (ErrorCode.INVALID_TIME, 400, ONE, {"payload": {"value": 99, "at": 1740830400}}),
    # Past either end of the calendar once in UTC, and far in the future.
    (
        ErrorCode.INVALID_TIME,
        400,
        ONE,
        {"payload": {"value": 99, "at": "9999-12-31T23:59:59-01:00"}},
    ),
    (
        ErrorCode.INVALID_TIME,
        400,
        ONE,
        {"payload": {"value": 99, "at": "0001-01-01T00:30:00+01:00"}},
    ),
    (ErrorCode.INVALID_TIME, 400, ONE, {"payload": {"value": 99, "at": "9999-12-31T23:59:59Z"}}),
    (
        ErrorCode.INVALID_TIME,
        400,
        BATCH,
        {
            "payload": {
                "readings": [{"metric": "uptime", "value": 99, "at": "9999-12-31T23:59:59Z"}]
            }
        },
    ),
    # 1e308 seconds is finite; in milliseconds it is not.
    (
        ErrorCode.INVALID_VALUE,
        400,
        "/api/v1/metrics/latency/readings",
        {"payload": {"value": 1e308, "unit": "s"}},
    ),
    (ErrorCode.UNKNOWN_METRIC, 404, "/api/v1/metrics/velocity/readings", {}),
    (ErrorCode.UNKNOWN_METRIC, 404, "/api/v1/metrics/%20/readings", {}),
    (ErrorCode.AMBIGUOUS_METRIC, 409, "/api/v1/metrics/c/readings", {}),
    (ErrorCode.BODY_TOO_LARGE, 413, ONE, {"data": b" " * (64 * 1024 + 1)}),
    (ErrorCode.NOT_FOUND, 404, "/api/v1/metric/uptime/readings", {}),
    (ErrorCode.NOT_FOUND, 404, "/api/v2/readings", {}),
]


@pytest.mark.parametrize(
    ("code", "status", "path", "options"),
    ERROR_CASES,
    ids=[f"{case[0].value}-{i}" for i, case in enumerate(ERROR_CASES)],
)
def test_errors_are_clear_json(api, code, status, path, options):
    options = {"payload": {"value": 1}, **options}
    result = post(api, path, **options)
    body = assert_error(result, status, code)
    if status == 401:
        assert result.headers["WWW-Authenticate"].startswith("Bearer")
    if code is ErrorCode.UNKNOWN_METRIC and "velocity" in path:
        assert "uptime" in body["message"] and "code-coverage" in body["message"]
    if code is ErrorCode.AMBIGUOUS_METRIC:
        assert "Code coverage" in body["message"] and "Career development" in body["message"]
    assert reading_count(api.runtime) == 0


def test_wrong_methods_are_405_with_allow(api):
    for path, allowed in [(ONE, "POST"), (BATCH, "POST"), ("/api/v1/openapi.json", "GET, HEAD")]:
        method = "POST" if allowed.startswith("GET") else "GET"
        result = http_request(f"{api.app_url}{path}", method=method)
        assert_error(result, 405, ErrorCode.METHOD_NOT_ALLOWED)
        assert result.headers["Allow"] == allowed


def test_a_reading_up_to_a_day_ahead_is_accepted(api):
    ahead = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
    result = post(api, ONE, {"value": 99.9, "at": ahead})
    assert result.status == 201, result.text


def test_a_reply_json_cannot_hold_is_a_json_500_not_html(api, monkeypatch, caplog):
    def infinite(*args, **kwargs):
        return [{"metric": "uptime", "value": float("inf"), "recorded": True}]

    monkeypatch.setattr("bot.api.app.record_readings", infinite)
    result = post(api, ONE, {"value": 99.9})
    body = assert_error(result, 500, ErrorCode.INTERNAL_ERROR)
    assert body["id"] in caplog.text


def test_an_unexpected_error_is_logged_and_answered_500(api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("bot.api.app.record_readings", broken)
    result = post(api, ONE, {"value": 99.9})
    body = assert_error(result, 500, ErrorCode.INTERNAL_ERROR)
    assert body["id"] and "fire" not in result.text
    assert body["id"] in caplog.text and "the disk is on fire" in caplog.text


def test_every_error_code_is_exercised():
    exercised = {case[0] for case in ERROR_CASES}
    # These two have tests of their own above; the hooks' in tests/test_hooks_api.py.
    exercised |= {ErrorCode.METHOD_NOT_ALLOWED, ErrorCode.INTERNAL_ERROR}
    exercised |= {ErrorCode.INVALID_SIGNATURE, ErrorCode.UNKNOWN_HOOK, ErrorCode.UNKNOWN_INCIDENT}
    assert exercised == set(ErrorCode)


# --- oversized bodies -------------------------------------------------------------------------


def test_content_length_is_checked_before_the_body_is_read(api):
    # The header claims more than the limit: refused without reading what follows.
    result = post(api, ONE, data=b'{"value": 1}', headers={"Content-Length": "70000"})
    assert_error(result, 413, ErrorCode.BODY_TOO_LARGE)


def test_a_body_without_length_is_read_no_further_than_the_limit(api):
    from bot.api import create_api_app

    stream = io.BytesIO(b'{"value": 1, "pad": "' + b"x" * 200_000 + b'"}')
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": ONE,
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {api.token}",
        "wsgi.input": stream,
        "wsgi.input_terminated": True,  # e.g. gunicorn with a chunked body
    }
    answers = []
    body = create_api_app(api.runtime)(environ, lambda status, headers: answers.append(status))
    assert answers == ["413 Request Entity Too Large"]
    assert json.loads(b"".join(body))["error"] == "body_too_large"
    assert stream.tell() == 64 * 1024 + 1


# --- tokens -----------------------------------------------------------------------------------


def test_a_revoked_token_stops_working(api):
    assert post(api, ONE, {"value": 99.9}).status == 201
    with api.runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, api.workspace_id)
        api_tokens.revoke_token(session, workspace, ADMIN, "ci")
    result = post(api, ONE, {"value": 99.9})
    assert_error(result, 401, ErrorCode.INVALID_TOKEN)
    assert 'error="invalid_token"' in result.headers["WWW-Authenticate"]
    assert len(readings_of(api.runtime, api.workspace_id, "uptime")) == 1


def test_a_token_only_writes_its_own_workspace(api):
    with api.runtime.session_factory() as session, session.begin():
        other = ensure_workspace(session=session, team_id="T0OTHER001", name="Globex")
        for name in ("Build time", "uptime"):
            metrics.add_metric(
                session=session,
                workspace=other,
                actor=ADMIN,
                name=name,
                kind="technical",
                target=None,
                comparator=None,
                unit=None,
            )
        other_id = other.id
    other_token = make_token(api.runtime, other_id, "ci")  # same name, other workspace
    # Neither token sees the other workspace's metrics, not even by name.
    result = post(api, "/api/v1/metrics/build-time/readings", {"value": 9})
    assert_error(result, 404, ErrorCode.UNKNOWN_METRIC)
    result = post(api, "/api/v1/metrics/coverage/readings", {"value": 9}, token=other_token)
    assert "build-time" in assert_error(result, 404, ErrorCode.UNKNOWN_METRIC)["message"]
    # A key both workspaces have goes to the token's own workspace.
    assert post(api, ONE, {"value": 42}, token=other_token).status == 201
    assert readings_of(api.runtime, api.workspace_id, "uptime") == []
    assert [r.value for r in readings_of(api.runtime, other_id, "uptime")] == [42]
    # Idempotency keys are per workspace too.
    key = {"Idempotency-Key": "shared"}
    assert post(api, ONE, {"value": 99}, token=other_token, headers=key).status == 201
    assert post(api, ONE, {"value": 99}, headers=key).status == 201


def test_tokens_are_stored_hashed_and_their_use_noted(api):
    assert post(api, ONE, {"value": 99.9}).status == 201
    with api.runtime.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    assert api.token.startswith("rmb_") and len(api.token) > 40
    assert api.token not in repr(rows)
    with api.runtime.session_factory() as session:
        token = session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(api.token.encode()).hexdigest()
    assert token.last_used_at is not None and token.revoked_at is None


def test_token_service_rules(api):
    with api.runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, api.workspace_id)
        with pytest.raises(PermissionDenied):
            api_tokens.create_token(session, workspace, Actor(user_id="UNOBODY1"), "x")
        with pytest.raises(InvalidInput, match="already a token called ci"):
            api_tokens.create_token(session, workspace, ADMIN, "ci")
        with pytest.raises(InvalidInput, match="can't name a token"):
            api_tokens.create_token(session, workspace, ADMIN, "two words")
        _token, plaintext = api_tokens.create_token(session, workspace, ADMIN)
        assert [t.name for t in api_tokens.list_tokens(session, workspace, ADMIN)] == [
            "ci",
            "token-1",
        ]
        with pytest.raises(NotFound, match="Tokens: ci, token-1"):
            api_tokens.revoke_token(session, workspace, ADMIN, "nope")
        api_tokens.revoke_token(session, workspace, ADMIN, "ci")
        assert api_tokens.authenticate(session, api.token) is None
        assert api_tokens.authenticate(session, plaintext).name == "token-1"
        assert api_tokens.authenticate(session, "") is None
        # A revoked name can be used again.
        api_tokens.create_token(session, workspace, ADMIN, "ci")


def test_the_slash_command_handler(api):
    from bot.flows.context import FlowContext
    from bot.flows.settings import api_token_reply as api_token_command

    with api.runtime.session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, api.workspace_id)
        ctx = FlowContext(session=session, workspace=workspace, actor=ADMIN, now=datetime.now(UTC))
        created = json.dumps(api_token_command(ctx, ("create", "monitoring")).to_dict())
        plaintext = re.search(r"rmb_[\w-]{40,}", created).group()
        assert "curl -X POST" in created and "/api/v1/metrics/" in created
        listed = json.dumps(api_token_command(ctx, ("list",)).to_dict())
        assert "monitoring" in listed and "ci" in listed and "rmb_" not in listed
        revoked = api_token_command(ctx, ("revoke", "monitoring"))
        assert "Revoked API token `monitoring`" in revoked.text
        with pytest.raises(InvalidInput):
            api_token_command(ctx, ("revoke",))
        with pytest.raises(InvalidInput):
            api_token_command(ctx, ("rotate", "ci"))
        ctx.actor = Actor(user_id="UNOBODY1")
        with pytest.raises(PermissionDenied):
            api_token_command(ctx, ("create",))
    assert post(api, ONE, {"value": 99.9}, token=plaintext).status == 401


# --- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_describes_both_endpoints_and_every_error(running_app):
    result = http_request(f"{running_app.app_url}/api/v1/openapi.json")
    assert result.status == 200
    spec = json.loads(result.body)
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/metrics/{name}/readings", BATCH} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error_enum = spec["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
    assert set(error_enum) == {c.value for c in ErrorCode}
    documented: set[str] = set()
    for item in spec["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                for code in error_codes_of(response):
                    assert ErrorCode(code).status == int(status), (code, status)
                    documented.add(code)
    for response in spec["components"]["responses"].values():
        documented |= set(error_codes_of(response))
    assert documented == {c.value for c in ErrorCode}
    for ref in refs_in(spec):  # every $ref points at something
        target = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
    single = spec["paths"]["/api/v1/metrics/{name}/readings"]["post"]
    assert {"200", "201", "400", "401", "404", "409", "413", "415"} <= set(single["responses"])
    head = http_request(f"{running_app.app_url}/api/v1/openapi.json", method="HEAD")
    assert (head.status, head.body) == (200, b"")


def error_codes_of(response: dict) -> list[str]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return [
        code
        for part in schema.get("allOf", [])
        for code in part.get("properties", {}).get("error", {}).get("enum", [])
    ]


def refs_in(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for v in node.values() for r in refs_in(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs_in(v)]
    return []
