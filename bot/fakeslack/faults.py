"""Fault injection (fake.fail) and Slack-style posting rate limits (fake.rate_limit)."""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

Response = tuple[int, dict[str, str], bytes]


def json_response(
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON HTTP answer."""
    out = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return status, out, json.dumps(body).encode()


def text_response(status: int, text: str) -> Response:
    """A plain-text HTTP answer."""
    return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()


def ratelimited(retry_after: int) -> Response:
    """HTTP 429 as Slack sends it."""
    return json_response(
        429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, int(retry_after)))}
    )


@dataclass
class Fault:
    """One injected failure; `delay` seconds first; `apply` runs the call's effects anyway."""

    error: str | None = None
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    apply: bool = False
    body: str | dict[str, Any] | None = None

    @property
    def passes_through(self) -> bool:
        """A pure delay with apply=True answers normally (just late)."""
        return self.apply and self.error is None and self.status is None and self.body is None

    def response(self) -> Response:
        """The HTTP answer for this fault."""
        status = self.status if self.status is not None else 200
        if status == 429:
            return ratelimited(self.retry_after or 1)
        if isinstance(self.body, str):
            return text_response(status, self.body)
        if isinstance(self.body, dict):
            return json_response(status, self.body)
        if self.error is None and self.status is None:  # delay only, not applied
            return json_response(200, {"ok": False, "error": "request_timeout"})
        default = "internal_error" if status >= 500 else "fatal_error"
        return json_response(status, {"ok": False, "error": self.error or default})


class Faults:
    """Per-method queues of pending faults."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault | None]] = {}

    def add(self, method: str, fault: Fault, times: int, *, after: int = 0) -> None:
        """Queue `after` normal calls, then `times` copies of a fault, for the method."""
        queue = self._queues.setdefault(method, deque())
        queue.extend([None] * after + [fault] * times)

    def take(self, method: str) -> Fault | None:
        """Pop the next fault for this method, if any."""
        queue = self._queues.get(method)
        return queue.popleft() if queue else None

    def clear(self) -> None:
        """Drop every pending fault."""
        self._queues.clear()


@dataclass
class _Rule:
    per_channel_per_second: float | None
    per_team_per_minute: int | None
    seen_channel: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    seen_team: dict[str, deque[float]] = field(default_factory=dict)


def _check_window(seen: deque[float], now: float, window: float, allowed: int) -> int | None:
    while seen and seen[0] <= now - window:
        seen.popleft()
    if len(seen) < allowed:
        return None
    return max(1, math.ceil(seen[0] + window - now))


class RateLimiter:
    """Sliding-window limits per (method, channel) per second and per (method, team) per minute."""

    def __init__(self) -> None:
        self._rules: dict[str, _Rule] = {}

    def set(
        self, method: str, per_channel_per_second: float | None, per_team_per_minute: int | None
    ) -> None:
        """Enable (or with both None, disable) limits for a method."""
        if per_channel_per_second is None and per_team_per_minute is None:
            self._rules.pop(method, None)
        else:
            self._rules[method] = _Rule(per_channel_per_second, per_team_per_minute)

    def check(self, method: str, team_id: str, channel: str | None, now: float) -> int | None:
        """Record an attempt; returns Retry-After seconds if it exceeds a limit."""
        rule = self._rules.get(method)
        if rule is None:
            return None
        checks: list[tuple[deque[float], float, int]] = []
        rate = rule.per_channel_per_second
        if rate and channel:
            window, allowed = (1.0, int(rate)) if rate >= 1 else (1.0 / rate, 1)
            checks.append(
                (rule.seen_channel.setdefault((team_id, channel), deque()), window, allowed)
            )
        if rule.per_team_per_minute:
            checks.append(
                (rule.seen_team.setdefault(team_id, deque()), 60.0, int(rule.per_team_per_minute))
            )
        waits = [
            w
            for seen, window, allowed in checks
            if (w := _check_window(seen, now, window, allowed)) is not None
        ]
        if waits:
            return max(waits)
        for seen, _, _ in checks:
            seen.append(now)
        return None
