"""Goals: list, find, add, edit, assign, progress, status, done, archive."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, require_admin, require_goal_change
from bot.services.errors import InvalidInput, NotFound
from bot.services.periods import (
    current_period,
    lifecycle,
    periods_of,
    resolve_period,
    state_sentence,
    workspace_today,
)
from bot.services.roadmap_document import normalize_title
from bot.wording import day_text
from models import (
    GOAL_STATUSES,
    AuditEntry,
    Category,
    Goal,
    GoalOwner,
    GoalStatus,
    Metric,
    Period,
    Workspace,
)
from models.roadmap import next_goal_number

GOAL_REF = re.compile(r"^[Gg](\d{1,9})$")
PAGE_SIZE = 15
MAX_TITLE = 300


@dataclass(frozen=True)
class GoalView:
    """A goal as people see it."""

    ref: str
    title: str
    period: str
    category: str
    status: str
    progress: int
    owners: tuple[str, ...]
    due: date | None
    archived: bool
    status_note: str | None = None
    target: str | None = None  # e.g. "uptime ≥ 99.9%"


@dataclass(frozen=True)
class GoalPage:
    title: str  # "Q1 2025 · Technical Objectives"
    goals: list[GoalView]
    page: int
    pages: int
    total: int
    filters: dict = field(default_factory=dict)  # what was asked, to build the paging buttons
    # Why this period when none is under way: "The roadmap ended on 31 Dec 2025; showing …"
    note: str | None = None


@dataclass(frozen=True)
class GoalChoices:
    """Several goals match a fragment: the person picks one."""

    query: str
    goals: list[GoalView]


def goal_views(session: Session, goals: list[Goal]) -> list[GoalView]:
    """Views for many goals with one query per related table, not one per goal."""
    if not goals:
        return []
    workspace_ids = {g.workspace_id for g in goals}  # one, always: every row carries its own
    period_ids = {g.period_id for g in goals}
    category_ids = {g.category_id for g in goals}
    metric_ids = {g.metric_id for g in goals if g.metric_id}
    periods = dict(
        session.execute(
            select(Period.id, Period.label).where(
                Period.workspace_id.in_(workspace_ids), Period.id.in_(period_ids)
            )
        ).all()
    )
    categories = dict(
        session.execute(
            select(Category.id, Category.name).where(
                Category.workspace_id.in_(workspace_ids), Category.id.in_(category_ids)
            )
        ).all()
    )
    # Always one query, even for none: a request's cost should not depend on what it shows.
    metrics = dict(
        session.execute(
            select(Metric.id, Metric.name).where(
                Metric.workspace_id.in_(workspace_ids), Metric.id.in_(metric_ids)
            )
        ).all()
    )
    return [
        GoalView(
            ref=g.ref,
            title=g.title,
            period=periods.get(g.period_id, "?"),
            category=categories.get(g.category_id, "?"),
            status=g.status,
            progress=g.progress,
            owners=tuple(o.owner for o in g.owners),
            due=g.due_date,
            archived=g.archived,
            status_note=g.status_note,
            target=_target_text(g, metrics.get(g.metric_id)),
        )
        for g in goals
    ]


def _target_text(goal: Goal, metric_name: str | None) -> str | None:
    if goal.target_value is None:
        return None
    symbol = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}.get(
        goal.target_comparator or "", ""
    )
    value = f"{goal.target_value:g}"
    unit = goal.target_unit or ""
    # Shown after "target" (a check-in) or under *Target* (the goal card): no second "target".
    named = f"{metric_name} " if metric_name else ""
    if goal.target_kind == "relative":
        verb = "reduce by" if goal.target_comparator in ("<", "<=") else "increase by"
        return f"{metric_name}: {verb} {value}{unit}" if metric_name else f"{verb} {value}{unit}"
    spacer = "" if unit in ("%", "ms") or unit.startswith("/") else " "
    return f"{named}{symbol} {value}{spacer}{unit}".strip()


def goal_view(session: Session, goal: Goal) -> GoalView:
    return goal_views(session, [goal])[0]


def get_goal(session: Session, workspace_id: int, ref: str) -> Goal:
    match = GOAL_REF.match(ref.strip())
    if not match:
        raise InvalidInput(f"'{ref}' is not a goal reference; they look like G12.")
    goal = session.scalar(
        select(Goal).where(Goal.workspace_id == workspace_id, Goal.number == int(match.group(1)))
    )
    if goal is None:
        raise NotFound(f"There is no goal {ref.upper()} in this workspace.")
    return goal


def find_goal(*, session: Session, workspace_id: int, query: str) -> GoalView | GoalChoices:
    """A goal by reference, or by a fragment of its title matching exactly one goal."""
    if GOAL_REF.match(query.strip()):
        return goal_view(session, get_goal(session, workspace_id, query))
    needle = normalize_title(query)
    if not needle:
        raise InvalidInput("Which goal? Give its reference (G12) or words from its title.")
    candidates = [
        g
        for g in session.scalars(
            select(Goal)
            .where(Goal.workspace_id == workspace_id, Goal.archived.is_(False))
            .order_by(Goal.number)
        )
        if needle in g.normalized_title
    ]
    if not candidates:
        raise NotFound(f"No goal's title contains '{query}'.")
    if len(candidates) == 1:
        return goal_view(session, candidates[0])
    return GoalChoices(query=query, goals=goal_views(session, candidates[:25]))


def resolve_category(session: Session, workspace_id: int, prefix: str) -> Category:
    categories = list(
        session.scalars(
            select(Category)
            .where(Category.workspace_id == workspace_id)
            .order_by(Category.position)
        )
    )
    wanted = prefix.strip().lower()
    exact = [c for c in categories if c.name.lower() == wanted]
    if exact:
        return exact[0]
    matches = [
        c
        for c in categories
        if c.name.lower().startswith(wanted)
        or any(word.startswith(wanted) for word in c.name.lower().split())
    ]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(c.name for c in (matches or categories))
    if matches:
        raise InvalidInput(
            f"'{prefix}' could be any of: {names}. Type a little more.", field="category"
        )
    raise NotFound(
        f"There is no category '{prefix}'. Categories: {names or 'none yet'}.", field="category"
    )


def list_goals(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    now: datetime,
    period: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    owner_name: str | None = None,
    status: str | None = None,
    page: int = 1,
) -> GoalPage:
    """The goals of one period (default: the current one), filtered, one page at a time."""
    today = workspace_today(workspace, now)
    periods = periods_of(session, workspace.id)
    chosen = resolve_period(periods, period, today) if period else current_period(periods, today)
    note = None
    life = lifecycle(periods, today)
    if not period and chosen is not None and not life.running:
        note = f"{state_sentence(life).rstrip('.')}; showing {chosen.label}."
    query = select(Goal).where(Goal.workspace_id == workspace.id, Goal.archived.is_(False))
    title_parts = []
    if chosen is not None:
        query = query.where(Goal.period_id == chosen.id)
        title_parts.append(chosen.label)
    if category:
        found = resolve_category(session, workspace.id, category)
        query = query.where(Goal.category_id == found.id)
        title_parts.append(found.name)
    if owner:
        who = actor.user_id if owner == "mine" else owner
        query = query.where(
            Goal.id.in_(
                select(GoalOwner.goal_id).where(
                    GoalOwner.workspace_id == workspace.id, GoalOwner.owner == who
                )
            )
        )
        title_parts.append("your goals" if owner == "mine" else owner_name or who)
    if status:
        if status not in GOAL_STATUSES:
            raise InvalidInput(f"'{status}' is not a status: {', '.join(GOAL_STATUSES)}.")
        query = query.where(Goal.status == status)
        title_parts.append(status)
    # Count and page in SQL: a period may hold thousands of goals, a page shows fifteen.
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = list(
        session.scalars(
            query.order_by(Goal.position, Goal.number)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return GoalPage(
        title=" · ".join(title_parts) or "Goals",
        goals=goal_views(session, shown),
        page=page,
        pages=pages,
        total=total,
        filters={
            "period": chosen.label if chosen else None,
            "category": category,
            "owner": owner,
            "status": status,
        },
        note=note,
    )


def due_outside_period(session: Session, workspace_id: int, ref: str) -> str | None:
    """Why a goal's due date may be a mistake: it falls outside the goal's period."""
    goal = get_goal(session, workspace_id, ref)
    period = session.get(Period, goal.period_id)
    if goal.due_date is None or period is None:
        return None
    if period.start_date <= goal.due_date <= period.end_date:
        return None
    return (
        f"{goal.ref} is due {day_text(goal.due_date, year=True)}, outside {period.label} "
        f"({day_text(period.start_date)} to {day_text(period.end_date, year=True)}); check "
        "the date or "
        "the period."
    )


def _audit(session: Session, workspace_id: int, actor: Actor, action: str, goal: Goal, **details):
    session.add(
        AuditEntry(
            workspace_id=workspace_id,
            actor=actor.user_id,
            action=action,
            target=goal.ref,
            details=details,
        )
    )


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput("A goal needs a title.", field="title")
    if len(cleaned) > MAX_TITLE:
        raise InvalidInput(f"A goal's title can be at most {MAX_TITLE} characters.", field="title")
    return cleaned


def _owners(workspace_id: int, owners: list[str] | tuple[str, ...]) -> list[GoalOwner]:
    unique = list(dict.fromkeys(owners))
    return [GoalOwner(workspace_id=workspace_id, owner=o, position=i) for i, o in enumerate(unique)]


def add_goal(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    now: datetime,
    title: str,
    period: str | None = None,
    category: str | None = None,
    owners: list[str] | tuple[str, ...] = (),
    due: date | None = None,
) -> GoalView:
    """Add a goal to a period (default: the current one) and category (default: the first)."""
    title = _clean_title(title)
    periods = periods_of(session, workspace.id)
    today = workspace_today(workspace, now)
    chosen = resolve_period(periods, period, today) if period else current_period(periods, today)
    if chosen is None:
        raise NotFound("There is no roadmap period yet: import a roadmap first (/roadmap import).")
    if category:
        found = resolve_category(session, workspace.id, category)
    else:
        found = session.scalar(
            select(Category)
            .where(Category.workspace_id == workspace.id)
            .order_by(Category.position)
        )
        if found is None:
            found = Category(
                workspace_id=workspace.id, roadmap_id=chosen.roadmap_id, name="General"
            )
            session.add(found)
            session.flush()
    duplicate = session.scalar(
        select(Goal).where(
            Goal.workspace_id == workspace.id,
            Goal.period_id == chosen.id,
            Goal.category_id == found.id,
            Goal.normalized_title == normalize_title(title),
            Goal.archived.is_(False),
        )
    )
    if duplicate is not None:
        raise InvalidInput(
            f"{duplicate.ref} already has that title in {chosen.label}.", field="title"
        )
    goal = Goal(
        workspace_id=workspace.id,
        number=next_goal_number(session, workspace.id),
        roadmap_id=chosen.roadmap_id,
        period_id=chosen.id,
        category_id=found.id,
        title=title,
        normalized_title=normalize_title(title),
        status=GoalStatus.NOT_STARTED,
        progress=0,
        due_date=due,
        archived=False,
        position=1
        + (
            session.scalar(select(func.max(Goal.position)).where(Goal.workspace_id == workspace.id))
            or 0
        ),
        created_by=actor.user_id,
        owners=_owners(workspace.id, owners or (actor.user_id,)),
    )
    session.add(goal)
    session.flush()
    _audit(session, workspace.id, actor, "goal.add", goal, title=title)
    return goal_view(session, goal)


def edit_goal(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    now: datetime,
    ref: str,
    title: str,
    period: str | None,
    category: str | None,
    owners: list[str],
    due: date | None,
) -> GoalView:
    goal = get_goal(session, workspace.id, ref)
    require_goal_change(workspace, actor, goal)
    goal.title = _clean_title(title)
    goal.normalized_title = normalize_title(goal.title)
    if period:
        periods = periods_of(session, workspace.id)
        goal.period_id = resolve_period(periods, period, workspace_today(workspace, now)).id
    if category:
        goal.category_id = resolve_category(session, workspace.id, category).id
    if owners:
        _replace_owners(session, goal, owners)
    goal.due_date = due
    _audit(session, workspace.id, actor, "goal.edit", goal)
    session.flush()
    return goal_view(session, goal)


def _replace_owners(session: Session, goal: Goal, owners: list[str] | tuple[str, ...]) -> None:
    goal.owners.clear()
    session.flush()  # delete the old rows before the unique (goal, owner) rows come back
    goal.owners.extend(_owners(goal.workspace_id, owners))


def assign_goal(*, session, workspace, actor, ref: str, owners: list[str]) -> GoalView:
    goal = get_goal(session, workspace.id, ref)
    require_goal_change(workspace, actor, goal)
    if not owners:
        raise InvalidInput("Name at least one owner, e.g. /roadmap assign G12 @alice.")
    _replace_owners(session, goal, owners)
    _audit(session, workspace.id, actor, "goal.assign", goal, owners=list(owners))
    session.flush()
    return goal_view(session, goal)


def set_progress(*, session, workspace, actor, ref: str, percent: int) -> GoalView:
    if not 0 <= percent <= 100:
        raise InvalidInput("Progress is a percentage from 0 to 100.")
    goal = get_goal(session, workspace.id, ref)
    require_goal_change(workspace, actor, goal)
    goal.progress = percent
    if percent == 100:
        goal.status = GoalStatus.DONE
    elif goal.status in (GoalStatus.NOT_STARTED, GoalStatus.DONE) and percent > 0:
        goal.status = GoalStatus.ON_TRACK
    _audit(session, workspace.id, actor, "goal.progress", goal, progress=percent)
    session.flush()
    return goal_view(session, goal)


def set_status(
    *, session, workspace, actor, ref: str, status: str, reason: str | None = None
) -> GoalView:
    if status not in GOAL_STATUSES:
        raise InvalidInput(f"'{status}' is not a status: {', '.join(GOAL_STATUSES)}.")
    goal = get_goal(session, workspace.id, ref)
    require_goal_change(workspace, actor, goal)
    goal.status = status
    goal.status_note = reason
    if status == GoalStatus.DONE:
        goal.progress = 100
    _audit(session, workspace.id, actor, "goal.status", goal, status=status, reason=reason)
    session.flush()
    return goal_view(session, goal)


def archive_goal(*, session, workspace, actor, ref: str) -> GoalView:
    require_admin(workspace, actor, "archive goals")
    goal = get_goal(session, workspace.id, ref)
    goal.archived = True
    _audit(session, workspace.id, actor, "goal.archive", goal)
    session.flush()
    return goal_view(session, goal)


@dataclass(frozen=True)
class GoalForm:
    """What the add/edit goal modal offers: periods, categories, and the goal being edited."""

    periods: list[str]
    categories: list[str]
    default_period: str | None
    goal: GoalView | None


def goal_form(
    *, session: Session, workspace: Workspace, actor: Actor, now: datetime, ref: str | None
) -> GoalForm:
    """The choices for the goal modal; editing checks that the actor may change the goal."""
    periods = periods_of(session, workspace.id)
    categories = list(
        session.scalars(
            select(Category.name)
            .where(Category.workspace_id == workspace.id)
            .order_by(Category.position)
        )
    )
    view = None
    if ref:
        goal = get_goal(session, workspace.id, ref)
        require_goal_change(workspace, actor, goal)
        view = goal_view(session, goal)
    current = current_period(periods, workspace_today(workspace, now))
    return GoalForm(
        periods=[p.label for p in periods],
        categories=categories or ["General"],
        default_period=current.label if current else None,
        goal=view,
    )
