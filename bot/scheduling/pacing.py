"""Pace posts: at most one per second per channel and per workspace (Slack drops bursts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Waits before a post until its channel and its workspace have had a second's rest."""

    def __init__(
        self,
        per_channel: float = 1.0,
        per_workspace: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.per_channel = per_channel
        self.per_workspace = per_workspace
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str, workspace: str) -> float:
        """Sleep as needed, then book the slot; returns how long it waited."""
        keys = (("c", channel, self.per_channel), ("w", workspace, self.per_workspace))
        with self._lock:
            now = self.clock()
            start = max([now] + [self._next.get(f"{kind}:{key}", now) for kind, key, _ in keys])
            for kind, key, gap in keys:
                self._next[f"{kind}:{key}"] = start + gap
        delay = start - now
        if delay > 0:
            self.sleep(delay)
        return max(delay, 0.0)

    def hold(self, channel: str, workspace: str, seconds: float) -> None:
        """After a 429, keep the channel and workspace quiet for Retry-After seconds."""
        with self._lock:
            until = self.clock() + seconds
            for key in (f"c:{channel}", f"w:{workspace}"):
                self._next[key] = max(self._next.get(key, 0.0), until)
