"""The metrics API's work: check readings sent as JSON, then record them in one transaction."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.errors import ApiError, ErrorCode
from bot.services import metrics
from bot.services.errors import InvalidInput, NotFound
from models import Metric, MetricReading, Workspace

MAX_BATCH = 500
MAX_KEY_LENGTH = 255  # metric_readings.idempotency_key is a VARCHAR(255)
MAX_NAME_LENGTH = 255
MAX_UNIT_LENGTH = 32
# Clocks drift and zones get mixed up; a reading from further ahead is a mistake.
MAX_FUTURE = timedelta(days=1)


@dataclass(frozen=True)
class ReadingInput:
    """One reading as sent, checked for shape but not yet against the workspace's metrics."""

    metric: str
    value: float
    at: datetime
    unit: str | None
    idempotency_key: str | None


def _value(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ApiError(ErrorCode.INVALID_VALUE, "`value` must be a number, like 87.2.")
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ApiError(ErrorCode.INVALID_VALUE, "`value` must be a finite number.")
    return value


def _time(raw: Any, now: datetime) -> datetime:
    if raw is None:
        return now
    if not isinstance(raw, str):
        raise ApiError(ErrorCode.INVALID_TIME, "`at` must be an ISO-8601 string.")
    try:
        at = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ApiError(
            ErrorCode.INVALID_TIME,
            f"`at` is not an ISO-8601 date and time, like 2025-03-01T12:00:00Z: {raw[:40]!r}.",
        ) from None
    # A time without an offset is taken as UTC.
    try:
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is past the end of the calendar in UTC
        raise ApiError(ErrorCode.INVALID_TIME, f"`at` is out of range: {raw[:40]!r}.") from None
    if at > now + MAX_FUTURE:
        raise ApiError(
            ErrorCode.INVALID_TIME,
            f"`at` is more than a day in the future: {raw[:40]!r}. Send when it was measured.",
        )
    return at


def _text(raw: Any, field: str, limit: int, *, code: ErrorCode = ErrorCode.INVALID_REQUEST) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(code, f"`{field}` must be a non-empty string.")
    if len(raw) > limit:
        raise ApiError(code, f"`{field}` may be at most {limit} characters.")
    return raw.strip()


def parse_reading(
    body: Any, *, now: datetime, metric: str | None = None, idempotency_key: str | None = None
) -> ReadingInput:
    """One reading: the single endpoint's body (metric from the path), or a batch item."""
    if not isinstance(body, dict):
        raise ApiError(ErrorCode.INVALID_REQUEST, "A reading must be a JSON object.")
    if metric is None:
        metric = _text(body.get("metric"), "metric", MAX_NAME_LENGTH)
    if "value" not in body:
        raise ApiError(ErrorCode.INVALID_VALUE, "`value` is required, like 87.2.")
    unit = body.get("unit")
    if unit is not None:
        unit = _text(unit, "unit", MAX_UNIT_LENGTH, code=ErrorCode.INVALID_UNIT)
    key = body.get("idempotency_key", idempotency_key)
    if key is not None:
        key = _text(key, "idempotency_key", MAX_KEY_LENGTH)
    return ReadingInput(
        metric=metric,
        value=_value(body["value"]),
        at=_time(body.get("at"), now),
        unit=unit,
        idempotency_key=key,
    )


def parse_batch(body: Any, *, now: datetime, idempotency_key: str | None) -> list[ReadingInput]:
    """The batch endpoint's readings; with an Idempotency-Key header, item i without a key of
    its own gets `<header>#<i>`, so a retried batch is stored once."""
    if not isinstance(body, dict) or not isinstance(body.get("readings"), list):
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            'Send {"readings": [{"metric": "uptime", "value": 99.95}, …]}.',
        )
    items = body["readings"]
    if not items:
        raise ApiError(ErrorCode.INVALID_REQUEST, "`readings` is empty; send at least one.")
    if len(items) > MAX_BATCH:
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            f"`readings` holds {len(items)} items; send at most {MAX_BATCH} at a time.",
        )
    parsed = []
    for index, item in enumerate(items):
        default_key = f"{idempotency_key}#{index}" if idempotency_key else None
        with _at_item(index):
            parsed.append(parse_reading(item, now=now, idempotency_key=default_key))
    return parsed


@contextmanager
def _at_item(index: int | None) -> Iterator[None]:
    """Prefix an ApiError raised for batch item `index` with where it happened."""
    try:
        yield
    except ApiError as error:
        if index is not None:
            error.message = f"readings[{index}]: {error.message}"
            error.extra = {**error.extra, "index": index}
        raise


def _resolve(session: Session, workspace: Workspace, name: str) -> Metric:
    try:
        return metrics.find_metric(session, workspace.id, name)
    except NotFound as error:
        raise ApiError(ErrorCode.UNKNOWN_METRIC, str(error)) from None
    except InvalidInput as error:  # the only other thing find_metric raises: ambiguity
        raise ApiError(ErrorCode.AMBIGUOUS_METRIC, str(error)) from None


def _check(metric: Metric, reading: ReadingInput) -> None:
    """Refuse what record_reading would, with the API's codes."""
    try:
        value = metrics.convert(reading.value, reading.unit, metric.unit)
    except InvalidInput as error:
        raise ApiError(ErrorCode.INVALID_UNIT, str(error)) from None
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ApiError(
            ErrorCode.INVALID_VALUE,
            f"{reading.value:g} {reading.unit or ''} is too large to store as {metric.name}.",
        )
    if metric.unit == "%" and not 0 <= round(value, 6) <= 100:
        raise ApiError(
            ErrorCode.INVALID_VALUE,
            f"{metric.name} is a percentage: give a value from 0 to 100, not {value:g}.",
        )


def _stored(session: Session, workspace_id: int, key: str) -> dict:
    """The reading an earlier call stored under idempotency `key`."""
    reading, metric_key, unit = session.execute(
        select(MetricReading, Metric.key, Metric.unit)
        .join(Metric, Metric.id == MetricReading.metric_id)
        .where(MetricReading.workspace_id == workspace_id, MetricReading.idempotency_key == key)
    ).one()
    return _result(metric_key, reading.value, unit, reading.recorded_at, recorded=False)


def _result(key: str, value: float, unit: str | None, at: datetime, *, recorded: bool) -> dict:
    return {
        "metric": key,
        "value": value,
        "unit": unit,
        "at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "recorded": recorded,
    }


def record_readings(
    session: Session, workspace: Workspace, readings: list[ReadingInput], *, batch: bool
) -> list[dict]:
    """Record every reading in the caller's transaction, or raise at the first bad one (the
    caller then rolls back, so nothing is stored). A replayed idempotency key records nothing
    and reports the reading stored the first time."""
    found: dict[str, Metric] = {}
    results = []
    for index, reading in enumerate(readings):
        with _at_item(index if batch else None):
            if reading.metric not in found:
                found[reading.metric] = _resolve(session, workspace, reading.metric)
            metric = found[reading.metric]
            _check(metric, reading)
            try:
                result = metrics.record_reading(
                    session=session,
                    workspace=workspace,
                    actor=None,
                    name=metric.key,
                    value=reading.value,
                    unit=reading.unit,
                    at=reading.at,
                    source="api",
                    idempotency_key=reading.idempotency_key,
                )
            except InvalidInput as error:
                raise ApiError(ErrorCode.INVALID_VALUE, str(error)) from None
        if not result.recorded and reading.idempotency_key:
            results.append(_stored(session, workspace.id, reading.idempotency_key))
        else:
            results.append(
                _result(metric.key, result.value, metric.unit, reading.at, recorded=True)
            )
    return results
