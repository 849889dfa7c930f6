"""Pace posts: about one a second per channel, a few a second per workspace (Slack drops
bursts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Slack allows about one post a second; it counts arrivals and we count departures, so leave
# a little room for a request that travels faster than the one before it.
POST_GAP = 1.05
# Slack also keeps an unpublished workspace-wide limit ("several hundred a minute"): stay
# well under it, about 170 posts a minute across a workspace's channels.
WORKSPACE_GAP = 0.35


class Pacer:
    """Books each post a slot once its channel and its workspace have had their rest."""

    def __init__(
        self,
        per_channel: float = POST_GAP,
        per_workspace: float = WORKSPACE_GAP,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.per_channel = per_channel
        self.per_workspace = per_workspace
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def book(self, channel: str, workspace: str) -> float:
        """Reserve the earliest slot the channel and workspace allow; returns its clock time.
        Nothing sleeps: the caller decides how to wait for it."""
        keys = (("c", channel, self.per_channel), ("w", workspace, self.per_workspace))
        with self._lock:
            now = self.clock()
            start = max([now] + [self._next.get(f"{kind}:{key}", now) for kind, key, _ in keys])
            for kind, key, gap in keys:
                self._next[f"{kind}:{key}"] = start + gap
        return start

    def wait(self, channel: str, workspace: str) -> float:
        """Book the slot, then sleep until it comes; returns how long it waited."""
        delay = self.book(channel, workspace) - self.clock()
        if delay > 0:
            self.sleep(delay)
        return max(delay, 0.0)

    def started(self, channel: str, workspace: str) -> None:
        """A booked call actually went out now: later slots count from here, so a call
        delayed by a busy machine does not bring its successor too close to it."""
        with self._lock:
            now = self.clock()
            for kind, key, gap in (
                ("c", channel, self.per_channel),
                ("w", workspace, self.per_workspace),
            ):
                name = f"{kind}:{key}"
                self._next[name] = max(self._next.get(name, 0.0), now + gap)

    def hold(self, channel: str, workspace: str, seconds: float) -> None:
        """After a 429, keep the channel and workspace quiet for Retry-After seconds."""
        with self._lock:
            until = self.clock() + seconds
            for key in (f"c:{channel}", f"w:{workspace}"):
                self._next[key] = max(self._next.get(key, 0.0), until)
