"""Webhooks from the team's tools, and the generic events endpoint.

- `POST /api/v1/hooks/github/<id>`: `deployment_status` (and `ping`), signed with
  `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the hook's secret, compared in
  constant time); a `success` in the hook's environment is one deploy, once per
  `X-GitHub-Delivery` and per deployment status id.
- `POST /api/v1/hooks/gitlab/<id>`: GitLab's deployment events, with `X-Gitlab-Token`.
- `POST /api/v1/hooks/alertmanager/<id>`: Alertmanager's webhook (version 4), with
  `Authorization: Bearer <secret>` or `?secret=<secret>`; an alert's firing → resolved pair
  (its fingerprint and startsAt) is one incident.
- `POST /api/v1/events` (an API token): deploy, incident_opened, incident_resolved.

The check comes before anything is parsed; a body that does not parse is a 400 and records
nothing; an event the bot does not use is a 202. Each request is one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.orm import Session, sessionmaker

from bot.api.errors import ApiError, ErrorCode
from bot.api.http import Reply, read_body
from bot.services import hooks as hook_service
from bot.services import tool_events
from bot.services.checkins import first_time
from models import HookKind, Workspace, utcnow

MAX_HOOK_BODY = 1024 * 1024  # GitHub's deployment payloads are a few dozen KiB
MAX_ID = 200
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %Z")


@dataclass(frozen=True)
class HookRequest:
    """A webhook request as the handlers below see it."""

    environ: dict
    hook: hook_service.OpenHook
    body: bytes
    now: datetime

    def header(self, name: str) -> str:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"), "").strip()


def _unauthorized(message: str) -> ApiError:
    return ApiError(ErrorCode.INVALID_SIGNATURE, message)


def _json(body: bytes, content_type: str = "application/json") -> Any:
    """The body as JSON; GitHub's form encoding (`payload=<json>`) is accepted too."""
    if not body.strip():
        raise ApiError(ErrorCode.INVALID_JSON, "The body is empty; send a JSON object.")
    if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
        try:
            body = parse_qs(body.decode(), strict_parsing=True)["payload"][0].encode()
        except (ValueError, KeyError, UnicodeDecodeError):
            raise ApiError(ErrorCode.INVALID_JSON, "The form has no `payload` field.") from None
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        detail = f": {error.msg}" if isinstance(error, json.JSONDecodeError) else ""
        raise ApiError(ErrorCode.INVALID_JSON, f"The body is not valid JSON{detail}.") from None


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ApiError(ErrorCode.INVALID_REQUEST, f"`{what}` must be a JSON object.")
    return value


def _text(value: Any, what: str, *, limit: int = MAX_ID) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ApiError(ErrorCode.INVALID_REQUEST, f"`{what}` must be a string or a number.")
    text = str(value).strip()
    if not text or len(text) > limit:
        raise ApiError(ErrorCode.INVALID_REQUEST, f"`{what}` must be 1 to {limit} characters.")
    return text


def parse_time(value: Any, what: str, *, now: datetime | None = None) -> datetime:
    """An ISO-8601 / RFC 3339 time (nanoseconds and `Z` accepted; no offset means UTC), or
    GitLab's "2021-04-28 21:50:00 +0200"."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(ErrorCode.INVALID_TIME, f"`{what}` must be a date and time.")
    text = value.strip()
    parsed = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for form in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, form)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ApiError(
            ErrorCode.INVALID_TIME,
            f"`{what}` is not a date and time like 2025-03-01T12:00:00Z: {text[:40]!r}.",
        )
    try:
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise ApiError(ErrorCode.INVALID_TIME, f"`{what}` is out of range.") from None
    if now is not None and (parsed - now).total_seconds() > 86400:
        raise ApiError(ErrorCode.INVALID_TIME, f"`{what}` is more than a day in the future.")
    return parsed


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _result(result: tool_events.EventResult | None) -> dict:
    if result is None:
        return {"recorded": False}
    payload: dict = {"recorded": result.recorded, "kind": result.kind, "id": result.key}
    if result.metric is not None:
        payload["metric"] = result.metric
    if result.reading is not None and math.isfinite(result.reading):
        payload["reading"] = result.reading
    if result.note:
        payload["note"] = result.note
    return payload


# -- GitHub ------------------------------------------------------------------------------------


def github(request: HookRequest, session: Session, workspace: Workspace) -> Reply:
    given = request.header("X-Hub-Signature-256")
    expected = (
        "sha256=" + hmac.new(request.hook.secret.encode(), request.body, hashlib.sha256).hexdigest()
    )
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise _unauthorized(
            "The X-Hub-Signature-256 header does not match this hook's secret; paste the secret "
            "`/roadmap config hook github create` showed into the webhook's Secret field."
        )
    event = request.header("X-GitHub-Event")
    delivery = request.header("X-GitHub-Delivery")[:MAX_ID]
    payload = _json(request.body, request.environ.get("CONTENT_TYPE", ""))
    if event == "ping":
        return Reply(200, {"ok": True, "event": "ping"})
    if event != "deployment_status":
        return Reply(202, {"ignored": True, "reason": f"event {event[:50] or 'none'} not used"})
    body = _object(payload, "body")
    status = _object(body.get("deployment_status"), "deployment_status")
    deployment = _object(body.get("deployment") or {}, "deployment")
    state = _text(status.get("state"), "deployment_status.state")
    status_id = _text(status.get("id"), "deployment_status.id")
    environment = status.get("environment") or deployment.get("environment")
    environment = _text(environment, "deployment.environment", limit=255)
    at = parse_time(
        status.get("updated_at") or status.get("created_at"),
        "deployment_status.updated_at",
        now=request.now,
    )
    wanted = request.hook.options.get("environment", hook_service.DEFAULT_ENVIRONMENT)
    if state != "success":
        return Reply(202, {"ignored": True, "reason": f"state {state[:30]}, not success"})
    if environment != wanted:
        return Reply(202, {"ignored": True, "reason": f"environment {environment[:60]}"})
    if delivery and not first_time(session, f"github:{delivery}", workspace.team_id, "github"):
        return Reply(200, {"recorded": False, "duplicate": True})
    result = tool_events.record_deploy(
        session,
        workspace,
        source="github",
        key=f"github:{status_id}",
        at=at,
        environment=environment,
        details={"deployment": deployment.get("id"), "sha": deployment.get("sha")},
        now=request.now,
    )
    return Reply(201 if result.recorded else 200, _result(result))


# -- GitLab ------------------------------------------------------------------------------------


def gitlab(request: HookRequest, session: Session, workspace: Workspace) -> Reply:
    if not hook_service.same_secret(request.header("X-Gitlab-Token"), request.hook.secret):
        raise _unauthorized(
            "The X-Gitlab-Token header does not match this hook's secret; paste the secret "
            "`/roadmap config hook gitlab create` showed into the webhook's Secret token field."
        )
    body = _object(_json(request.body), "body")
    if body.get("object_kind") != "deployment":
        kind = str(body.get("object_kind") or "none")[:50]
        return Reply(202, {"ignored": True, "reason": f"event {kind} not used"})
    status = _text(body.get("status"), "status")
    environment = _text(body.get("environment"), "environment", limit=255)
    deployment_id = body.get("deployment_id", body.get("deployable_id"))
    deployment_id = _text(deployment_id, "deployment_id")
    changed = body.get("status_changed_at")
    at = parse_time(changed, "status_changed_at", now=request.now) if changed else request.now
    wanted = request.hook.options.get("environment", hook_service.DEFAULT_ENVIRONMENT)
    if status != "success":
        return Reply(202, {"ignored": True, "reason": f"status {status[:30]}, not success"})
    if environment != wanted:
        return Reply(202, {"ignored": True, "reason": f"environment {environment[:60]}"})
    delivery = request.header("X-Gitlab-Event-UUID")[:MAX_ID]
    if delivery and not first_time(session, f"gitlab:{delivery}", workspace.team_id, "gitlab"):
        return Reply(200, {"recorded": False, "duplicate": True})
    project = body.get("project") if isinstance(body.get("project"), dict) else {}
    result = tool_events.record_deploy(
        session,
        workspace,
        source="gitlab",
        key=f"gitlab:{project.get('id', '')}:{deployment_id}",
        at=at,
        environment=environment,
        details={"project": project.get("path_with_namespace") or project.get("name")},
        now=request.now,
    )
    return Reply(201 if result.recorded else 200, _result(result))


# -- Alertmanager ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    status: str
    key: str
    starts_at: datetime
    ends_at: datetime | None
    labels: dict


def _alerts(body: Any, now: datetime) -> list[Alert]:
    body = _object(body, "body")
    if str(body.get("version", "")) != "4":
        raise ApiError(
            ErrorCode.INVALID_REQUEST, "Only Alertmanager's webhook version 4 is understood."
        )
    raw = body.get("alerts")
    if not isinstance(raw, list):
        raise ApiError(ErrorCode.INVALID_REQUEST, "`alerts` must be a list.")
    alerts = []
    for index, item in enumerate(raw):
        where = f"alerts[{index}]"
        item = _object(item, where)
        status = item.get("status")
        if status not in ("firing", "resolved"):
            raise ApiError(
                ErrorCode.INVALID_REQUEST, f"`{where}.status` must be firing or resolved."
            )
        fingerprint = _text(item.get("fingerprint"), f"{where}.fingerprint")
        starts = parse_time(item.get("startsAt"), f"{where}.startsAt", now=now)
        ends = None
        if status == "resolved":
            ends = parse_time(item.get("endsAt"), f"{where}.endsAt", now=now)
        labels = item.get("labels") or {}
        if not isinstance(labels, dict):
            raise ApiError(ErrorCode.INVALID_REQUEST, f"`{where}.labels` must be an object.")
        alerts.append(Alert(status, f"{fingerprint}@{_iso(starts)}", starts, ends, labels))
    return alerts


def alertmanager(request: HookRequest, session: Session, workspace: Workspace) -> Reply:
    header = request.environ.get("HTTP_AUTHORIZATION", "").strip()
    scheme, _, token = header.partition(" ")
    given = token.strip() if scheme.lower() == "bearer" else None
    if given is None:
        query = parse_qs(request.environ.get("QUERY_STRING", ""))
        given = (query.get("secret") or [None])[0]
    if not hook_service.same_secret(given, request.hook.secret):
        raise _unauthorized(
            "Send this hook's secret as `Authorization: Bearer <secret>` (http_config."
            "authorization.credentials in Alertmanager) or as `?secret=<secret>` in the URL."
        )
    alerts = _alerts(_json(request.body), request.now)
    wanted = request.hook.options.get("labels") or {}
    counts = {"alerts": len(alerts), "matched": 0, "opened": 0, "resolved": 0}
    readings = []
    for alert in alerts:
        if any(str(alert.labels.get(name)) != value for name, value in wanted.items()):
            continue
        counts["matched"] += 1
        details = {"alertname": str(alert.labels.get("alertname", ""))[:200]}
        if alert.status == "firing":
            opened = tool_events.open_incident(
                session,
                workspace,
                source="alertmanager",
                key=alert.key,
                at=alert.starts_at,
                details=details,
                now=request.now,
            )
            counts["opened"] += int(opened.recorded)
            continue
        result = tool_events.resolve_incident(
            session,
            workspace,
            source="alertmanager",
            key=alert.key,
            started_at=alert.starts_at,
            resolved_at=alert.ends_at,
            details=details,
            now=request.now,
        )
        if result is not None and result.recorded:
            counts["resolved"] += 1
            if result.reading is not None:
                readings.append(_result(result))
    return Reply(200, {**counts, "readings": readings})


HANDLERS: dict[str, Callable[[HookRequest, Session, Workspace], Reply]] = {
    HookKind.GITHUB: github,
    HookKind.GITLAB: gitlab,
    HookKind.ALERTMANAGER: alertmanager,
}


def receive(factory: sessionmaker[Session], environ: dict, kind: str, hook_id: str) -> Reply:
    """One webhook, in one transaction: found, checked, parsed, recorded (or nothing)."""
    if kind not in HANDLERS:
        raise ApiError(
            ErrorCode.NOT_FOUND,
            f"There are hooks for github, gitlab and alertmanager, not {kind[:40]}.",
        )
    body = read_body(environ, MAX_HOOK_BODY)
    now = utcnow()
    with factory() as session, session.begin():
        hook = hook_service.find_hook(session, kind, hook_id, now=now)
        if hook is None:
            raise ApiError(
                ErrorCode.UNKNOWN_HOOK,
                f"There is no active {kind} hook {hook_id[:40]}; an admin creates one with "
                f"`/roadmap config hook {kind} create`.",
            )
        workspace = session.get_one(Workspace, hook.workspace_id)
        reply = HANDLERS[kind](HookRequest(environ, hook, body, now), session, workspace)
        if reply.status >= 400:  # pragma: no cover - handlers raise instead
            session.rollback()
        return reply


# -- POST /api/v1/events -----------------------------------------------------------------------

EVENT_TYPES = ("deploy", "incident_opened", "incident_resolved")


def record_event(session: Session, workspace: Workspace, body: Any, now: datetime) -> Reply:
    """One generic event: `{"type": …, "id": …, "at": …, "environment": …}`."""
    body = _object(body, "body")
    kind = body.get("type")
    if kind not in EVENT_TYPES:
        raise ApiError(
            ErrorCode.INVALID_REQUEST, f"`type` must be one of {', '.join(EVENT_TYPES)}."
        )
    event_id = _text(body.get("id"), "id")
    at = parse_time(body["at"], "at", now=now) if body.get("at") is not None else now
    key = f"api:{event_id}"
    if kind == "deploy":
        environment = body.get("environment")
        if environment is not None:
            environment = _text(environment, "environment", limit=255)
        result = tool_events.record_deploy(
            session, workspace, source="api", key=key, at=at, environment=environment, now=now
        )
    elif kind == "incident_opened":
        result = tool_events.open_incident(
            session, workspace, source="api", key=key, at=at, now=now
        )
    else:
        started = body.get("started_at")
        started_at = parse_time(started, "started_at", now=now) if started else None
        result = tool_events.resolve_incident(
            session,
            workspace,
            source="api",
            key=key,
            started_at=started_at,
            resolved_at=at,
            now=now,
        )
        if result is None:
            raise ApiError(
                ErrorCode.UNKNOWN_INCIDENT,
                f"No incident {event_id[:60]} was opened; send incident_opened first, or give "
                "`started_at`.",
            )
    return Reply(201 if result.recorded else 200, _result(result))
