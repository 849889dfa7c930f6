"""Run many deliveries at once. Each delivery is a generator of Slack calls; the dispatcher
books every call a slot on the pacer and runs it on a small thread pool when the slot comes,
so a channel waiting out its one-post-per-second gap never holds a thread.

A delivery generator yields `Call`s and receives each call's result (or has its exception
thrown in), which keeps the sending logic plain sequential code while a thousand channels
are paced side by side."""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.scheduling.pacing import POST, Pacer

log = logging.getLogger(__name__)

# A 429 means Slack did not post: the call waits out a short Retry-After and goes again, this
# often. A longer one goes back to the job, whose delivery is retried by a later tick.
RATE_LIMIT_RETRIES = 3
LONGEST_INLINE_WAIT = 5.0


@dataclass
class Call:
    """One Slack call a delivery wants made. Calls with a channel are paced: posts per
    channel and workspace, reactions (lane REACTION) per workspace within their own limit;
    reads (channel None) run as soon as a thread is free."""

    channel: str | None
    workspace: str
    run: Callable[[], Any]
    rate_limited: int = 0
    lane: str = POST


Job = Generator[Call, Any, Any]


def run_calls(job: Job, pacer: Pacer) -> Any:
    """Drive one job in this thread, sleeping for the pacer: for commands and the CLI."""
    outcome: tuple[bool, Any] = (True, None)
    while True:
        try:
            call = job.send(outcome[1]) if outcome[0] else job.throw(outcome[1])
        except StopIteration as done:
            return done.value
        while True:
            if call.channel:
                pacer.wait(call.channel, call.workspace, call.lane)
            try:
                outcome = (True, call.run())
            except Exception as error:
                outcome = (False, error)
            if call.channel:
                pacer.answered(call.channel, call.lane)
            if not outcome[0] and _hold_after_429(pacer, call, outcome[1]):
                continue
            break


def _hold_after_429(pacer: Pacer, call: Call, error: Exception) -> bool:
    """On a 429, keep the channel and workspace quiet for Retry-After; True when the call
    should go again here (a short wait), False when it goes back to its job."""
    if not isinstance(error, SlackApiError):
        return False
    if getattr(error.response, "status_code", None) != 429 or not call.channel:
        return False
    retry_after = float(error.response.headers.get("Retry-After", 1) or 1)
    pacer.hold(call.channel, call.workspace, retry_after, call.lane)  # for every job here
    if retry_after > LONGEST_INLINE_WAIT or call.rate_limited >= RATE_LIMIT_RETRIES:
        return False
    call.rate_limited += 1
    return True


# Work for the pool, most urgent first: starting a claimed delivery (its first calls, a
# digest's composition and summary) before a call whose slot has come (a thread's next part).
START, DUE, STOP = 0, 1, 2


class Dispatcher:
    """Runs jobs concurrently: at most `in_flight` at a time, their calls on `threads` threads.

    The threads start claimed deliveries before they make calls that are due: every later
    call of a delivery waits for its channel's slot anyway, so what bounds a fan-out is how
    soon each channel's first post goes out. (With calls first, a busy machine spent its
    time on the threads of digests already begun, and the last summaries went out after
    nine seconds of a fifteen-second run; see bench/fanout.py.)"""

    def __init__(
        self,
        pacer: Pacer,
        *,
        threads: int = 8,
        in_flight: int = 200,
        heartbeat: Callable[[], None] | None = None,
        heartbeat_every: float = 60.0,
    ):
        self.pacer = pacer
        self.threads = threads
        self.in_flight = in_flight
        self.heartbeat = heartbeat  # e.g. keep the claims in hand from looking abandoned
        self.heartbeat_every = heartbeat_every
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._order = itertools.count()
        self._work: queue.PriorityQueue = queue.PriorityQueue()
        self._starts_taken = 0  # START tasks a thread has taken up (under _lock)
        self._lock = threading.Lock()

    def run(self, jobs: Callable[[int], list[Job]]) -> None:
        """`jobs(n)` returns up to n new jobs (claiming their deliveries), [] when none are
        left. It is asked while fewer than a batch of claimed jobs wait for a thread (or no
        job is running), for as many jobs as there are threads, so the clocks of several
        processes claim in proportion to how fast each starts them, and a claim (a database
        transaction) serves a batch of deliveries, not one per finished job."""
        ready: list[tuple[float, int, Job, Call]] = []  # (slot time, order, job, call)
        running = starts_given = 0  # jobs begun and not ended; START tasks given
        exhausted = False
        beat = self.pacer.clock()
        batch = max(1, min(self.threads, self.in_flight))
        workers = [
            threading.Thread(target=self._serve, name=f"sender-{n}", daemon=True)
            for n in range(self.threads)
        ]
        for worker in workers:
            worker.start()
        try:
            while True:
                now = self.pacer.clock()
                if self.heartbeat and now - beat >= self.heartbeat_every:
                    beat = now
                    try:
                        self.heartbeat()
                    except Exception:
                        log.exception("heartbeat failed")
                free = self.in_flight - running
                with self._lock:
                    waiting_to_start = starts_given - self._starts_taken
                if (
                    not exhausted
                    and (waiting_to_start < batch or not running)
                    and (free >= batch or not running)
                ):
                    try:
                        fresh = jobs(min(self.threads, free))
                    except Exception:  # e.g. the database went away: finish what we hold
                        log.exception("claiming deliveries failed")
                        fresh = []
                    exhausted = not fresh
                    for job in fresh:
                        running += 1
                        starts_given += 1
                        self._give(START, self._advance, job, (True, None))
                if running == 0 and exhausted:
                    return
                # After the claim: a thread that frees up meanwhile takes a start first.
                while ready and ready[0][0] <= now:
                    _, _, job, call = heapq.heappop(ready)
                    self._give(DUE, self._call, job, call)
                timeout = max(0.0, ready[0][0] - now) if ready else None
                if self.heartbeat:
                    every = self.heartbeat_every
                    timeout = every if timeout is None else min(timeout, every)
                try:
                    job, call, slot = self._done.get(timeout=timeout)
                except queue.Empty:
                    continue
                if call is None:
                    running -= 1
                else:
                    heapq.heappush(ready, (slot, next(self._order), job, call))
        finally:
            for _ in workers:
                self._give(STOP, None)
            for worker in workers:
                worker.join()

    def _give(self, urgency: int, task, *args) -> None:
        self._work.put((urgency, next(self._order), task, args))

    def _serve(self) -> None:
        """A pool thread: the most urgent task first, until told to stop."""
        while True:
            urgency, _, task, args = self._work.get()
            if urgency == STOP:
                return
            if urgency == START:
                with self._lock:
                    self._starts_taken += 1
            try:
                task(*args)
            except Exception:  # each task reports back itself; a thread must outlive a bug
                log.exception("a sender task failed")

    def _slot(self, call: Call) -> float:
        """Book the call's slot: paced calls on the pacer, reads at once."""
        if call.channel:
            return self.pacer.book(call.channel, call.workspace, call.lane)
        return self.pacer.clock()

    def _run(self, call: Call) -> tuple[bool, Any] | None:
        """Make the call now: its outcome, or None when a 429 holds it (it goes again after
        the hold, booked anew)."""
        if call.channel:
            self.pacer.started(call.channel, call.workspace, call.lane)
        try:
            outcome = (True, call.run())
        except Exception as error:
            outcome = (False, error)
        if call.channel:
            self.pacer.answered(call.channel, call.lane)
        if not outcome[0] and _hold_after_429(self.pacer, call, outcome[1]):
            return None
        return outcome

    def _call(self, job: Job, call: Call) -> None:
        """A call whose slot came, on a pool thread; then its job carries on here."""
        try:
            outcome = self._run(call)
        except BaseException:  # never leave the loop waiting for a task that died
            log.exception("a Slack call failed unexpectedly")
            self._done.put((job, None, None))
            return
        if outcome is None:
            self._done.put((job, call, self._slot(call)))
            return
        self._advance(job, outcome)

    def _advance(self, job: Job, outcome: tuple[bool, Any]) -> None:
        """Resume the job with a call's outcome and make its next calls here, in this thread,
        while they may go at once (reads, and posts whose slot has come: a digest's summary
        right after its composition); report back the first call that must wait for its
        slot, or the job's end. Always reports back, whatever happens, or the loop would wait
        for it forever. (Every call went through the loop before: under load the loop's
        thread, waiting for the GIL at each hand-over, was what held the fan-out back.)"""
        report: tuple[Job, Call | None, float | None] = (job, None, None)
        try:
            while True:
                try:
                    call = job.send(outcome[1]) if outcome[0] else job.throw(outcome[1])
                except StopIteration:
                    return
                except Exception:  # its own failure: its delivery stays claimed, recovery finds it
                    log.exception("delivery job failed")
                    return
                slot = self._slot(call)
                if slot > self.pacer.clock():
                    report = (job, call, slot)
                    return
                held = self._run(call)
                if held is None:
                    report = (job, call, self._slot(call))
                    return
                outcome = held
        finally:
            self._done.put(report)


class Tally:
    """Adds up what side-by-side jobs return (people asked, reminders sent); a job that
    fails is logged and counts nothing, and the others go on."""

    def __init__(self) -> None:
        self.total = 0
        self._lock = threading.Lock()

    def counted(self, job: Job, failure: str) -> Job:
        """`job`, its result added to the total; `failure` is logged if it raises (the next
        pass tries again)."""
        try:
            result = yield from job
        except Exception:
            log.exception(failure)
            return
        with self._lock:
            self.total += result or 0


def run_side_by_side(
    jobs: Iterable[Job],
    pacer: Pacer,
    *,
    in_flight: int,
    stopping: threading.Event | None = None,
) -> None:
    """Run a pass's jobs (one a workspace) on a Dispatcher, paced per channel and workspace
    like the deliveries, so a big hour's thousands of messages go out in minutes rather than
    one workspace after another. Once `stopping` is set no new job starts; those begun
    finish."""
    waiting = iter(jobs)
    stopping = stopping or threading.Event()

    def more(room: int) -> list[Job]:
        return [] if stopping.is_set() else list(itertools.islice(waiting, room))

    Dispatcher(pacer, in_flight=in_flight).run(more)
