"""Every error the HTTP API can answer with: one enum, used by the code and the OpenAPI spec."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """An error's `error` field, with its HTTP status and what it means."""

    status: int
    summary: str

    def __new__(cls, code: str, status: int, summary: str) -> ErrorCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.status = status
        member.summary = summary
        return member

    MISSING_TOKEN = ("missing_token", 401, "No `Authorization: Bearer <token>` header was sent.")
    INVALID_TOKEN = ("invalid_token", 401, "The token is unknown or has been revoked.")
    INVALID_SIGNATURE = (
        "invalid_signature",
        401,
        "The webhook's signature or secret does not match the hook's secret.",
    )
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported_media_type",
        415,
        "The body must be sent as `Content-Type: application/json`.",
    )
    BODY_TOO_LARGE = ("body_too_large", 413, "The body is larger than 64 KiB.")
    INVALID_JSON = ("invalid_json", 400, "The body is not valid UTF-8 JSON.")
    INVALID_REQUEST = (
        "invalid_request",
        400,
        "The JSON does not have the expected shape (a missing or mistyped field, an empty or "
        "too long `readings` list, a bad idempotency key).",
    )
    INVALID_VALUE = (
        "invalid_value",
        400,
        "`value` is missing, not a finite number, or outside 0–100 for a percentage metric.",
    )
    INVALID_UNIT = ("invalid_unit", 400, "`unit` cannot be converted to the metric's unit.")
    INVALID_TIME = ("invalid_time", 400, "`at` is not an ISO-8601 date and time.")
    UNKNOWN_METRIC = ("unknown_metric", 404, "The workspace has no metric by that name.")
    AMBIGUOUS_METRIC = ("ambiguous_metric", 409, "The name matches several metrics.")
    UNKNOWN_HOOK = ("unknown_hook", 404, "There is no active hook with that kind and id.")
    UNKNOWN_INCIDENT = (
        "unknown_incident",
        404,
        "`incident_resolved` names an incident never opened, and gives no `started_at`.",
    )
    NOT_FOUND = ("not_found", 404, "There is no such API path.")
    METHOD_NOT_ALLOWED = (
        "method_not_allowed",
        405,
        "The path does not accept this method (see the Allow header).",
    )
    INTERNAL_ERROR = (
        "internal_error",
        500,
        "Something went wrong on the server; it was logged under the returned `id`.",
    )


class ApiError(Exception):
    """Raised anywhere under bot.api to answer with `code`'s status and a JSON error body."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        headers: list[tuple[str, str]] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or []
        self.extra = extra or {}

    @property
    def status(self) -> int:
        return self.code.status

    def payload(self) -> dict:
        return {"error": self.code.value, "message": self.message, **self.extra}
