"""The OpenAPI 3.1 description served at GET /api/v1/openapi.json (hand-written, but its error
codes come from bot.api.errors.ErrorCode, so the two cannot drift apart)."""

from __future__ import annotations

from bot.api.errors import ErrorCode
from bot.api.readings import MAX_BATCH, MAX_KEY_LENGTH

# Text fields must hold something besides spaces (the API strips them).
NOT_BLANK = r"\S"

E = ErrorCode
AUTH_ERRORS = (E.MISSING_TOKEN, E.INVALID_TOKEN)
BODY_ERRORS = (E.UNSUPPORTED_MEDIA_TYPE, E.BODY_TOO_LARGE, E.INVALID_JSON, E.INVALID_REQUEST)
READING_ERRORS = (
    E.INVALID_VALUE,
    E.INVALID_UNIT,
    E.INVALID_TIME,
    E.UNKNOWN_METRIC,
    E.AMBIGUOUS_METRIC,
)
# Answers of the API as a whole rather than of one operation.
GENERAL_ERRORS = {
    "NotFound": E.NOT_FOUND,
    "MethodNotAllowed": E.METHOD_NOT_ALLOWED,
    "InternalError": E.INTERNAL_ERROR,
}
POST_ERRORS = (*AUTH_ERRORS, *BODY_ERRORS, *READING_ERRORS)
EVENT_ERRORS = (*AUTH_ERRORS, *BODY_ERRORS, E.INVALID_TIME, E.UNKNOWN_INCIDENT)
HOOK_ERRORS = (
    E.INVALID_SIGNATURE,
    E.BODY_TOO_LARGE,
    E.INVALID_JSON,
    E.INVALID_REQUEST,
    E.INVALID_TIME,
    E.UNKNOWN_HOOK,
    E.NOT_FOUND,
)

_ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": 'Always `Bearer realm="roadmap-bot"`, with `error="invalid_token"` '
            "for a token that is unknown or revoked.",
            "schema": {"type": "string"},
        }
    },
    405: {
        "Allow": {
            "description": "The methods the path accepts.",
            "schema": {"type": "string"},
        }
    },
}

DESCRIPTION = """Push readings of the workspace's success metrics from CI, monitoring or scripts.

Authenticate with a per-workspace token (`/roadmap config api-token create <name>`, roadmap
admins only) sent as `Authorization: Bearer <token>`. A token only ever reads and writes its
own workspace's metrics. Bodies are JSON (`Content-Type: application/json`), at most 64 KiB.
Every error is a JSON object `{"error": "<code>", "message": "<sentence>"}`; the codes are
listed in the `Error` schema and under each operation."""


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_content(codes: list[ErrorCode]) -> dict:
    schema = {
        "allOf": [
            _ref("Error"),
            {"properties": {"error": {"enum": [c.value for c in codes]}}},
        ]
    }
    return {"application/json": {"schema": schema}}


def error_responses(codes: tuple[ErrorCode, ...]) -> dict:
    """One response per HTTP status, listing the error codes answered with it."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in codes:
        by_status.setdefault(code.status, []).append(code)
    responses = {}
    for status, group in sorted(by_status.items()):
        response = {
            "description": " ".join(f"`{c.value}`: {c.summary}" for c in group),
            "content": _error_content(group),
        }
        if status in _ERROR_HEADERS:
            response["headers"] = _ERROR_HEADERS[status]
        responses[str(status)] = response
    return responses


def _internal_error_ref() -> dict:
    return {"$ref": "#/components/responses/InternalError"}


def _general(code: ErrorCode) -> dict:
    response = {"description": f"`{code.value}`: {code.summary}", "content": _error_content([code])}
    if code.status in _ERROR_HEADERS:
        response["headers"] = _ERROR_HEADERS[code.status]
    return response


def _schemas() -> dict:
    at = {
        "type": "string",
        "format": "date-time",
        "description": "ISO-8601; without an offset it is taken as UTC. Default: now.",
        "examples": ["2025-03-01T12:00:00Z"],
    }
    reading_fields = {
        "value": {
            "type": "number",
            "description": "A finite number; 0–100 for a percentage metric.",
            "examples": [87.2],
        },
        "at": at,
        "unit": {
            "type": "string",
            "maxLength": 32,
            "pattern": NOT_BLANK,
            "description": "The unit `value` is in (ms, s, minutes, hours, days…), converted "
            "to the metric's unit. Default: the metric's unit.",
            "examples": ["ms"],
        },
        "idempotency_key": {
            "type": "string",
            "maxLength": MAX_KEY_LENGTH,
            "pattern": NOT_BLANK,
            "description": "A reading sent again with the same key is stored once.",
        },
    }
    return {
        "Reading": {
            "type": "object",
            "required": ["value"],
            "properties": reading_fields,
        },
        "BatchItem": {
            "type": "object",
            "required": ["metric", "value"],
            "properties": {
                "metric": {
                    "type": "string",
                    "maxLength": 255,
                    "pattern": NOT_BLANK,
                    "description": "A metric's key, alias, or an unambiguous prefix of its name.",
                    "examples": ["uptime"],
                },
                **reading_fields,
            },
        },
        "Batch": {
            "type": "object",
            "required": ["readings"],
            "properties": {
                "readings": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_BATCH,
                    "items": _ref("BatchItem"),
                }
            },
        },
        "ReadingResult": {
            "type": "object",
            "required": ["metric", "value", "unit", "at", "recorded"],
            "properties": {
                "metric": {"type": "string", "description": "The metric's key."},
                "value": {"type": "number", "description": "In the metric's unit."},
                "unit": {"type": ["string", "null"]},
                "at": {"type": "string", "format": "date-time"},
                "recorded": {
                    "type": "boolean",
                    "description": "False when the idempotency key was used before: the "
                    "reading stored then is returned, nothing new is stored.",
                },
            },
        },
        "BatchResult": {
            "type": "object",
            "required": ["recorded", "readings"],
            "properties": {
                "recorded": {"type": "integer", "description": "How many readings are new."},
                "readings": {"type": "array", "items": _ref("ReadingResult")},
            },
        },
        "Event": {
            "type": "object",
            "required": ["type", "id"],
            "properties": {
                "type": {
                    "type": "string",
                    "enum": ["deploy", "incident_opened", "incident_resolved"],
                },
                "id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "pattern": NOT_BLANK,
                    "description": "Your id for the deploy or incident: an event sent again with "
                    "the same id is recorded once, and `incident_resolved` closes the incident "
                    "`incident_opened` opened with it.",
                },
                "at": {**at, "description": "When it happened (ISO-8601). Default: now."},
                "started_at": {
                    **at,
                    "description": "`incident_resolved` only: when the incident began, for an "
                    "incident never reported open.",
                },
                "environment": {"type": "string", "maxLength": 255, "pattern": NOT_BLANK},
            },
        },
        "EventResult": {
            "type": "object",
            "required": ["recorded"],
            "properties": {
                "recorded": {
                    "type": "boolean",
                    "description": "False when the event was recorded before (nothing changed).",
                },
                "kind": {"type": "string", "enum": ["deploy", "incident"]},
                "id": {"type": "string"},
                "metric": {"type": "string", "description": "The metric that got a reading."},
                "reading": {"type": "number", "description": "In the metric's unit."},
                "note": {"type": "string", "description": "E.g. the incidents MTTR rests on."},
                "duplicate": {"type": "boolean"},
            },
        },
        "HookResult": {
            "type": "object",
            "description": "What the webhook did: an EventResult for a deploy; counts of "
            "alerts for Alertmanager; `ignored` with a reason for an event the bot does not "
            "use.",
            "properties": {
                "recorded": {"type": "boolean"},
                "duplicate": {"type": "boolean"},
                "ignored": {"type": "boolean"},
                "reason": {"type": "string"},
                "ok": {"type": "boolean"},
                "event": {"type": "string"},
                "alerts": {"type": "integer"},
                "matched": {"type": "integer"},
                "opened": {"type": "integer"},
                "resolved": {"type": "integer"},
                "readings": {"type": "array", "items": _ref("EventResult")},
            },
        },
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string", "enum": [c.value for c in ErrorCode]},
                "message": {"type": "string", "description": "A sentence for a person."},
                "index": {
                    "type": "integer",
                    "description": "In a batch: the position of the reading that was refused.",
                },
                "id": {"type": "string", "description": "With internal_error: the log's id."},
            },
        },
    }


def openapi_spec() -> dict:
    """The OpenAPI 3.1 document, as a fresh dict."""
    idempotency_header = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "maxLength": 200},
        "description": "Send the same key again and the reading is stored once (the answer "
        "is then 200 with `recorded: false`). In a batch, item i without a key of its own "
        "gets `<key>#<i>`.",
    }
    json_body = {"application/json": {"schema": _ref("ReadingResult")}}
    single = {
        "operationId": "recordReading",
        "summary": "Record one reading of a metric",
        "security": [{"bearerAuth": []}],
        "parameters": [
            {
                "name": "name",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "The metric's key, alias, or an unambiguous prefix of its name "
                "(URL-encoded), as with `/roadmap metric`.",
            },
            idempotency_header,
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("Reading")}},
        },
        "responses": {
            "201": {"description": "Recorded.", "content": json_body},
            "200": {
                "description": "Already recorded under this idempotency key.",
                "content": json_body,
            },
            **error_responses(POST_ERRORS),
            "500": _internal_error_ref(),
        },
    }
    batch = {
        "operationId": "recordReadings",
        "summary": f"Record up to {MAX_BATCH} readings at once, all or nothing",
        "description": "One transaction: if any reading is refused nothing is stored, and the "
        "error's `index` says which reading it was.",
        "security": [{"bearerAuth": []}],
        "parameters": [idempotency_header],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("Batch")}},
        },
        "responses": {
            "201": {
                "description": "Every reading recorded (or found recorded already).",
                "content": {"application/json": {"schema": _ref("BatchResult")}},
            },
            **error_responses(POST_ERRORS),
            "500": _internal_error_ref(),
        },
    }
    event_result = {"application/json": {"schema": _ref("EventResult")}}
    event = {
        "operationId": "recordEvent",
        "summary": "Record a deploy, or an incident opening or resolving",
        "description": "A deploy is one occurrence of the deployment-frequency metric. An "
        "incident that resolves recomputes the mean time to recovery over the period, which "
        "becomes the recovery metric's reading.",
        "security": [{"bearerAuth": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("Event")}},
        },
        "responses": {
            "201": {"description": "Recorded.", "content": event_result},
            "200": {"description": "Recorded before: nothing changed.", "content": event_result},
            **error_responses(EVENT_ERRORS),
            "500": _internal_error_ref(),
        },
    }
    hook_result = {"application/json": {"schema": _ref("HookResult")}}

    def header(name: str, description: str) -> dict:
        return {
            "name": name,
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": description,
        }

    hook = {
        "operationId": "receiveWebhook",
        "summary": "A webhook from GitHub, GitLab or Alertmanager",
        "description": "The URL `/roadmap config hook <kind> create` shows. GitHub: "
        "`deployment_status` and `ping` events (JSON or form-encoded), signed with "
        "`X-Hub-Signature-256`. GitLab: deployment events with `X-Gitlab-Token`. Alertmanager: "
        "webhook version 4 with `Authorization: Bearer <secret>` or `?secret=<secret>`.",
        "security": [],
        "parameters": [
            {
                "name": "kind",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": ["github", "gitlab", "alertmanager"]},
            },
            {
                "name": "hook_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_-]+$"},
            },
            header("X-Hub-Signature-256", "GitHub: `sha256=<HMAC-SHA256 of the body>`."),
            header("X-GitHub-Event", "GitHub: the event's name."),
            header("X-GitHub-Delivery", "GitHub: the delivery's id (the same on redelivery)."),
            header("X-Gitlab-Token", "GitLab: the hook's secret."),
            {
                "name": "secret",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Alertmanager: the hook's secret, when it cannot send a header.",
            },
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "responses": {
            "201": {"description": "A deploy recorded.", "content": hook_result},
            "200": {
                "description": "Handled: a ping, a repeat, or Alertmanager's alerts.",
                "content": hook_result,
            },
            "202": {"description": "An event the bot does not use.", "content": hook_result},
            **error_responses(HOOK_ERRORS),
            "500": _internal_error_ref(),
        },
    }
    spec_op = {
        "operationId": "openapi",
        "summary": "This description",
        "security": [],
        "responses": {
            "200": {"description": "The OpenAPI document.", "content": {"application/json": {}}}
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "roadmap-bot metrics API", "version": "1", "description": DESCRIPTION},
        "paths": {
            "/api/v1/metrics/{name}/readings": {"post": single},
            "/api/v1/readings": {"post": batch},
            "/api/v1/events": {"post": event},
            "/api/v1/hooks/{kind}/{hook_id}": {"post": hook},
            "/api/v1/openapi.json": {"get": spec_op},
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A workspace's API token (`rmb_…`).",
                }
            },
            "schemas": _schemas(),
            "responses": {name: _general(code) for name, code in GENERAL_ERRORS.items()},
        },
    }
