"""What the digests read from the audit log: the changes in a window, what was on record before
it, and what was rewritten after the instant a digest is built as of. The weekly digest reads
all of it in one statement (a UNION ALL of its parts, told apart by a tag); the statements
are built once, with named parameters (see bot.services.digests.queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, func, literal, null, select, union_all

from bot.services.digests.queries import (
    GOAL_ACTIONS,
    STATE_ACTIONS,
    WORKSPACE,
    AuditRow,
    constants,
    instant,
    run,
)
from models import AuditEntry

# Audit actions that record a goal carried into a later period: target is the old goal's ref
# and details["to"] the new one's; or a new goal whose details["carried_from"] is the old ref.
CARRY_ACTIONS = ("goal.carry", "goal.carried", "goal.carry_over")
KEEP = 10  # entries on record per goal: enough to find its last status and progress

_COLUMNS = (AuditEntry.at, AuditEntry.action, AuditEntry.target, AuditEntry.details)


def _on_record(cut: str, until: str | None):
    """For each goal with a state change after :cut (up to :until, when given), its state
    entries at or before :cut, ranked newest first: (at, action, target, details, id, rank)."""
    changed = select(AuditEntry.target).where(
        AuditEntry.workspace_id == WORKSPACE,
        AuditEntry.action.in_(constants(STATE_ACTIONS)),
        AuditEntry.at > instant(cut),
        *([AuditEntry.at <= instant(until)] if until else []),
    )
    ranked = (
        select(
            *_COLUMNS,
            AuditEntry.id,
            func.row_number()
            .over(
                partition_by=AuditEntry.target,
                order_by=(AuditEntry.at.desc(), AuditEntry.id.desc()),
            )
            .label("rank"),
        )
        .where(
            AuditEntry.workspace_id == WORKSPACE,
            AuditEntry.action.in_(constants(STATE_ACTIONS)),
            AuditEntry.at <= instant(cut),
            AuditEntry.target.in_(changed),
        )
        .subquery()
    )
    return ranked


def _kept(ranked, *tag):
    """The KEEP newest entries of each goal in `ranked` (after `tag`, a column naming them)."""
    return select(*tag, *ranked.c).where(ranked.c.rank <= KEEP)


def _history(rows) -> dict[str, list[AuditRow]]:
    """(at, action, target, details, id, rank) rows as each target's entries, newest first."""
    history: dict[str, list[AuditRow]] = {}
    for at, action, target, details, _, _ in sorted(rows, key=lambda r: (r[2], r[5])):
        history.setdefault(target, []).append(AuditRow(at, action, target, details or {}))
    return history


@dataclass(frozen=True)
class Rewritten:
    """For a digest built as of an earlier instant: the goals added after it, the goals whose
    state changed after it, and each of those's newest entries at or before it."""

    added: set[str] = field(default_factory=set)
    later: set[str] = field(default_factory=set)
    history: dict[str, list[AuditRow]] = field(default_factory=dict)


_CHANGED_AFTER = (
    select(AuditEntry.target, AuditEntry.action)
    .where(
        AuditEntry.workspace_id == WORKSPACE,
        AuditEntry.action.in_(constants(GOAL_ACTIONS)),
        AuditEntry.at > instant("until"),
    )
    .group_by(AuditEntry.target, AuditEntry.action)
)
_ON_RECORD_AT_UNTIL = _kept(_on_record("until", None))


def _rewritten(pairs, history: dict[str, list[AuditRow]]) -> Rewritten:
    added = {target for target, action in pairs if action == "goal.add"}
    later = {target for target, action in pairs if action != "goal.add"}
    return Rewritten(added, later, history if later else {})


def rewritten_after(db: Connection, workspace_id: int, now: datetime) -> Rewritten:
    """What changed after `now`: one query, two when a goal's state changed after it."""
    pairs = run(db, _CHANGED_AFTER, workspace=workspace_id, until=now).all()
    if not any(action != "goal.add" for _, action in pairs):
        return _rewritten(pairs, {})
    rows = run(db, _ON_RECORD_AT_UNTIL, workspace=workspace_id, until=now)
    return _rewritten(pairs, _history(rows))


@dataclass(frozen=True)
class WeeklyAudit:
    window: list[AuditRow]  # goal entries in (since, until], oldest first
    history: dict[str, list[AuditRow]]  # what was on record at `since` for the goals changed
    rewritten: Rewritten  # what changed after `until`


_WEEKLY = union_all(
    select(literal("window").label("tag"), *_COLUMNS, AuditEntry.id, null().label("rank")).where(
        AuditEntry.workspace_id == WORKSPACE,
        AuditEntry.action.in_(constants(GOAL_ACTIONS)),
        AuditEntry.at > instant("since"),
        AuditEntry.at <= instant("until"),
    ),
    _kept(_on_record("since", "until"), literal("since")),
    _kept(_on_record("until", None), literal("until")),
    select(literal("after"), null(), AuditEntry.action, AuditEntry.target, null(), null(), null())
    .where(
        AuditEntry.workspace_id == WORKSPACE,
        AuditEntry.action.in_(constants(GOAL_ACTIONS)),
        AuditEntry.at > instant("until"),
    )
    .group_by(AuditEntry.target, AuditEntry.action),
)


def weekly(db: Connection, workspace_id: int, since: datetime, until: datetime) -> WeeklyAudit:
    """Everything the weekly digest reads from the audit log, in one statement: the goal
    entries in (since, until], what was on record at `since` for the goals whose state changed
    in it, and what changed after `until` (with what was on record then)."""
    parts: dict[str, list] = {"window": [], "since": [], "until": [], "after": []}
    for tag, *row in run(db, _WEEKLY, workspace=workspace_id, since=since, until=until):
        parts[tag].append(row)
    window = sorted(parts["window"], key=lambda r: (r[0], r[4]))  # at, id
    pairs = [(target, action) for _, action, target, _, _, _ in parts["after"]]
    return WeeklyAudit(
        window=[
            AuditRow(at, action, target, details or {})
            for at, action, target, details, *_ in window
        ],
        history=_history(parts["since"]),
        rewritten=_rewritten(pairs, _history(parts["until"])),
    )


_CARRIES = (
    select(*_COLUMNS)
    .where(
        AuditEntry.workspace_id == WORKSPACE,
        AuditEntry.at <= instant("until"),
        AuditEntry.action.in_(constants(CARRY_ACTIONS))
        | ((AuditEntry.action == "goal.add") & (AuditEntry.at >= instant("since"))),
    )
    .order_by(AuditEntry.at, AuditEntry.id)
)


def carries(db: Connection, workspace_id: int, since: datetime, until: datetime) -> list[AuditRow]:
    """Entries up to `until` that record a goal carried into a later period, and the goals
    added from `since` on (whose details may name the goal they carry on), oldest first."""
    rows = run(db, _CARRIES, workspace=workspace_id, since=since, until=until)
    return [AuditRow(at, action, target, details or {}) for at, action, target, details in rows]
