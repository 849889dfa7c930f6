"""The rituals the weekly digest announces (knowledge sharing, retrospectives): their
schedules and each one's next planned session, in one statement (a UNION ALL: a schedule's
row has an id, a session's none). Built once, like bot.services.digests.queries'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Date, bindparam, cast, func, null, select, union_all

from bot.services.digests.queries import WORKSPACE, constants, run
from models import RitualOccurrence, Schedule

RITUALS = ("knowledge_sharing", "retrospective")


@dataclass(frozen=True)
class RitualSchedule:
    """A ritual's schedule, with what bot.services.schedules.next_runs reads of it."""

    id: int
    kind: str
    rule: str
    enabled: bool
    text: str | None
    timezone: str | None
    options: dict | None
    holiday_policy: str | None
    channel_id: str | None
    paused_reason: str | None


@dataclass(frozen=True)
class PlannedOccurrence:
    kind: str
    occurrence_date: date
    presenter_user_id: str | None
    topic: str | None


_SCHEDULE = list(RitualSchedule.__dataclass_fields__)
_OCCURRENCE = list(PlannedOccurrence.__dataclass_fields__)[1:]  # after its kind
_ranked = (
    select(
        RitualOccurrence.kind,
        *(getattr(RitualOccurrence, name) for name in _OCCURRENCE),
        func.row_number()
        .over(
            partition_by=RitualOccurrence.kind,
            order_by=(RitualOccurrence.occurrence_date, RitualOccurrence.id),
        )
        .label("rank"),
    )
    .where(
        RitualOccurrence.workspace_id == WORKSPACE,
        RitualOccurrence.kind.in_(constants(RITUALS)),
        RitualOccurrence.occurrence_date >= bindparam("today"),
        RitualOccurrence.state == "planned",
    )
    .subquery()
)
_RITUALS = union_all(
    select(
        *(getattr(Schedule, name) for name in _SCHEDULE),
        cast(null(), Date()).label("occurrence_date"),
        null().label("presenter_user_id"),
        null().label("topic"),
    ).where(Schedule.workspace_id == WORKSPACE, Schedule.kind.in_(constants(RITUALS))),
    select(
        null(),
        _ranked.c.kind,
        *(null() for _ in _SCHEDULE[2:]),
        *(_ranked.c[name] for name in _OCCURRENCE),
    ).where(_ranked.c.rank == 1),
)
_RITUALS = _RITUALS.order_by(_RITUALS.selected_columns.id)


def rituals(
    db: Connection, workspace_id: int, today: date
) -> tuple[list[RitualSchedule], dict[str, PlannedOccurrence]]:
    """The rituals' schedules (by id), and the next planned knowledge-sharing session and
    retrospective on or after `today`, by kind."""
    schedules, planned = [], {}
    width = len(_SCHEDULE)
    for row in run(db, _RITUALS, workspace=workspace_id, today=today):
        if row[0] is not None:
            schedules.append(RitualSchedule(*row[:width]))
        else:
            planned[row[1]] = PlannedOccurrence(row[1], *row[width:])
    return schedules, planned
