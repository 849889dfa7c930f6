"""The dispatcher paces each channel without holding a thread, so channels go side by side;
call outcomes (results, errors, short 429s) reach each delivery's own code."""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Iterator

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.scheduling.dispatch import Call, Dispatcher, Job, run_calls
from bot.scheduling.pacing import Pacer

GAP = 0.2  # seconds between two calls in one channel: small, so the test stays fast


def iterate(jobs: Iterator[Job]):
    """A plain iterator of jobs as the dispatcher's `jobs(n)`."""

    def take(n: int) -> list[Job]:
        return list(itertools.islice(jobs, n))

    return take


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.at: dict[str, list[float]] = defaultdict(list)

    def call(self, channel: str, value=None):
        def run():
            with self.lock:
                self.at[channel].append(time.monotonic())
            return value

        return run


def slack_error(status: int, error: str, headers: dict | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)


def test_channels_are_paced_side_by_side_not_one_after_another():
    recorder, results = Recorder(), {}

    def job(channel: str):
        got = []
        for n in range(3):
            got.append((yield Call(channel, f"T-{channel}", recorder.call(channel, n))))
        results[channel] = got

    channels = [f"C{n:03}" for n in range(40)]
    started = time.monotonic()
    Dispatcher(Pacer(per_channel=GAP, per_workspace=0), threads=2, in_flight=100).run(
        iterate(job(c) for c in channels)
    )
    elapsed = time.monotonic() - started
    assert results == {c: [0, 1, 2] for c in channels}  # each call's result came back
    for channel in channels:
        first, second, third = recorder.at[channel]
        assert second - first >= GAP * 0.95 and third - second >= GAP * 0.95
    # One after another would take 40 × 2 gaps = 16 s; side by side about 2 gaps.
    assert elapsed < 40 * 2 * GAP / 4


def test_claims_only_what_idle_threads_can_start_and_at_most_in_flight():
    asked: list[int] = []
    pending = list(range(12))
    active, most = 0, 0

    def job(channel: str):
        nonlocal active, most
        active += 1
        most = max(most, active)
        yield Call(channel, "T1", lambda: None)  # waits for its paced slot: no thread held
        yield Call(channel, "T1", lambda: None)
        active -= 1

    def jobs(room: int):
        asked.append(room)
        taken, pending[:] = pending[:room], pending[room:]
        return [job(f"C{n}") for n in taken]

    Dispatcher(Pacer(per_channel=GAP, per_workspace=0), threads=2, in_flight=5).run(jobs)
    assert not pending and max(asked) <= 2  # never more than the idle threads
    assert most <= 5  # never more deliveries begun than in_flight


def test_errors_are_thrown_into_the_job_and_it_carries_on():
    recorder, seen = Recorder(), []

    def failing():
        raise slack_error(200, "is_archived")

    def job():
        try:
            yield Call("C1", "T1", failing)
        except SlackApiError as error:
            seen.append(error.response["error"])
        seen.append((yield Call("C1", "T1", recorder.call("C1", "after"))))

    def broken():
        yield Call("C2", "T1", recorder.call("C2"))
        raise RuntimeError("a bug in one delivery")

    Dispatcher(Pacer(per_channel=0, per_workspace=0), threads=2).run(
        iterate(iter([broken(), job()]))
    )
    assert seen == ["is_archived", "after"]


def test_a_short_429_is_waited_out_and_the_call_goes_again():
    attempts = []

    def limited_once():
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise slack_error(429, "ratelimited", {"Retry-After": "1"})
        return {"ok": True}

    def job(out):
        out.append((yield Call("C1", "T1", limited_once)))

    out: list = []
    Dispatcher(Pacer(per_channel=0, per_workspace=0), threads=2).run(iterate(iter([job(out)])))
    assert out == [{"ok": True}] and len(attempts) == 2
    assert attempts[1] - attempts[0] >= 0.95  # Retry-After honoured


def test_a_long_429_goes_back_to_the_job():
    def limited():
        raise slack_error(429, "ratelimited", {"Retry-After": "60"})

    def job(out):
        try:
            yield Call("C1", "T1", limited)
        except SlackApiError as error:
            out.append(error.response.headers["Retry-After"])

    out: list = []
    run_calls(job(out), Pacer(per_channel=0, per_workspace=0))
    assert out == ["60"]  # its delivery is retried by a later tick instead


def test_a_failing_claim_lets_the_deliveries_in_hand_finish():
    done = []

    def job(n):
        yield Call(f"C{n}", "T1", lambda: None)
        done.append(n)

    batches = iter([[job(1), job(2)]])

    def jobs(room):
        batch = next(batches, None)
        if batch is None:
            raise ConnectionError("the database went away")
        return batch

    Dispatcher(Pacer(per_channel=0, per_workspace=0), threads=2).run(jobs)
    assert sorted(done) == [1, 2]


def test_the_heartbeat_beats_while_deliveries_wait_for_their_slots():
    beats = []

    def job():
        for _ in range(3):
            yield Call("C1", "T1", lambda: None)  # three posts, GAP apart

    dispatcher = Dispatcher(
        Pacer(per_channel=GAP, per_workspace=0),
        threads=2,
        heartbeat=lambda: beats.append(time.monotonic()),
        heartbeat_every=GAP / 4,
    )
    dispatcher.run(iterate(iter([job()])))
    assert len(beats) >= 3  # two gaps of GAP, a beat every GAP / 4


def test_an_error_without_a_response_object_does_not_hang_the_loop():
    def odd():
        raise SlackApiError("made up", {"ok": False, "error": "not_in_channel"})

    def job(out):
        try:
            yield Call("C1", "T1", odd)
        except SlackApiError as error:
            out.append(error.response["error"])

    out: list = []
    Dispatcher(Pacer(per_channel=0, per_workspace=0), threads=2).run(iterate(iter([job(out)])))
    assert out == ["not_in_channel"]


def test_claimed_deliveries_start_before_due_calls_of_those_begun():
    """Every later call of a delivery waits for its channel anyway: with one thread, the
    twenty deliveries' first calls all go before any second call, however early those
    came due."""
    order: list[str] = []

    def first_call(name: str):
        def run():
            busy_until = time.monotonic() + 0.01  # a composition's worth of work
            while time.monotonic() < busy_until:
                pass
            order.append(f"{name}-1")

        return run

    def job(name: str):  # a workspace each: the pacer orders one workspace's bookings
        yield Call(f"C-{name}", f"T-{name}", first_call(name))
        yield Call(f"C-{name}", f"T-{name}", lambda: order.append(f"{name}-2"))

    Dispatcher(Pacer(per_channel=0.001, per_workspace=0), threads=1, in_flight=100).run(
        iterate(job(f"J{n:02}") for n in range(20))
    )
    assert len(order) == 40
    assert all(call.endswith("-1") for call in order[:20]), order
