"""Pace calls to Slack: posts about one a second per channel and a few a second per workspace
(Slack drops bursts); reactions within their own per-workspace limit (Tier 3)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Slack allows about one post a second per channel. It counts arrivals and we see departures:
# a channel's next post leaves a second after the previous one's answer came back (Slack had
# counted that one by then), not only a second after it left. (A fixed margin of 50 ms after
# departures was not enough on a busy machine, where a request can wait longer than that
# between leaving and arriving: a 429, and a second lost for the channel.)
POST_GAP = 1.0
# Slack also keeps an unpublished workspace-wide limit ("several hundred a minute"): stay
# well under it, about 170 posts a minute across a workspace's channels.
WORKSPACE_GAP = 0.35
# reactions.add is a Tier 3 method: about 50 a minute per workspace. 48 a minute leaves room
# for the same arrival-versus-departure jitter as POST_GAP.
REACTION_GAP = 1.25

POST = "post"
REACTION = "reaction"


class Pacer:
    """Books each call a slot once its limits have had their rest: a post waits for its
    channel and its workspace's posts, a reaction for its workspace's reactions."""

    def __init__(
        self,
        per_channel: float = POST_GAP,
        per_workspace: float = WORKSPACE_GAP,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        per_reaction: float | None = None,
    ):
        self.per_channel = per_channel
        self.per_workspace = per_workspace
        # Reactions count against the workspace: a pacer that leaves workspaces alone (a
        # one-off command, the tests) leaves their reactions alone too, unless told.
        self.per_reaction = (
            (REACTION_GAP if per_workspace else 0.0) if per_reaction is None else per_reaction
        )
        self.clock = clock
        self.sleep = sleep
        self._next: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _limits(self, channel: str, workspace: str, lane: str):
        """The (key, gap) pairs a call of this lane waits for."""
        if lane == REACTION:
            return ((("r", workspace), self.per_reaction),)
        return ((("c", channel), self.per_channel), (("w", workspace), self.per_workspace))

    def book(self, channel: str, workspace: str, lane: str = POST) -> float:
        """Reserve the earliest slot the call's limits allow; returns its clock time.
        Nothing sleeps: the caller decides how to wait for it."""
        limits = self._limits(channel, workspace, lane)
        following = self._next
        with self._lock:
            start = now = self.clock()
            for key, _gap in limits:
                start = max(start, following.get(key, now))
            for key, gap in limits:
                following[key] = start + gap
        return start

    def wait(self, channel: str, workspace: str, lane: str = POST) -> float:
        """Book the slot, then sleep until it comes; returns how long it waited."""
        delay = self.book(channel, workspace, lane) - self.clock()
        if delay > 0:
            self.sleep(delay)
        return max(delay, 0.0)

    def started(self, channel: str, workspace: str, lane: str = POST) -> None:
        """A booked call actually went out now: later slots count from here, so a call
        delayed by a busy machine does not bring its successor too close to it."""
        limits = self._limits(channel, workspace, lane)
        following = self._next
        with self._lock:
            now = self.clock()
            for key, gap in limits:
                following[key] = max(following.get(key, 0.0), now + gap)

    def answered(self, channel: str, lane: str = POST) -> None:
        """A paced post's answer came back now: the channel's next post waits a gap from
        here (see POST_GAP)."""
        if lane != POST:
            return  # reactions are limited per minute: a request's travel time is noise
        key = ("c", channel)
        with self._lock:
            self._next[key] = max(self._next.get(key, 0.0), self.clock() + self.per_channel)

    def hold(self, channel: str, workspace: str, seconds: float, lane: str = POST) -> None:
        """After a 429, keep the call's limits quiet for Retry-After seconds."""
        limits = self._limits(channel, workspace, lane)
        with self._lock:
            until = self.clock() + seconds
            for key, _gap in limits:
                self._next[key] = max(self._next.get(key, 0.0), until)
