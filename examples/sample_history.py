"""A quarter of history for the sample roadmap: owners, status changes, check-ins and metric
readings dated through Q1 2025, so the digests (and their charts) have something to say.

    python examples/sample_history.py sqlite:///sample.db
    DATABASE_URL=sqlite:///sample.db python -m bot digest quarterly --preview \\
        --as-of 2025-04-01 --charts charts/

Everything goes through the bot's own services; only the audit entries' times are set to the
day each change is said to have happened (the services stamp them with the real clock).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.services import checkins, goals, metrics  # noqa: E402
from bot.services.actors import Actor  # noqa: E402
from bot.services.roadmap_import import import_roadmap  # noqa: E402
from bot.services.workspaces import ensure_workspace  # noqa: E402
from models import AuditEntry, Checkin, Member, RitualOccurrence, Schedule  # noqa: E402

SAMPLE = ROOT / "examples" / "backend-engineering-2025.md"
ADMIN = Actor("UADMIN001", is_slack_admin=True)
PEOPLE = {"UALICE001": "Alice Archer", "UBOB00001": "Bob Baker", "UCAROL001": "Carol Chen"}
ALICE, BOB, CAROL = PEOPLE


def when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def at(session, moment: datetime, change: Callable[[], object]) -> None:
    """Make a change through a service, dated `moment` in the audit log and check-ins."""
    last_audit = session.scalar(select(func.max(AuditEntry.id))) or 0
    last_checkin = session.scalar(select(func.max(Checkin.id))) or 0
    change()
    session.flush()
    session.execute(update(AuditEntry).where(AuditEntry.id > last_audit).values(at=moment))
    session.execute(
        update(Checkin)
        .where(Checkin.id > last_checkin)
        .values(created_at=moment, updated_at=moment)
    )


def weekly(first: str, values: list[float], every: int = 7) -> list[tuple[datetime, float]]:
    start = when(first)
    return [(start + timedelta(days=every * i), v) for i, v in enumerate(values)]


READINGS = {
    "uptime": weekly(
        "2025-01-06 09:00",
        [99.80, 99.84, 99.86, 99.9, 99.88, 99.91, 99.93, 99.92, 99.94, 99.95, 99.93, 99.96],
    ),
    "api-response-time": weekly(
        "2025-01-06 09:00", [245, 238, 231, 224, 219, 214, 208, 204, 199, 203, 207, 212]
    ),
    "code-coverage": weekly("2025-01-13 09:00", [68, 70, 71, 73, 75, 76, 78, 80, 81, 83, 84]),
    "mean-time-to-recovery": [
        (when("2025-01-21 16:00"), 1.5),
        (when("2025-02-11 11:00"), 1.2),
        (when("2025-03-04 15:00"), 0.75),
        (when("2025-03-25 10:00"), 0.6),
    ],
    "employee-satisfaction": [
        (when("2025-01-31 12:00"), 4.2),
        (when("2025-02-28 12:00"), 4.4),
        (when("2025-03-28 12:00"), 4.6),
    ],
    "cross-team-collaboration": [
        (when("2025-01-31 12:00"), 30),
        (when("2025-02-28 12:00"), 40),
        (when("2025-03-28 12:00"), 45),
    ],
    "knowledge-sharing-sessions": [
        (when("2025-01-02 15:00"), 1),
        (when("2025-02-06 15:00"), 1),
        (when("2025-03-06 15:00"), 1),
    ],
}


def deploys() -> list[tuple[datetime, float]]:
    """A deploy most working days, fewer during the February freeze."""
    found, day = [], date(2025, 1, 2)
    while day <= date(2025, 3, 31):
        freeze = date(2025, 2, 10) <= day <= date(2025, 2, 21)
        if day.weekday() < 5 and (day.toordinal() % 5 != 0) and not (freeze and day.day % 3):
            found.append((datetime(day.year, day.month, day.day, 14, tzinfo=UTC), 1.0))
        day += timedelta(days=1)
    return found


def seed(session, team_id: str = "TSAMPLE01", name: str = "Backend Engineering"):
    """The sample roadmap in a new workspace, with Q1 2025's history. Returns the workspace."""
    workspace = ensure_workspace(session=session, team_id=team_id, name=name)
    import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE.read_bytes())
    session.add_all(
        Member(workspace_id=workspace.id, user_id=user, name=display)
        for user, display in PEOPLE.items()
    )
    start = when("2025-01-02 09:00")
    owners = {
        "G1": [ALICE],
        "G2": [BOB],
        "G3": [ALICE, BOB],
        "G4": [CAROL],
        "G5": [BOB],
        "G6": [CAROL],
        "G7": [ALICE],
        "G9": [BOB],
        "G10": [CAROL],
        "G13": [ALICE],
    }
    for ref, people in owners.items():
        at(
            session,
            start,
            lambda ref=ref, people=people: goals.assign_goal(
                session=session, workspace=workspace, actor=ADMIN, ref=ref, owners=people
            ),
        )

    def status(moment: str, ref: str, value: str, reason: str | None = None) -> None:
        at(
            session,
            when(moment),
            lambda: goals.set_status(
                session=session,
                workspace=workspace,
                actor=ADMIN,
                ref=ref,
                status=value,
                reason=reason,
            ),
        )

    def progress(moment: str, ref: str, percent: int) -> None:
        at(
            session,
            when(moment),
            lambda: goals.set_progress(
                session=session, workspace=workspace, actor=ADMIN, ref=ref, percent=percent
            ),
        )

    def answer(moment: str, ref: str, **given) -> None:
        at(
            session,
            when(moment),
            lambda: checkins.record_checkin(
                session=session,
                workspace=workspace,
                actor=ADMIN,
                ref=ref,
                now=when(moment),
                source="command",
                **given,
            ),
        )

    for ref in ("G1", "G3", "G4", "G9", "G10", "G13"):
        status("2025-01-13 10:00", ref, "on-track")
    progress("2025-01-27 10:00", "G1", 30)
    status("2025-02-03 10:00", "G6", "on-track")
    answer("2025-02-10 10:00", "G3", status="at-risk", progress=20, note="vendor is late")
    progress("2025-02-17 10:00", "G9", 70)
    status("2025-02-24 10:00", "G2", "blocked", "waiting on the DBA team")
    answer("2025-03-03 10:00", "G1", status="on-track", progress=80)
    answer("2025-03-03 10:00", "G10", status="on-track", progress=60)
    status("2025-03-06 10:00", "G9", "done")
    status("2025-03-10 10:00", "G4", "off-track", "two incidents in March")
    status("2025-03-14 10:00", "G6", "done")
    status("2025-03-21 10:00", "G13", "done")
    status("2025-03-27 10:00", "G1", "done")
    answer("2025-03-31 10:00", "G3", status="at-risk", progress=55, note="budget approved")
    for key, points in [*READINGS.items(), ("deployment-frequency", deploys())]:
        for moment, value in points:
            at(
                session,
                moment,
                lambda key=key, value=value, moment=moment: metrics.record_reading(
                    session=session,
                    workspace=workspace,
                    actor=ADMIN,
                    name=key,
                    value=value,
                    unit=None,
                    at=moment,
                ),
            )
    sharing = session.scalar(
        select(Schedule).where(
            Schedule.workspace_id == workspace.id, Schedule.kind == "knowledge_sharing"
        )
    )
    if sharing is not None:
        session.add(
            RitualOccurrence(
                workspace_id=workspace.id,
                schedule_id=sharing.id,
                kind="knowledge_sharing",
                occurrence_date=date(2025, 4, 3),
                presenter_user_id=ALICE,
                topic="Tracing with OpenTelemetry",
                state="planned",
            )
        )
    session.flush()
    return workspace


def main(argv: list[str]) -> int:
    from bot.db import create_db_engine, make_session_factory, migrate, normalize_database_url

    if len(argv) != 1:
        print("usage: python examples/sample_history.py DATABASE_URL", file=sys.stderr)
        return 2
    url = normalize_database_url(argv[0])
    migrate(url)
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        workspace = seed(session)
        session.commit()
        print(f"Seeded {workspace.name} ({workspace.team_id}) with Q1 2025's history.")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
