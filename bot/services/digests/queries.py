"""The queries behind the digests: each loads one kind of row for the whole workspace in one
statement (windowed where only the newest rows matter), so a digest's cost does not grow with
the number of goals, owners, check-ins or readings.

The statements are built once, at import, with named bound parameters, and run on the
session's connection as Core selects of plain columns: SQLAlchemy then neither rebuilds them
nor derives their cache key per digest (it finds them in its compiled cache) and loads no ORM
entities. Constant lists are rendered as one bound parameter each (`constants`), not as an
expanding IN, which SQLAlchemy would re-render on every execution.

bench/compose.py measures what a digest costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from models import (
    Category,
    Checkin,
    CheckinPrompt,
    Delivery,
    DeliveryState,
    Goal,
    GoalOwner,
    Member,
    Metric,
    Period,
    Schedule,
)
from models.base import UTCDateTime

STATE_ACTIONS = ("goal.status", "goal.progress", "checkin")
GOAL_ACTIONS = (*STATE_ACTIONS, "goal.add")


def constants(values: tuple[str, ...]) -> list:
    """Constants for an IN list, one bound parameter each (no re-rendering per execution)."""
    return [literal(value) for value in values]


def instant(name: str):
    """A named parameter that is an aware datetime (stored as naive UTC)."""
    return bindparam(name, type_=UTCDateTime())


WORKSPACE = bindparam("workspace")  # every statement is scoped by it


def run(db: Connection, statement, **params):
    """Execute a prebuilt statement on the digest's connection (its session's, in its
    transaction: see common.snapshot)."""
    return db.execute(statement, params)


# --- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalRow:
    id: int
    number: int
    period_id: int
    category_id: int
    title: str
    normalized_title: str
    status: str
    status_note: str | None
    progress: int
    due_date: date | None
    created_at: datetime
    metric_id: int | None
    target_value: float | None
    target_comparator: str | None
    target_unit: str | None
    target_kind: str | None

    @property
    def ref(self) -> str:
        return f"G{self.number}"


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    action: str
    target: str | None
    details: dict


@dataclass(frozen=True)
class PeriodRow:
    """A period as the digests read it (bot.services.periods works on these as on Period)."""

    id: int
    label: str
    start_date: date
    end_date: date


@dataclass(frozen=True)
class MetricRow:
    id: int
    key: str
    name: str
    unit: str | None
    text: str | None
    target: float | None
    comparator: str | None
    cadence: str | None
    measured_by: str


# --- lookups: periods, categories, people, metrics, the last digest ----------------------------


def _lookup(tag: str, *, id=None, name=None, user_id=None, starts=None, ends=None, position=None):
    columns = dict(id=id, name=name, user_id=user_id, starts=starts, ends=ends, position=position)
    return select(
        literal(tag).label("tag"),
        *((null() if value is None else value).label(key) for key, value in columns.items()),
    )


# The workspace's periods, categories and people's names, in one statement.
_LOOKUPS = union_all(
    _lookup(
        "period", id=Period.id, name=Period.label, starts=Period.start_date, ends=Period.end_date
    ).where(Period.workspace_id == WORKSPACE),
    _lookup("category", id=Category.id, name=Category.name, position=Category.position).where(
        Category.workspace_id == WORKSPACE
    ),
    _lookup("member", name=Member.name, user_id=Member.user_id).where(
        Member.workspace_id == WORKSPACE, Member.name.is_not(None)
    ),
)
_LOOKUPS = _LOOKUPS.order_by(
    *(_LOOKUPS.selected_columns[key] for key in ("tag", "starts", "ends", "position", "id"))
)


@dataclass(frozen=True)
class Lookups:
    periods: list[PeriodRow]  # by start, then end
    categories: dict[int, str]  # name by id, in the categories' order
    people: dict[str, str]  # display name by user id, for those with one


def lookups(db: Connection, workspace_id: int) -> Lookups:
    found = Lookups([], {}, {})
    for tag, id_, name, user_id, starts, ends, _ in run(db, _LOOKUPS, workspace=workspace_id):
        if tag == "period":
            found.periods.append(PeriodRow(id_, name, starts, ends))
        elif tag == "category":
            found.categories[id_] = name
        else:
            found.people[user_id] = name
    return found


_METRICS = (
    select(*(getattr(Metric, name) for name in MetricRow.__dataclass_fields__))
    .where(Metric.workspace_id == WORKSPACE, Metric.archived.is_(False))
    .order_by(Metric.position, Metric.id)
)
_PREVIOUS_DIGEST = (
    select(func.max(Delivery.due_at))
    .join(Schedule, Schedule.id == Delivery.schedule_id)
    .where(
        Schedule.workspace_id == WORKSPACE,
        Schedule.kind == bindparam("kind"),
        # By the workspace's own index (ix_deliveries_workspace_state_due): with the
        # statistics of a table whose rows just came (a fresh install, a big fan-out planned
        # a moment ago) PostgreSQL otherwise walked every workspace's sent deliveries.
        Delivery.workspace_id == WORKSPACE,
        Delivery.state == DeliveryState.SENT,
        Delivery.due_at < instant("before"),
        Delivery.due_at > instant("after"),
    )
)


def active_metrics(db: Connection, workspace_id: int) -> list[MetricRow]:
    return [MetricRow(*row) for row in run(db, _METRICS, workspace=workspace_id)]


def previous_digest_at(
    db: Connection, workspace_id: int, kind: str, before: datetime, after: datetime
) -> datetime | None:
    """When the last digest of `kind` that was sent was due, strictly before `before` and
    after `after` (None when there was none)."""
    return run(
        db, _PREVIOUS_DIGEST, workspace=workspace_id, kind=kind, before=before, after=after
    ).scalar()


# --- goals, with their owners and their newest check-in note -----------------------------------

_GOAL_COLUMNS = [getattr(Goal, name) for name in GoalRow.__dataclass_fields__]
# The weekly digest's: its period's goals only (every count and list is about one period).
WEEKLY_GOALS = Goal.period_id == bindparam("period")
# The quarterly digest's: the period's, the one's before and the one's after (None: absent).
QUARTERLY_GOALS = Goal.period_id.in_([bindparam("period"), bindparam("before"), bindparam("after")])
_LATEST_NOTE = (
    select(Checkin.note)
    .where(
        Checkin.workspace_id == WORKSPACE,
        Checkin.goal_id == Goal.id,
        Checkin.note.is_not(None),
        Checkin.created_at <= instant("until"),
    )
    .order_by(Checkin.updated_at.desc(), Checkin.id.desc())
    .limit(1)
    .correlate(Goal)
    .scalar_subquery()
)


def _goals_statement(condition, notes: bool) -> Select:
    """Unarchived goals matching `condition` in their order, one row per owner (in the owners'
    order; one row with no owner when there is none), each with the goal's newest check-in
    note given by :until when `notes`."""
    note = _LATEST_NOTE if notes else null()
    return (
        select(*_GOAL_COLUMNS, GoalOwner.owner, note.label("note"))
        .outerjoin(
            GoalOwner, and_(GoalOwner.goal_id == Goal.id, GoalOwner.workspace_id == WORKSPACE)
        )
        .where(Goal.workspace_id == WORKSPACE, Goal.archived.is_(False), condition)
        .order_by(Goal.position, Goal.number, GoalOwner.position)
    )


_GOALS = {
    "weekly": _goals_statement(WEEKLY_GOALS, notes=True),
    "quarterly": _goals_statement(QUARTERLY_GOALS, notes=False),
}


@dataclass(frozen=True)
class Goals:
    rows: list[GoalRow]
    owners: dict[int, tuple[str, ...]]  # by goal id, in their order
    notes: dict[int, str]  # the newest check-in note, by goal id


def goals(db: Connection, which: str, **params) -> Goals:
    """The goals of the weekly digest (params: workspace, period, until), with their
    owners and notes, or of the quarterly one (workspace, period, before, after), with their
    owners."""
    rows, owners, notes = [], {}, {}
    width = len(_GOAL_COLUMNS)
    last = None
    for row in run(db, _GOALS[which], **params):
        goal_id = row[0]
        if goal_id != last:
            rows.append(GoalRow(*row[:width]))
            last = goal_id
            if row[width + 1] is not None:
                notes[goal_id] = row[width + 1]
        if row[width] is not None:
            owners.setdefault(goal_id, []).append(row[width])
    return Goals(rows, {goal_id: tuple(names) for goal_id, names in owners.items()}, notes)


# --- check-ins ---------------------------------------------------------------------------------

_CYCLES = [bindparam("cycle0"), bindparam("cycle1"), bindparam("cycle2")]
_ANSWERS_AND_PROMPTS = union_all(
    select(Checkin.cycle, Checkin.goal_id).where(
        Checkin.workspace_id == WORKSPACE,
        Checkin.cycle.in_(_CYCLES),
        Checkin.status.is_not(None),
        Checkin.created_at <= instant("until"),
        or_(Checkin.retracted_at.is_(None), Checkin.retracted_at > instant("until")),
    ),
    select(CheckinPrompt.cycle, cast(null(), Integer))  # no goal: the cycle's prompt
    .where(
        CheckinPrompt.workspace_id == WORKSPACE,
        CheckinPrompt.cycle.in_(_CYCLES),
        CheckinPrompt.created_at <= instant("until"),
    )
    .distinct(),
)


def answers_and_prompts(
    db: Connection, workspace_id: int, cycles: list[str], until: datetime
) -> tuple[dict[str, set[int]], set[str]]:
    """For three cycles: the goals with a standing answer (a status, not taken back) in each,
    as of `until` (answers given later, or taken back only later, count as then); and the
    cycles whose prompt had gone out by `until`."""
    first, second, third = cycles
    rows = run(
        db,
        _ANSWERS_AND_PROMPTS,
        workspace=workspace_id,
        cycle0=first,
        cycle1=second,
        cycle2=third,
        until=until,
    )
    answered: dict[str, set[int]] = {cycle: set() for cycle in cycles}
    prompted = set()
    for cycle, goal_id in rows:
        if goal_id is None:
            prompted.add(cycle)
        else:
            answered[cycle].add(goal_id)
    return answered, prompted
