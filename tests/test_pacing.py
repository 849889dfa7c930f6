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
