"""CLI commands say what they did, without Alembic's INFO lines (unless LOG_LEVEL=DEBUG)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _bot(*args: str, database: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOG_LEVEL"))}
    environment.update(DATABASE_URL=f"sqlite:///{database}", **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_commands_print_no_alembic_lines(tmp_path):
    database = tmp_path / "roadmap.db"
    migrated = _bot("migrate", database=database)
    assert migrated.returncode == 0, migrated.stderr
    assert "alembic" not in migrated.stdout + migrated.stderr
    assert "is at revision 0" in migrated.stdout  # the revision reached, not "head"
    listed = _bot("schedules", database=database)
    assert listed.returncode == 0, listed.stderr
    assert "alembic" not in listed.stdout + listed.stderr


def test_at_debug_alembic_is_heard(tmp_path):
    result = _bot("migrate", database=tmp_path / "roadmap.db", LOG_LEVEL="DEBUG")
    assert result.returncode == 0, result.stderr
    assert "alembic.runtime.migration" in result.stderr
