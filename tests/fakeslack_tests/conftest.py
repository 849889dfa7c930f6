"""Fixtures for testing the fake itself through a real slack_sdk WebClient."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.fakeslack import FakeSlack


class FrozenClock:
    """A settable clock for fake.clock."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@dataclass
class Env:
    """A seeded workspace: bot in #eng-roadmap with alice; bob outside it."""

    fake: FakeSlack
    team: dict[str, Any]
    alice: dict[str, Any]
    bob: dict[str, Any]
    token: str
    bot: str
    chan: str
    client: WebClient
    clock: FrozenClock


@pytest.fixture
def fake(request) -> Iterator[FakeSlack]:
    # Ids seeded from the test's name: each test sees the same ids on every run.
    with FakeSlack(seed=zlib.crc32(request.node.nodeid.encode())) as server:
        yield server
        assert server.internal_errors == []


@pytest.fixture
def env(fake: FakeSlack) -> Env:
    clock = FrozenClock()
    fake.clock = clock
    team = fake.add_team(team_id="T0000000001", name="Acme", domain="acme")
    alice = fake.add_user(team["id"], name="alice", real_name="Alice A", tz="Europe/Berlin")
    bob = fake.add_user(team["id"], name="bob", real_name="Bob B", tz="America/New_York")
    token = fake.install_bot(team["id"])
    bot = fake.bot_user_id(token)
    chan = fake.add_channel(team["id"], "eng-roadmap", members=[alice["id"], bot])
    client = WebClient(token=token, base_url=fake.api_url, timeout=5)
    return Env(fake, team, alice, bob, token, bot, chan["id"], client, clock)
