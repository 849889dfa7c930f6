"""Digest composition: CPU per weekly digest, through the entry the clock uses.

Seeds N workspaces as bench/fanout.py does (the sample roadmap imported, its periods moved to
this year, a weekly digest scheduled), then for each workspace runs the weekly digest's job
(`bot.kinds.weekly_digest.weekly_digest_calls`) up to its first Slack call: opening the session,
composing the digest, rendering its messages. That is the work the clock does once per digest
before it posts. Also the service alone (`weekly_digest`), and the weekly and quarterly digests
of the sample roadmap with a quarter of history (examples/sample_history.py), where every part
of the digest has something to say. CPU time (time.process_time), median of several rounds
after a warm one; SQL statements per digest counted on the engine.

python -m bench.compose [--workspaces 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from bench.common import ROOT, SAMPLE, databases, print_table, reset_database, write_results
from bot.db import create_db_engine, make_session_factory
from bot.kinds.weekly_digest import weekly_digest_calls
from bot.services.digests import quarterly_digest, weekly_digest
from bot.services.roadmap_import import import_roadmap
from bot.services.schedules import add_schedule
from bot.services.workspaces import ensure_workspace
from models import Workspace

HISTORY_WEEK = datetime(2025, 3, 7, 15, tzinfo=UTC)  # a Friday with changes in its week
HISTORY_QUARTER = datetime(2025, 4, 7, 10, tzinfo=UTC)  # Q1 2025 has ended


def seed(url: str, count: int) -> tuple[list[int], int]:
    """`count` workspaces like the fan-out's, and one with the sample's quarter of history."""
    reset_database(url)
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    sample = SAMPLE.read_text().replace("2025", str(now.year)).encode()
    ids = []
    for n in range(count):
        with factory() as session, session.begin():
            workspace = ensure_workspace(session=session, team_id=f"T{n:08d}", name=f"Team {n}")
            import_roadmap(session=session, workspace_id=workspace.id, text=sample)
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=now - timedelta(days=1),
                kind="weekly_digest",
                rule="every friday 15:00",
                text=None,
                timezone="UTC",
            )
            ids.append(workspace.id)
    with factory() as session, session.begin():
        history = _sample_history().seed(session, team_id="THISTORY1").id
    engine.dispose()
    return ids, history


def _sample_history():
    path = ROOT / "examples" / "sample_history.py"
    spec = importlib.util.spec_from_file_location("sample_history", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def job_until_first_call(factory, workspace_id: int, now: datetime) -> None:
    """The clock's weekly digest job up to the summary's post (composed and rendered)."""
    job = weekly_digest_calls(
        session_factory=factory, client=None, workspace_id=workspace_id, channel_id="C1", now=now
    )
    next(job)
    job.close()


def service(factory, workspace_id: int, now: datetime, quarterly: bool = False) -> None:
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        if quarterly:
            quarterly_digest(session=session, workspace=workspace, period_label=None, now=now)
        else:
            weekly_digest(session=session, workspace=workspace, now=now)


def measure(engine, run, targets: list, rounds: int) -> dict:
    """CPU ms per call of `run(target)` (median round, after a warm round) and statements."""
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *_: statements.append(1))
    for target in targets:  # warm: imports, compiled-statement cache, connection pool
        run(target)
    per_round = []
    for _ in range(rounds):
        statements.clear()
        started = time.process_time()
        for target in targets:
            run(target)
        per_round.append((time.process_time() - started) * 1000 / len(targets))
    return {
        "cpu_ms": round(statistics.median(per_round), 2),
        "cpu_ms_min": round(min(per_round), 2),
        "statements": round(len(statements) / len(targets), 1),
    }


def bench(url: str, workspaces: int, rounds: int) -> dict:
    ids, history = seed(url, workspaces)
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        names = dict(session.execute(select(Workspace.id, Workspace.team_id)).all())
    assert all(names[i].startswith("T") for i in ids)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    results = {
        "weekly job (clock entry)": measure(
            engine, lambda w: job_until_first_call(factory, w, now), ids, rounds
        ),
        "weekly_digest (service)": measure(engine, lambda w: service(factory, w, now), ids, rounds),
        "weekly, sample history": measure(
            engine, lambda w: service(factory, w, HISTORY_WEEK), [history] * 20, rounds
        ),
        "quarterly, sample history": measure(
            engine, lambda w: service(factory, w, HISTORY_QUARTER, True), [history] * 20, rounds
        ),
    }
    engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows, runs = [], []
    for name, url in databases():
        results = bench(url, args.workspaces, args.rounds)
        runs.append({"database": name, "workspaces": args.workspaces, "results": results})
        for what, figures in results.items():
            rows.append(
                [
                    name,
                    what,
                    figures["cpu_ms"],
                    figures["cpu_ms_min"],
                    figures["statements"],
                ]
            )
    print_table(
        f"Digest composition, CPU ms per digest (median of {args.rounds} rounds)",
        ["db", "what", "cpu ms", "best round", "statements"],
        rows,
    )
    path = write_results("compose", {"rounds": args.rounds, "runs": runs})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
