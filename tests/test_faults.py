"""Fault tests: retried-event storms, the database going away under the web app (connections
cut, and a real PostgreSQL restart), and a fake Slack failing at random during a fan-out.
Loopback only, bounded in time, deterministic."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.runtime import Runtime
from bot.scheduling.tick import tick
from models import Checkin, CheckinPrompt, Delivery, Goal, ProcessedEvent
from tests.harness import http_request, run_command
from tests.test_scheduling import at, no_pacing, posts, schedule


@pytest.mark.usefixtures("frozen_time", "roadmap")
def test_a_storm_of_retried_events_counts_each_once(running_app, slack, session):
    """Ten answers, each delivered four times (retries 1-3), shuffled and concurrent."""
    outcome = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "2 people asked" in outcome.text
    session.rollback()
    prompts = session.execute(
        select(CheckinPrompt.channel_id, CheckinPrompt.message_ts, CheckinPrompt.recipient)
    ).all()
    events = []
    for n, (channel, ts, user) in enumerate(prompts):
        slack.fake.user_react(channel, ts, user, "tada")
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": "tada",
            "item": {"type": "message", "channel": channel, "ts": ts},
        }
        events += [(event, f"EvSTORM{n:05d}", retry) for retry in (None, 1, 2, 3)]
    random.Random(7).shuffle(events)
    results = []

    def send(batch):
        for event, event_id, retry in batch:
            results.append(running_app.event(event, event_id=event_id, retry_num=retry).status)

    threads = [threading.Thread(target=send, args=(events[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert running_app.runtime.listener_executor.wait_idle(30)
    assert results == [200] * len(events)
    session.rollback()
    reactions = select(func.count()).where(ProcessedEvent.event_type == "reaction_added")
    assert session.scalar(reactions) == len(prompts)
    # G3 has two owners and so two messages: each person's answer is kept, once.
    goals = {
        session.scalar(select(CheckinPrompt.goal_id).where(CheckinPrompt.message_ts == ts))
        for _, ts, _ in prompts
    }
    assert session.scalar(select(func.count()).select_from(Checkin)) == len(prompts)
    assert set(session.scalars(select(Goal.status).where(Goal.id.in_(goals)))) == {"done"}


class Cuttable:
    """A TCP proxy to PostgreSQL that a test can cut, as a database restart would."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.up.clear()
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
            self.sockets.clear()

    def restore(self):
        self.up.set()

    def close(self):
        self.cut()
        self.listener.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.usefixtures("frozen_time", "roadmap")
def test_the_web_app_rides_out_its_database_connections_being_cut(settings, slack):
    from bot.app import create_app
    from bot.web import create_wsgi_app
    from tests.conftest import SIGNING_SECRET
    from tests.harness import AppServer, SlackDriver

    url = make_url(settings.database_url)
    proxy = Cuttable((url.host or "127.0.0.1", url.port or 5432))
    proxied = replace(
        settings, database_url=url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    )
    runtime = Runtime.from_settings(proxied)
    try:
        with AppServer(create_wsgi_app(create_app(proxied, runtime), runtime)) as server:
            driver = SlackDriver(server.url, SIGNING_SECRET, slack.fake, slack.team_id)
            driver.runtime = runtime
            ok = run_command(driver, "list", user_id=slack.alice, channel_id=slack.channel)
            assert "Q1 2025" in ok.text
            proxy.cut()  # the database goes away, and every pooled connection with it
            assert http_request(f"{server.url}/healthz").status == 503
            during = run_command(driver, "list", user_id=slack.alice, channel_id=slack.channel)
            assert during.status == 200
            assert "Sorry, something went wrong" in during.text and "error" in during.text
            proxy.restore()
            after = run_command(driver, "list", user_id=slack.alice, channel_id=slack.channel)
            assert "Q1 2025" in after.text  # no restart of the app: pre-ping found new ones
            assert http_request(f"{server.url}/healthz").status == 200
    finally:
        runtime.close()
        proxy.close()


def server_binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or where Debian puts it."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


@pytest.fixture
def restartable_postgres():
    """A PostgreSQL server of the test's own (initdb, loopback, trust), so that the test can
    really stop and start it without touching the machine's server."""
    initdb, pg_ctl = server_binary("initdb"), server_binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("initdb/pg_ctl not found: the PostgreSQL server programs are needed")
    # PostgreSQL refuses to run as root: run it as the postgres user then.
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="pg-restart-"))
    if as_owner:
        shutil.chown(root, "postgres")
    data, log = root / "data", root / "server.log"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def run(*args):
        subprocess.run([*as_owner, *args], check=True, capture_output=True, timeout=60)

    def start():
        run(pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start")

    def stop(mode="fast"):
        run(pg_ctl, "-D", str(data), "-m", mode, "-w", "stop")

    run(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
    start()
    try:
        yield SimpleNamespace(
            url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", start=start, stop=stop
        )
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.usefixtures("frozen_time")
def test_the_web_app_rides_out_a_real_postgresql_restart(settings, slack, restartable_postgres):
    from bot.app import create_app
    from bot.db import create_db_engine, make_session_factory, migrate
    from bot.services.roadmap_import import import_roadmap
    from bot.services.workspaces import ensure_workspace
    from bot.web import create_wsgi_app
    from tests.conftest import SAMPLE_ROADMAP, SIGNING_SECRET
    from tests.harness import AppServer, SlackDriver

    own = replace(settings, database_url=restartable_postgres.url)
    migrate(own.database_url)
    engine = create_db_engine(own.database_url)
    with make_session_factory(engine)() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id=slack.team_id, name="Acme")
        import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes())
    engine.dispose()
    runtime = Runtime.from_settings(own)
    try:
        with AppServer(create_wsgi_app(create_app(own, runtime), runtime)) as server:
            driver = SlackDriver(server.url, SIGNING_SECRET, slack.fake, slack.team_id)
            driver.runtime = runtime

            def roadmap_list():
                return run_command(driver, "list", user_id=slack.alice, channel_id=slack.channel)

            assert "Q1 2025" in roadmap_list().text  # the pool now holds live connections
            restartable_postgres.stop()  # a real shutdown: every connection is closed
            assert http_request(f"{server.url}/healthz").status == 503
            during = roadmap_list()
            assert during.status == 200 and "Sorry, something went wrong" in during.text
            restartable_postgres.start()
            assert "Q1 2025" in roadmap_list().text  # no app restart: pre-ping replaced them
            assert http_request(f"{server.url}/healthz").status == 200
    finally:
        runtime.close()


def test_random_slack_faults_during_a_fan_out_deliver_each_once_or_fail(
    settings, slack, runtime_for_faults
):
    runtime, workspace_id = runtime_for_faults
    channels = [
        slack.fake.add_channel(slack.team_id, name=f"f-{n}", members=[slack.bot_user_id])["id"]
        for n in range(24)
    ]
    for channel in channels:
        schedule(runtime, workspace_id, "every monday 09:00", tz="UTC", channel=channel)
    rng = random.Random(11)
    faults = ["429", "500", "timeout", "ok", "ok", "ok"]
    now = at("2025-03-03T09:00:30+00:00")
    for step in range(12):
        for _ in range(6):
            kind = rng.choice(faults)
            if kind == "429":
                slack.fake.fail("chat.postMessage", status=429, retry_after=5, times=1)
            elif kind == "500":
                slack.fake.fail("chat.postMessage", status=500, times=1)
            elif kind == "timeout":
                slack.fake.fail("chat.postMessage", delay=1.3, apply=rng.random() < 0.5, times=1)
        tick(runtime, now=now + timedelta(minutes=2 * step), pacer=no_pacing())
        slack.fake.clear_faults()
        time.sleep(0.4)  # let delayed posts land in the fake before the next check
    tick(runtime, now=now + timedelta(minutes=40), pacer=no_pacing())
    tick(runtime, now=now + timedelta(minutes=50), pacer=no_pacing())
    counts = [len(posts(slack, c)) for c in channels]
    assert max(counts) == 1  # nothing twice
    with runtime.session_factory() as session:
        states = session.execute(select(Delivery.state, Delivery.error)).all()
    assert all(state in ("sent", "failed") for state, _ in states), states
    assert all(error for state, error in states if state == "failed")
    sent = sum(1 for state, _ in states if state == "sent")
    assert sent == sum(counts)  # every post recorded, every recorded post made


@pytest.fixture
def runtime_for_faults(settings, slack):
    from bot.services.workspaces import ensure_workspace
    from models import Schedule, Workspace

    runtime = Runtime.from_settings(replace(settings, slack_timeout=1.0))
    with runtime.session_factory() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id=slack.team_id)
        session.execute(Schedule.__table__.delete())
        workspace_id = session.get(Workspace, workspace.id).id
    yield runtime, workspace_id
    runtime.close()
