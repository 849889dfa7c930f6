"""Import a roadmap document into a workspace: one transaction, updates in place, a report."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.roadmap_document import (
    ParsedGoal,
    ParsedMetric,
    ParsedRoadmap,
    ParseWarning,
    normalize_title,
    parse_roadmap,
)
from models import (
    AuditEntry,
    Category,
    Goal,
    GoalOwner,
    Metric,
    Period,
    Roadmap,
    Schedule,
)
from models.roadmap import next_goal_number

# How alike two titles in the same period and category must be to count as a rename.
RENAME_SIMILARITY = 0.6

RITUAL_RULES = {
    ("knowledge_sharing", "monthly"): "first thursday of the month 15:00",
    ("knowledge_sharing", "weekly"): "every thursday 15:00",
    ("retrospective", "quarterly"): "last friday of the quarter 14:00",
    ("retrospective", "monthly"): "last friday of the month 14:00",
}


@dataclass(frozen=True)
class GoalChange:
    ref: str | None  # None for a goal a dry run would add
    title: str
    period: str
    category: str
    detail: str = ""  # what changed, e.g. "renamed from 'X'", "status at-risk → done"

    def describe(self) -> str:
        head = f"{self.ref} " if self.ref else ""
        tail = f" ({self.detail})" if self.detail else ""
        return f"{head}{self.title} [{self.period} / {self.category}]{tail}"


@dataclass
class ImportReport:
    dry_run: bool
    roadmap: str
    added: list[GoalChange] = field(default_factory=list)
    updated: list[GoalChange] = field(default_factory=list)
    unchanged: list[GoalChange] = field(default_factory=list)
    missing: list[GoalChange] = field(default_factory=list)  # in the database, not in the doc
    archived: list[GoalChange] = field(default_factory=list)
    metrics_added: list[str] = field(default_factory=list)
    metrics_updated: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    schedules_proposed: list[str] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    partners_named: int = 0  # goals whose "(with @team)" annotation named partners (issue 20)

    @property
    def goal_count(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.roadmap!r}: {len(self.periods)} periods, {self.goal_count} goals "
            f"({len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.missing)} not in the document"
            + (f", {len(self.archived)} archived" if self.archived else "")
            + f"), {len(self.metrics_added) + len(self.metrics_updated)} metrics"
            + (f", {len(self.warnings)} warnings" if self.warnings else "")
            + "."
        )


def import_roadmap(
    *,
    session: Session,
    workspace_id: int,
    text: str | bytes,
    dry_run: bool = False,
    archive_missing: bool = False,
    actor: str | None = None,
    now=None,
) -> ImportReport:
    """Parse `text` and merge it into the workspace's roadmap.

    Raises RoadmapParseError (before writing anything) for a document that is not a roadmap.
    All writes happen inside a savepoint: a dry run, or any error, rolls every one of them back.
    """
    parsed = parse_roadmap(text)
    source = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    savepoint = session.begin_nested()
    try:
        report = _Importer(session, workspace_id, parsed, dry_run, archive_missing).run(source)
        if not dry_run:
            session.add(
                AuditEntry(
                    workspace_id=workspace_id,
                    actor=actor,
                    action="roadmap.import",
                    target=report.roadmap,
                    details={
                        "added": len(report.added),
                        "updated": len(report.updated),
                        "archived": len(report.archived),
                    },
                )
            )
            session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
        _team_metrics_after_import(session, workspace_id, now, report.partners_named)
    return report


class _Importer:
    def __init__(
        self,
        session: Session,
        workspace_id: int,
        parsed: ParsedRoadmap,
        dry_run: bool,
        archive_missing: bool,
    ):
        self.session = session
        self.workspace_id = workspace_id
        self.parsed = parsed
        self.dry_run = dry_run
        self.archive_missing = archive_missing

    def run(self, source: str) -> ImportReport:
        self._partners = _take_partner_annotations(self.parsed)  # issue 20: "(with @team)"
        roadmap = self._roadmap(source)
        report = ImportReport(
            dry_run=self.dry_run, roadmap=roadmap.name, warnings=list(self.parsed.warnings)
        )
        metrics = self._metrics(roadmap, report)
        periods = self._periods(roadmap, report)
        categories = self._categories(roadmap)
        self._goals(roadmap, periods, categories, metrics, report)
        self._schedules(report)
        self.session.flush()
        report.partners_named = _store_partners(self.session, self._partners, self._goal_of)
        return report

    def _roadmap(self, source: str) -> Roadmap:
        roadmap = self.session.scalar(
            select(Roadmap).where(Roadmap.workspace_id == self.workspace_id).order_by(Roadmap.id)
        )
        name = self.parsed.title or "Roadmap"
        if roadmap is None:
            roadmap = Roadmap(workspace_id=self.workspace_id, name=name)
            self.session.add(roadmap)
        roadmap.name = name
        roadmap.subtitle = self.parsed.subtitle
        roadmap.year = self.parsed.year
        roadmap.source_document = source
        self.session.flush()
        return roadmap

    def _metrics(self, roadmap: Roadmap, report: ImportReport) -> dict[str, Metric]:
        existing = {
            m.key: m
            for m in self.session.scalars(
                select(Metric).where(Metric.workspace_id == self.workspace_id)
            )
        }
        for position, parsed in enumerate(self.parsed.metrics):
            metric = existing.get(parsed.key)
            values = _metric_values(parsed, position)
            if metric is None:
                metric = Metric(workspace_id=self.workspace_id, roadmap_id=roadmap.id, **values)
                self.session.add(metric)
                existing[parsed.key] = metric
                report.metrics_added.append(parsed.name)
            elif any(getattr(metric, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(metric, key, value)
                report.metrics_updated.append(parsed.name)
        self.session.flush()
        return existing

    def _periods(self, roadmap: Roadmap, report: ImportReport) -> dict[str, Period]:
        existing = {
            p.label: p
            for p in self.session.scalars(
                select(Period).where(
                    Period.workspace_id == self.workspace_id, Period.roadmap_id == roadmap.id
                )
            )
        }
        for position, parsed in enumerate(self.parsed.periods):
            period = existing.get(parsed.label)
            if period is None:
                period = Period(
                    workspace_id=self.workspace_id, roadmap_id=roadmap.id, label=parsed.label
                )
                self.session.add(period)
                existing[parsed.label] = period
            period.start_date, period.end_date = parsed.start, parsed.end
            period.position = position
            report.periods.append(parsed.label)
        self.session.flush()
        return existing

    def _categories(self, roadmap: Roadmap) -> dict[str, Category]:
        existing = {
            c.name: c
            for c in self.session.scalars(
                select(Category).where(
                    Category.workspace_id == self.workspace_id,
                    Category.roadmap_id == roadmap.id,
                )
            )
        }
        names = list(dict.fromkeys(c.name for p in self.parsed.periods for c in p.categories))
        for position, name in enumerate(names):
            category = existing.get(name)
            if category is None:
                category = Category(
                    workspace_id=self.workspace_id, roadmap_id=roadmap.id, name=name
                )
                self.session.add(category)
                existing[name] = category
            category.position = position
        self.session.flush()
        return existing

    def _goals(self, roadmap, periods, categories, metrics, report: ImportReport) -> None:
        existing = list(
            self.session.scalars(
                select(Goal)
                .where(Goal.workspace_id == self.workspace_id, Goal.roadmap_id == roadmap.id)
                .order_by(Goal.number)
            )
        )
        by_key = {(g.period_id, g.category_id, g.normalized_title): g for g in existing}
        matched: dict[int, Goal] = {}  # id(parsed goal) -> goal
        pending: list[tuple[int, int, int, ParsedGoal]] = []
        for position, (period_doc, category_doc, goal_doc) in enumerate(self.parsed.goals()):
            period = periods[period_doc.label]
            category = categories[category_doc.name]
            key = (period.id, category.id, normalize_title(goal_doc.title))
            goal = by_key.pop(key, None)
            if goal is not None:
                matched[id(goal_doc)] = goal
            pending.append((position, period.id, category.id, goal_doc))

        renamed = self._pair_renames(pending, matched, list(by_key.values()))
        labels = {p.id: p.label for p in periods.values()}
        names = {c.id: c.name for c in categories.values()}
        number = next_goal_number(self.session, self.workspace_id)
        self._goal_of: dict[int, Goal] = {}
        for position, period_id, category_id, goal_doc in pending:
            goal = matched.get(id(goal_doc))
            if goal is not None:
                self._goal_of[id(goal_doc)] = goal
            where = (labels[period_id], names[category_id])
            if goal is None:
                goal = Goal(
                    workspace_id=self.workspace_id,
                    roadmap_id=roadmap.id,
                    number=number,
                    period_id=period_id,
                    category_id=category_id,
                    title=goal_doc.title,
                    normalized_title=normalize_title(goal_doc.title),
                    status="not-started",
                    progress=0,
                    archived=False,
                    position=position,
                )
                number += 1
                self.session.add(goal)
                self._goal_of[id(goal_doc)] = goal
                _apply_document(goal, goal_doc, metrics, self.workspace_id)
                report.added.append(GoalChange(goal.ref, goal.title, *where))
                continue
            changes = []
            if goal.id in renamed:
                changes.append(f"renamed from {goal.title!r}")
                goal.title = goal_doc.title
                goal.normalized_title = normalize_title(goal_doc.title)
            elif goal.title != goal_doc.title:
                goal.title = goal_doc.title  # same words, other spelling: not worth reporting
            if goal.archived:
                goal.archived = False
                changes.append("restored")
            goal.position = position
            changes += _apply_document(goal, goal_doc, metrics, self.workspace_id)
            change = GoalChange(goal.ref, goal.title, *where, "; ".join(changes))
            (report.updated if changes else report.unchanged).append(change)

        for goal in by_key.values():
            if goal.id in renamed or goal.archived:
                continue
            change = GoalChange(
                goal.ref, goal.title, labels[goal.period_id], names[goal.category_id]
            )
            report.missing.append(change)
            if self.archive_missing:
                goal.archived = True
                report.archived.append(change)

    def _pair_renames(self, pending, matched, unmatched_goals: list[Goal]) -> set[int]:
        """Pair new titles with vanished ones in the same period and category: a rename."""
        candidates = []
        for _, period_id, category_id, goal_doc in pending:
            if id(goal_doc) in matched:
                continue
            for goal in unmatched_goals:
                if (goal.period_id, goal.category_id) != (period_id, category_id):
                    continue
                ratio = difflib.SequenceMatcher(
                    None, goal.normalized_title, normalize_title(goal_doc.title)
                ).ratio()
                if ratio >= RENAME_SIMILARITY:
                    candidates.append((ratio, goal, goal_doc))
        renamed: set[int] = set()
        for _ratio, goal, goal_doc in sorted(candidates, key=lambda c: -c[0]):
            if goal.id in renamed or id(goal_doc) in matched:
                continue
            matched[id(goal_doc)] = goal
            renamed.add(goal.id)
        return renamed

    def _schedules(self, report: ImportReport) -> None:
        kinds = set(
            self.session.scalars(
                select(Schedule.kind).where(Schedule.workspace_id == self.workspace_id)
            )
        )
        for ritual in self.parsed.rituals:
            rule = RITUAL_RULES.get((ritual.kind, ritual.cadence))
            if rule is None or ritual.kind in kinds:
                continue
            kinds.add(ritual.kind)
            self.session.add(
                Schedule(
                    workspace_id=self.workspace_id,
                    kind=ritual.kind,
                    rule=rule,
                    text=ritual.text,
                    options={"cadence": ritual.cadence, "proposed_by_line": ritual.line},
                    source="import",
                )
            )
            report.schedules_proposed.append(f"{ritual.kind}: {rule}")


def _metric_values(parsed: ParsedMetric, position: int) -> dict:
    return {
        "key": parsed.key,
        "name": parsed.name,
        "aliases": list(parsed.aliases),
        "kind": parsed.kind,
        "text": parsed.text,
        "baseline": parsed.baseline,
        "target": parsed.target,
        "comparator": parsed.comparator,
        "unit": parsed.unit,
        "qualifier": parsed.qualifier,
        "cadence": parsed.cadence,
        "typed": parsed.typed,
        "position": position,
    }


def _apply_document(goal: Goal, doc: ParsedGoal, metrics: dict[str, Metric], workspace_id: int):
    """Copy what the document says onto the goal; return a description of each change.

    Owners, status, progress and due date change only when the document states them, so a
    plain document never wipes what people recorded in Slack.
    """
    changes = []
    if doc.owners:
        current = [o.owner for o in goal.owners]
        if current != doc.owners:
            goal.owners = [
                GoalOwner(workspace_id=workspace_id, owner=owner, position=i)
                for i, owner in enumerate(doc.owners)
            ]
            if goal.id is not None:
                changes.append("owners " + ", ".join(doc.owners))
    if doc.status and doc.status != goal.status:
        if goal.id is not None:
            changes.append(f"status {goal.status} → {doc.status}")
        goal.status = doc.status
        if doc.status == "done" and doc.progress is None:
            goal.progress = 100
    if doc.progress is not None and doc.progress != goal.progress:
        if goal.id is not None:
            changes.append(f"progress {goal.progress}% → {doc.progress}%")
        goal.progress = doc.progress
    if doc.due and doc.due != goal.due_date:
        if goal.id is not None:
            changes.append(f"due {doc.due.isoformat()}")
        goal.due_date = doc.due
    target = doc.target
    metric = metrics.get(target.metric) if target and target.metric else None
    new_target = (
        (metric.id if metric else None, target.value, target.comparator, target.unit, target.kind)
        if target
        else (None, None, None, None, None)
    )
    old_target = (
        goal.metric_id,
        goal.target_value,
        goal.target_comparator,
        goal.target_unit,
        goal.target_kind,
    )
    if new_target != old_target:
        if goal.id is not None:
            changes.append("target changed")
        (
            goal.metric_id,
            goal.target_value,
            goal.target_comparator,
            goal.target_unit,
            goal.target_kind,
        ) = new_target
    return changes


def _take_partner_annotations(parsed: ParsedRoadmap) -> dict[int, list[str]]:
    """Team metrics (issue 20): a goal's "(with @platform-team)" annotation names its partner
    teams; it comes off the title (so re-importing matches the same goal)."""
    from bot.services.partners import split_annotation

    found: dict[int, list[str]] = {}
    for _, _, goal_doc in parsed.goals():
        title, names = split_annotation(goal_doc.title)
        if names:
            goal_doc.title = title
            found[id(goal_doc)] = names
    return found


def _store_partners(session: Session, partners: dict[int, list[str]], goal_of) -> int:
    """Store the annotated partners; returns on how many goals."""
    from bot.services.partners import replace_partners, resolve

    stored = 0
    for doc_id, names in partners.items():
        goal = goal_of.get(doc_id)
        if goal is not None:
            replace_partners(session, goal, resolve(names, None))
            stored += 1
    return stored


def _team_metrics_after_import(session: Session, workspace_id: int, now, partners: int) -> None:
    """Issue 20: the pulse and the daily refresh once the roadmap has team metrics; when the
    document named partner teams, the collaboration reading is recomputed."""
    from bot.services.team_metrics import ensure_team_schedules, refresh
    from models import Workspace, utcnow

    workspace = session.get(Workspace, workspace_id)
    now = now or utcnow()
    ensure_team_schedules(session=session, workspace=workspace, now=now)
    if partners:
        refresh(session, workspace, now, sources=("goals",))
