"""The real entry points as processes: `python -m bot serve` (gunicorn) and `make run`'s path."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.harness import http_request

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(url: str, process: subprocess.Popen, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.communicate()}")
        try:
            result = http_request(url)
            if result.status == 200:
                return result.json()
        except OSError:
            pass
        time.sleep(0.2)  # polling a process start-up, not a schedule
    raise AssertionError("server did not answer /healthz in time")


@pytest.mark.parametrize("command", ["serve", "run"])
def test_server_starts_offline_serves_health_and_stops_on_ctrl_c(command, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", command],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = _wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        assert health["database"] == "ok"
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET not set" in err
    assert "manifest.yml" in err
