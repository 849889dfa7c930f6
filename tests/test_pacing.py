"""The pacer keeps one post per second per channel and per workspace, and honours holds."""

from bot.scheduling.pacing import Pacer


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_one_post_per_second_per_channel_and_workspace():
    clock = FakeClock()
    pacer = Pacer(per_channel=1.0, per_workspace=1.0, clock=clock, sleep=clock.sleep)
    pacer.wait("C1", "T1")
    pacer.wait("C1", "T1")  # same channel: a second later
    pacer.wait("C2", "T1")  # same workspace: another second
    pacer.wait("C3", "T2")  # another workspace and channel: at once
    assert clock.slept == [1.0, 1.0]


def test_a_hold_after_429_keeps_the_channel_quiet():
    clock = FakeClock()
    pacer = Pacer(per_channel=1.0, per_workspace=0.0, clock=clock, sleep=clock.sleep)
    pacer.hold("C1", "T1", 30)
    pacer.wait("C1", "T1")
    assert clock.slept == [30.0]


def test_a_channels_next_post_waits_a_gap_from_the_answer_not_from_the_departure():
    """Slack counts a post when it arrives: one that took long to answer may have arrived
    late, so the next waits a second from its answer (a fixed margin would 429 on a busy
    machine)."""
    clock = FakeClock()
    pacer = Pacer(per_channel=1.0, per_workspace=0.0, clock=clock, sleep=clock.sleep)
    pacer.wait("C1", "T1")
    pacer.started("C1", "T1")
    clock.now += 0.3  # the answer took 300 ms
    pacer.answered("C1")
    pacer.wait("C1", "T1")
    assert clock.slept == [1.0]  # 1.3 s after the first left
    pacer.wait("C2", "T1", lane="reaction")  # reactions count per minute: no such wait
    pacer.answered("C2", lane="reaction")
    assert clock.slept == [1.0]
