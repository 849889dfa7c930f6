"""What the digests read of the metrics' readings: series, the newest reading as of an instant,
and the newest reading's source. The weekly digest reads all of it in one windowed statement;
the statements are built once, with named parameters (see bot.services.digests.queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, or_, select

from bot.services.digests.queries import WORKSPACE, instant, run
from models import MetricReading

Point = tuple[datetime, float]
_NEWEST_FIRST = (MetricReading.recorded_at.desc(), MetricReading.id.desc())


def _rank(*partition):
    return func.row_number().over(
        partition_by=(MetricReading.metric_id, *partition), order_by=_NEWEST_FIRST
    )


# Readings until :until, numbered newest first within each metric ("rank"), and within each
# metric's readings at or before :week_cut and :since ("rank_week", "rank_since": a reading
# with rank 1 there and recorded by then is the newest as of then).
_WEEKLY_RANKED = (
    select(
        MetricReading.metric_id,
        MetricReading.recorded_at,
        MetricReading.value,
        MetricReading.source,
        MetricReading.note,
        MetricReading.id,
        _rank().label("rank"),
        _rank(MetricReading.recorded_at <= instant("week_cut")).label("rank_week"),
        _rank(MetricReading.recorded_at <= instant("since")).label("rank_since"),
        (MetricReading.recorded_at >= instant("start")).label("recent"),
    )
    .where(MetricReading.workspace_id == WORKSPACE, MetricReading.recorded_at <= instant("until"))
    .subquery()
)
_r = _WEEKLY_RANKED.c
_IN_SERIES = _r.recent | (_r.rank <= bindparam("keep"))
_AT_WEEK_CUT = (_r.rank_week == 1) & (_r.recorded_at <= instant("week_cut"))
_AT_SINCE = (_r.rank_since == 1) & (_r.recorded_at <= instant("since"))
_WEEKLY = (
    select(
        _r.metric_id,
        _r.recorded_at,
        _r.value,
        _r.source,
        _r.note,
        _r.rank,
        _IN_SERIES.label("in_series"),
        _AT_WEEK_CUT.label("at_week_cut"),
        _AT_SINCE.label("at_since"),
    )
    .where(or_(_IN_SERIES, _r.rank == 1, _AT_WEEK_CUT, _AT_SINCE))
    .order_by(_r.metric_id, _r.recorded_at, _r.id)
)


@dataclass(frozen=True)
class WeeklyReadings:
    series: dict[int, list[Point]]  # from `start`, plus the newest `keep`, oldest first
    week_ago: dict[int, Point]  # the newest at or before `week_cut`
    opened: dict[int, Point]  # the newest at or before `since`
    sources: dict[int, tuple[str, str | None]]  # the newest reading's source and note


def weekly(
    db: Connection,
    workspace_id: int,
    *,
    start: datetime,
    until: datetime,
    keep: int,
    week_cut: datetime,
    since: datetime,
) -> WeeklyReadings:
    """Each metric's readings from `start` until `until` (plus its newest `keep` until then,
    whenever recorded), its newest reading at or before `week_cut` and at or before `since`,
    and its newest reading's source and note: one statement."""
    rows = run(
        db,
        _WEEKLY,
        workspace=workspace_id,
        start=start,
        until=until,
        keep=keep,
        week_cut=week_cut,
        since=since,
    )
    found = WeeklyReadings({}, {}, {}, {})
    for metric_id, at, value, source, note, rank, in_series, at_week_cut, at_since in rows:
        if in_series:
            found.series.setdefault(metric_id, []).append((at, value))
        if at_week_cut:
            found.week_ago[metric_id] = (at, value)
        if at_since:
            found.opened[metric_id] = (at, value)
        if rank == 1:
            found.sources[metric_id] = (source, note)
    return found


# The quarterly digest's: as of the end of the period (readings before :until) or, while it
# runs, as of now (readings at or before :until).
def _ranked(inclusive: bool):
    until = instant("until")
    bound = MetricReading.recorded_at <= until if inclusive else MetricReading.recorded_at < until
    return (
        select(
            MetricReading.metric_id,
            MetricReading.recorded_at,
            MetricReading.value,
            _rank().label("rank"),
        )
        .where(MetricReading.workspace_id == WORKSPACE, bound)
        .subquery()
    )


def _latest(inclusive: bool):
    ranked = _ranked(inclusive)
    return select(ranked.c.metric_id, ranked.c.recorded_at, ranked.c.value).where(
        ranked.c.rank == 1
    )


def _since(inclusive: bool):
    ranked = _ranked(inclusive)
    return (
        select(ranked.c.metric_id, ranked.c.recorded_at, ranked.c.value)
        .where(ranked.c.recorded_at >= instant("start"))
        .order_by(ranked.c.metric_id, ranked.c.recorded_at)
    )


_LATEST = {inclusive: _latest(inclusive) for inclusive in (True, False)}
_SINCE = {inclusive: _since(inclusive) for inclusive in (True, False)}
_SOURCES_RANKED = (
    select(
        MetricReading.metric_id,
        MetricReading.source,
        MetricReading.note,
        _rank().label("rank"),
    )
    .where(MetricReading.workspace_id == WORKSPACE, MetricReading.recorded_at <= instant("until"))
    .subquery()
)
_SOURCES = select(
    _SOURCES_RANKED.c.metric_id, _SOURCES_RANKED.c.source, _SOURCES_RANKED.c.note
).where(_SOURCES_RANKED.c.rank == 1)


def latest_until(
    db: Connection, workspace_id: int, until: datetime, *, inclusive: bool = True
) -> dict[int, Point]:
    """Each metric's newest reading recorded at or before `until` (before it, if exclusive)."""
    rows = run(db, _LATEST[inclusive], workspace=workspace_id, until=until)
    return {metric_id: (at, value) for metric_id, at, value in rows}


def since(
    db: Connection, workspace_id: int, *, start: datetime, until: datetime, inclusive: bool
) -> dict[int, list[Point]]:
    """Each metric's readings from `start` until `until`, oldest first."""
    rows = run(db, _SINCE[inclusive], workspace=workspace_id, start=start, until=until)
    series: dict[int, list[Point]] = {}
    for metric_id, at, value in rows:
        series.setdefault(metric_id, []).append((at, value))
    return series


def sources(
    db: Connection, workspace_id: int, until: datetime
) -> dict[int, tuple[str, str | None]]:
    """Each metric's newest reading's source (github, prometheus, pulse, command…) and note
    ("4/5 from 4 of 5"), at or before `until`."""
    rows = run(db, _SOURCES, workspace=workspace_id, until=until)
    return {metric_id: (source, note) for metric_id, source, note in rows}
