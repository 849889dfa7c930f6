"""The metrics API as a WSGI app: routing, authentication, and one transaction per request."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable

from bot import telemetry
from bot.api import hooks
from bot.api.errors import ApiError, ErrorCode
from bot.api.http import Reply, bearer_token, invalid_token, json_body, json_response, read_json
from bot.api.openapi import openapi_spec
from bot.api.readings import parse_batch, parse_reading, record_readings
from bot.runtime import Runtime
from bot.services.api_tokens import authenticate
from models import Workspace, utcnow

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
METRIC_PREFIX = f"{PREFIX}/metrics/"
METRIC_SUFFIX = "/readings"
HOOK_PREFIX = f"{PREFIX}/hooks/"
MAX_HEADER_KEY = 200  # leaves room for the "#<index>" a batch appends

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def _path(environ: dict) -> str:
    """PATH_INFO as the text the client sent (WSGI hands it over as latin-1 decoded bytes)."""
    raw = environ.get("PATH_INFO", "")
    try:
        path = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        path = raw
    return path.rstrip("/") or "/"


def _idempotency_key(environ: dict) -> str | None:
    key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip()
    if len(key) > MAX_HEADER_KEY:
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            f"The Idempotency-Key header may be at most {MAX_HEADER_KEY} characters.",
        )
    return key or None


class ApiApp:
    """`/api/v1/...`: POST readings with a bearer token, GET the OpenAPI description."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            reply = self.route(method, _path(environ), environ)
            # Serialised inside the error handling: a value JSON cannot hold is our bug, and
            # gets the JSON 500 like any other, never a bare HTML one.
            body = json_body(reply.payload)
        except ApiError as error:
            return json_response(
                start_response,
                error.status,
                error.payload(),
                headers=error.headers,
                head=method == "HEAD",
            )
        except Exception:
            error_id = uuid.uuid4().hex[:12]
            log.exception(
                "metrics API %s %s failed (error id %s)", method, _path(environ), error_id
            )
            code = ErrorCode.INTERNAL_ERROR
            payload = {
                "error": code.value,
                "message": f"Something went wrong on our side; it was logged as {error_id}.",
                "id": error_id,
            }
            return json_response(start_response, code.status, payload, head=method == "HEAD")
        return json_response(start_response, reply.status, body, head=method == "HEAD")

    def route(self, method: str, path: str, environ: dict) -> Reply:
        if path == f"{PREFIX}/openapi.json":
            _allow(method, "GET", "HEAD")
            return Reply(200, openapi_spec())
        if path == f"{PREFIX}/readings":
            _allow(method, "POST")
            return self.post_batch(environ)
        if path == f"{PREFIX}/events":
            _allow(method, "POST")
            return self.post_event(environ)
        if path.startswith(HOOK_PREFIX):
            kind, _, hook_id = path[len(HOOK_PREFIX) :].partition("/")
            if kind and hook_id and "/" not in hook_id:
                _allow(method, "POST")
                try:
                    reply = hooks.receive(self.runtime.session_factory, environ, kind, hook_id)
                except ApiError:
                    telemetry.count_webhook(kind, "rejected")
                    raise
                outcome = {201: "recorded", 202: "ignored"}.get(reply.status, "handled")
                telemetry.count_webhook(kind, outcome)
                return reply
        if path.startswith(METRIC_PREFIX) and path.endswith(METRIC_SUFFIX):
            name = path[len(METRIC_PREFIX) : -len(METRIC_SUFFIX)]
            if name:
                _allow(method, "POST")
                return self.post_reading(environ, name)
        raise ApiError(
            ErrorCode.NOT_FOUND,
            f"There is no API path {path[:200]}; see GET {PREFIX}/openapi.json.",
        )

    def _workspace_id(self, environ: dict) -> int:
        """The workspace of the request's bearer token (its use noted), or a 401."""
        plaintext = bearer_token(environ)
        with self.runtime.session_factory() as session, session.begin():
            token = authenticate(session, plaintext)
            if token is None:
                raise invalid_token()
            return token.workspace_id

    def post_reading(self, environ: dict, name: str) -> Reply:
        workspace_id = self._workspace_id(environ)
        body = read_json(environ)
        if not name.strip():
            raise ApiError(ErrorCode.UNKNOWN_METRIC, "Name the metric in the path.")
        reading = parse_reading(
            body, now=utcnow(), metric=name, idempotency_key=_idempotency_key(environ)
        )
        with self.runtime.session_factory() as session, session.begin():
            workspace = session.get_one(Workspace, workspace_id)
            [result] = record_readings(session, workspace, [reading], batch=False)
        return Reply(201 if result["recorded"] else 200, result)

    def post_event(self, environ: dict) -> Reply:
        workspace_id = self._workspace_id(environ)
        body = read_json(environ)
        with self.runtime.session_factory() as session, session.begin():
            workspace = session.get_one(Workspace, workspace_id)
            return hooks.record_event(session, workspace, body, utcnow())

    def post_batch(self, environ: dict) -> Reply:
        workspace_id = self._workspace_id(environ)
        body = read_json(environ)
        readings = parse_batch(body, now=utcnow(), idempotency_key=_idempotency_key(environ))
        with self.runtime.session_factory() as session, session.begin():
            workspace = session.get_one(Workspace, workspace_id)
            results = record_readings(session, workspace, readings, batch=True)
        recorded = sum(1 for r in results if r["recorded"])
        return Reply(201, {"recorded": recorded, "readings": results})


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise ApiError(
            ErrorCode.METHOD_NOT_ALLOWED,
            f"This path accepts {' and '.join(allowed)}, not {method[:20]}.",
            headers=[("Allow", ", ".join(allowed))],
        )


def create_api_app(runtime: Runtime) -> WSGIApp:
    """The WSGI app bot.web mounts at `/api/`."""
    return ApiApp(runtime)
