"""What the benchmarks share: databases, a large workspace, processes, percentiles, output."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bot.db import create_db_engine, make_session_factory, migrate, normalize_database_url
from models import Base

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SAMPLE = ROOT / "examples" / "backend-engineering-2025.md"
PG_URL = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_DATABASE_URL")


def databases() -> list[tuple[str, str]]:
    """(name, fresh URL) for SQLite, and PostgreSQL when one is configured and answers."""
    found = [("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db")]
    if PG_URL:
        engine = create_db_engine(PG_URL)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            found.append(("postgresql", normalize_database_url(PG_URL)))
        except Exception as error:
            print(f"PostgreSQL at {PG_URL} is not answering ({error}); benchmarking SQLite only.")
        finally:
            engine.dispose()
    return found


def reset_database(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_db_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate(url)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 2),
        "p95_ms": round(percentile(values, 95) * 1000, 2),
        "p99_ms": round(percentile(values, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2) if values else None,
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_results(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2))
    return path


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def process(args: list[str], env: dict, cwd: Path | None = None):
    proc = subprocess.Popen(
        args, env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_http(url: str, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (gunicorn workers), in KiB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        pids += [int(c) for c in children]
    except FileNotFoundError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def build_large_workspace(
    url: str,
    *,
    team_id: str,
    goals: int,
    metrics: int,
    readings_per_metric: int,
    checkins: int,
    owners: list[str],
) -> int:
    """A workspace with the sample's periods and categories and many goals, readings and
    check-ins, written with bulk inserts. Returns the workspace id."""
    from bot.services.roadmap_import import import_roadmap
    from bot.services.workspaces import ensure_workspace
    from models import Category, Checkin, Goal, GoalOwner, Metric, MetricReading, Period

    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    now = datetime(2025, 3, 5, 10, tzinfo=UTC)
    with factory() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id=team_id, name="Bench")
        workspace.roadmap_channel_id = None
        import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE.read_bytes())
        workspace_id = workspace.id
        roadmap_id = session.scalar(
            text("SELECT id FROM roadmaps WHERE workspace_id = :w"), {"w": workspace_id}
        )
        period_ids = [p.id for p in session.query(Period).filter_by(workspace_id=workspace_id)]
        category_ids = [c.id for c in session.query(Category).filter_by(workspace_id=workspace_id)]
        first = session.scalar(
            text("SELECT COALESCE(MAX(number), 0) FROM goals WHERE workspace_id = :w"),
            {"w": workspace_id},
        )
        existing_metrics = session.query(Metric).filter_by(workspace_id=workspace_id).count()
    statuses = ["not-started", "on-track", "at-risk", "off-track", "blocked", "done"]
    with engine.begin() as connection:
        extra = max(0, goals - first)
        rows = [
            {
                "workspace_id": workspace_id,
                "number": first + n + 1,
                "roadmap_id": roadmap_id,
                "period_id": period_ids[n % len(period_ids)],
                "category_id": category_ids[n % len(category_ids)],
                "title": f"Generated goal {n}",
                "normalized_title": f"generated goal {n}",
                "status": statuses[n % len(statuses)],
                "progress": n % 101,
                "archived": False,
                "position": 100 + n,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(extra)
        ]
        for chunk in range(0, len(rows), 5000):
            connection.execute(insert(Goal), rows[chunk : chunk + 5000])
        goal_ids = [
            r[0]
            for r in connection.execute(
                text("SELECT id FROM goals WHERE workspace_id = :w ORDER BY id"),
                {"w": workspace_id},
            )
        ]
        owner_rows = [
            {
                "workspace_id": workspace_id,
                "goal_id": g,
                "owner": owners[i % len(owners)],
                "position": 0,
            }
            for i, g in enumerate(goal_ids)
        ]
        for chunk in range(0, len(owner_rows), 5000):
            connection.execute(insert(GoalOwner), owner_rows[chunk : chunk + 5000])
        metric_rows = [
            {
                "workspace_id": workspace_id,
                "key": f"bench-metric-{m}",
                "name": f"Bench metric {m}",
                "aliases": [],
                "kind": "technical",
                "text": ">80%",
                "target": 80.0,
                "comparator": ">",
                "unit": "%",
                "typed": True,
                "position": 100 + m,
                "archived": False,
                "created_at": now,
                "updated_at": now,
            }
            for m in range(max(0, metrics - existing_metrics))
        ]
        if metric_rows:
            connection.execute(insert(Metric), metric_rows)
        metric_ids = [
            r[0]
            for r in connection.execute(
                text("SELECT id FROM metrics WHERE workspace_id = :w"), {"w": workspace_id}
            )
        ]
        reading_rows = [
            {
                "workspace_id": workspace_id,
                "metric_id": m,
                "value": 50 + (i % 50),
                "recorded_at": now - timedelta(hours=i),
                "source": "api",
            }
            for m in metric_ids
            for i in range(readings_per_metric)
        ]
        for chunk in range(0, len(reading_rows), 5000):
            connection.execute(insert(MetricReading), reading_rows[chunk : chunk + 5000])
        cycles = max(1, checkins // max(1, len(goal_ids)) + 1)
        checkin_rows = []
        for c in range(cycles):
            monday = now - timedelta(weeks=c)
            year, week, _ = monday.isocalendar()
            for g in goal_ids:
                if len(checkin_rows) >= checkins:
                    break
                checkin_rows.append(
                    {
                        "workspace_id": workspace_id,
                        "goal_id": g,
                        "cycle": f"{year}-W{week:02d}",
                        "user_id": owners[g % len(owners)],
                        "status": statuses[g % 5],
                        "progress": g % 101,
                        "source": "reaction",
                        "created_at": monday,
                        "updated_at": monday,
                    }
                )
        for chunk in range(0, len(checkin_rows), 5000):
            connection.execute(insert(Checkin), checkin_rows[chunk : chunk + 5000])
    engine.dispose()
    return workspace_id


def table_sizes(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        sizes = {
            t.name: connection.execute(text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar()
            for t in Base.metadata.sorted_tables
            if t.name in ("goals", "checkins", "metric_readings", "metrics")
        }
    engine.dispose()
    return sizes


def python() -> str:
    return sys.executable


def cleanup(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
