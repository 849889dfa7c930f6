"""Import a roadmap document into a workspace: one transaction, updates in place, a report."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.services import people
from bot.services.measured_by import LABELS
from bot.services.roadmap_document import (
    ParsedGoal,
    ParsedMetric,
    ParsedRoadmap,
    ParseWarning,
    normalize_title,
    parse_roadmap,
)
from bot.services.roadmap_match import Title, pair_renames
from bot.services.roadmap_report import GoalChange, ImportReport, understood
from bot.services.schedule_rules import parse_rule
from bot.services.schedules import default_holiday_policy
from models import (
    AuditEntry,
    Category,
    Goal,
    GoalOwner,
    MeasuredBy,
    Metric,
    Period,
    Roadmap,
    Schedule,
    Workspace,
    utcnow,
)
from models.roadmap import next_goal_number

__all__ = ["GoalChange", "ImportReport", "import_roadmap"]


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
    return import_parsed(
        session=session,
        workspace_id=workspace_id,
        parsed=parsed,
        source=source,
        dry_run=dry_run,
        archive_missing=archive_missing,
        actor=actor,
        now=now,
    )


def import_parsed(
    *,
    session: Session,
    workspace_id: int,
    parsed: ParsedRoadmap,
    source: str | None,
    dry_run: bool = False,
    archive_missing: bool = False,
    actor: str | None = None,
    now=None,
) -> ImportReport:
    """Merge an already read roadmap (a document, or a spreadsheet's rows) into the workspace."""
    savepoint = session.begin_nested()
    try:
        importer = _Importer(session, workspace_id, parsed, dry_run, archive_missing)
        importer.today = (now or utcnow()).date()
        report = importer.run(source)
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
    def _owner_id(self, name: str) -> str | None:
        if name not in self._matches:
            self._matches[name] = people.cached_match(self.session, self.workspace_id, name)
        return self._matches[name]

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
        self.today = utcnow().date()  # the week an "every 2 weeks" ritual counts from
        self._matches: dict[str, str | None] = {}

    def run(self, source: str | None) -> ImportReport:
        self._partners = _take_partner_annotations(self.parsed)  # issue 20: "(with @team)"
        self._goal_of: dict[int, Goal] = {}
        roadmap = self._roadmap(source)
        report = ImportReport(
            dry_run=self.dry_run,
            roadmap=roadmap.name,
            warnings=list(self.parsed.warnings),
            skipped=list(self.parsed.skipped),
            understood=understood(self.parsed),
        )
        metrics = self._metrics(roadmap, report)
        periods = self._periods(roadmap, report)
        categories = self._categories(roadmap)
        self._goals(roadmap, periods, categories, metrics, report)
        self._schedules(report)
        self.session.flush()
        report.partners_named = _store_partners(
            self.session, self.workspace_id, self._partners, self._goal_of
        )
        report.unresolved = self._unresolved()
        return report

    def _unresolved(self) -> dict[str, list[str]]:
        """The document's owner names that match nobody, with the titles of their goals: kept
        as written, so a dry run can say so before anything is stored."""
        found: dict[str, list[str]] = {}
        for _, _, goal in self.parsed.goals():
            for owner in document_owners(goal.owners, self._owner_id):
                if not people.is_user_id(owner):
                    found.setdefault(owner, []).append(goal.title)
        return found

    def _roadmap(self, source: str | None) -> Roadmap:
        roadmap = self.session.scalar(
            select(Roadmap).where(Roadmap.workspace_id == self.workspace_id).order_by(Roadmap.id)
        )
        name = self.parsed.title or "Roadmap"
        if roadmap is None:
            roadmap = Roadmap(workspace_id=self.workspace_id, name=name)
            self.session.add(roadmap)
        if self.parsed.title is not None or source is not None:  # a spreadsheet has no title
            roadmap.name = name
            roadmap.subtitle = self.parsed.subtitle
            roadmap.year = self.parsed.year
        if source is not None:
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
        added: list[Metric] = []
        for position, parsed in enumerate(self.parsed.metrics):
            metric = existing.get(parsed.key)
            values = _metric_values(parsed, position)
            if metric is not None and not parsed.typed and metric.text != parsed.text:
                # "Uptime: banana" must not overwrite the typed uptime target with text.
                report.warnings.append(
                    ParseWarning(
                        parsed.line,
                        f"metric '{parsed.name}' kept as it was ({metric.text!r}): "
                        f"{parsed.text!r} is not a value I can read",
                    )
                )
                report.metrics_unchanged.append(parsed.name)
                continue
            if metric is None:
                metric = Metric(workspace_id=self.workspace_id, roadmap_id=roadmap.id, **values)
                # Its source is chosen from its name (models.MeasuredBy.from_name) now, once:
                # a re-import leaves an existing metric's source alone.
                self.session.add(metric)
                existing[parsed.key] = metric
                report.metrics_added.append(parsed.name)
                added.append(metric)
            elif any(getattr(metric, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(metric, key, value)
                report.metrics_updated.append(parsed.name)
            else:
                report.metrics_unchanged.append(parsed.name)
        self.session.flush()
        report.sources_chosen = [
            f"{m.name}: {LABELS[MeasuredBy(m.measured_by)]}"
            for m in added
            if m.measured_by != MeasuredBy.MANUAL
        ]
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
            period.theme, period.status = parsed.theme, parsed.status
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
        new_goals: list[Goal] = []
        for position, period_id, category_id, goal_doc in pending:
            goal = matched.get(id(goal_doc))
            where = (labels[period_id], names[category_id])
            if goal is not None:
                self._goal_of[id(goal_doc)] = goal
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
                _apply_document(goal, goal_doc, metrics, self.workspace_id, self._owner_id)
                new_goals.append(goal)
                self._goal_of[id(goal_doc)] = goal
                report.added.append(GoalChange(goal.ref, goal.title, *where))
                continue
            changes = []
            if goal.id in renamed:
                changes.append(f"renamed from {goal.title!r}")
                report.renames.append(f"{goal.ref} {goal.title!r} → {goal_doc.title!r}")
                goal.title = goal_doc.title
                goal.normalized_title = normalize_title(goal_doc.title)
            elif goal.title != goal_doc.title:
                goal.title = goal_doc.title  # same words, other spelling: not worth reporting
            if goal.archived:
                goal.archived = False
                changes.append("restored")
            goal.position = position
            changes += _apply_document(goal, goal_doc, metrics, self.workspace_id, self._owner_id)
            change = GoalChange(goal.ref, goal.title, *where, "; ".join(changes))
            (report.updated if changes else report.unchanged).append(change)
        self._insert(new_goals)
        self._unmatched(by_key.values(), renamed, labels, names, report)

    def _insert(self, goals: list[Goal]) -> None:
        """New goals in one batch (the ORM would insert 10,000 goals one by one on SQLite)."""
        if not goals:
            return
        self.session.flush()
        columns = [c.key for c in Goal.__table__.columns if c.key != "id"]
        now = utcnow()
        rows = []
        for goal in goals:
            row = {key: getattr(goal, key) for key in columns}
            row["created_at"] = row["updated_at"] = now
            rows.append(row)
        self.session.execute(insert(Goal), rows)
        owned = {g.number: g.owners for g in goals if g.owners}
        if not owned:
            return
        ids = dict(
            self.session.execute(
                select(Goal.number, Goal.id).where(
                    Goal.workspace_id == self.workspace_id, Goal.number.in_(list(owned))
                )
            ).all()
        )
        self.session.execute(
            insert(GoalOwner),
            [
                {
                    "workspace_id": self.workspace_id,
                    "goal_id": ids[number],
                    "owner": owner.owner,
                    "position": position,
                }
                for number, owners in owned.items()
                for position, owner in enumerate(owners)
            ],
        )

    def _unmatched(self, goals, renamed: set[int], labels, names, report: ImportReport) -> None:
        """Goals the document does not list. Of a period the document does not mention (last
        year's roadmap when this is next year's) they are kept, and never archived; of a period
        it does mention they are "not in the document" (archived with --archive-missing)."""
        in_document = {p.label for p in self.parsed.periods}
        for goal in goals:
            if goal.id in renamed or goal.archived:
                continue
            label = labels.get(goal.period_id, "?")
            change = GoalChange(goal.ref, goal.title, label, names.get(goal.category_id, "?"))
            if label not in in_document:
                report.kept.append(change)
                continue
            report.missing.append(change)
            if self.archive_missing:
                goal.archived = True
                report.archived.append(change)

    def _pair_renames(self, pending, matched, unmatched_goals: list[Goal]) -> set[int]:
        """Pair new titles with vanished ones in the same period and category: a rename."""
        new = [
            (goal_doc, Title((period_id, category_id), normalize_title(goal_doc.title)))
            for _, period_id, category_id, goal_doc in pending
            if id(goal_doc) not in matched
        ]
        old = [Title((g.period_id, g.category_id), g.normalized_title) for g in unmatched_goals]
        renamed: set[int] = set()
        for new_position, old_position, _ratio in pair_renames([t for _, t in new], old):
            goal = unmatched_goals[old_position]
            matched[id(new[new_position][0])] = goal
            renamed.add(goal.id)
        return renamed

    def _schedules(self, report: ImportReport) -> None:
        """A ritual the workspace has no schedule for becomes one; one it has keeps its
        schedule (changed in Slack, never by a re-import), and the report says so when the
        document proposes another."""
        existing: dict[str, Schedule] = {}
        for schedule in self.session.scalars(
            select(Schedule).where(Schedule.workspace_id == self.workspace_id).order_by(Schedule.id)
        ):
            existing.setdefault(schedule.kind, schedule)
        kinds = set(existing)
        workspace = self.session.get(Workspace, self.workspace_id)
        for ritual in self.parsed.rituals:
            rule = ritual.rule
            if rule is None:
                continue
            if ritual.kind in kinds:
                kept = existing.pop(ritual.kind, None)  # said once per kind
                if kept is not None and _proposes_another(kept, ritual):
                    report.schedules_kept.append(
                        f"{ritual.kind}: kept {kept.rule!r} (the document says {rule!r}); "
                        f'to change it: `/roadmap schedule edit {kept.id} "{rule}"`'
                    )
                continue
            kinds.add(ritual.kind)
            options = {"cadence": ritual.cadence, "proposed_by_line": ritual.line}
            if parse_rule(rule).kind == "interval_weeks":
                # "every 2 weeks": counted from the week of the import, as a rule added in
                # Slack counts from the week it was added.
                options["anchor"] = self.today.isoformat()
            self.session.add(
                Schedule(
                    workspace_id=self.workspace_id,
                    kind=ritual.kind,
                    rule=rule,
                    text=ritual.text,
                    options=options,
                    holiday_policy=default_holiday_policy(workspace),
                    source="import",
                )
            )
            report.schedules_proposed.append(f"{ritual.kind}: {rule}")


def _proposes_another(schedule: Schedule, ritual) -> bool:
    """The document asks for another rule than the schedule's: in its own words, or by a
    cadence ("quarterly") other than the one the schedule was made for. A usual rule for the
    same cadence is no proposal (an admin's edit of it stays unmentioned)."""
    if " ".join(schedule.rule.lower().split()) == " ".join(ritual.rule.lower().split()):
        return False
    return ritual.rule_stated or (schedule.options or {}).get("cadence") != ritual.cadence


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


def document_owners(names: list[str], resolve: Callable[[str], str | None]) -> list[str]:
    """The owners a document names for one goal, as goal_owners stores them: the user id of
    the member a name matches (people.cached_match), or the name as written when it matches
    nobody, to be shown and reported for an admin to fix."""
    return list(dict.fromkeys(resolve(name) or name for name in names))


def _add_owners(goal: Goal, owners: list[str], workspace_id: int) -> list[str]:
    """Add the document's owners the goal does not have yet; return them.

    Owners assigned in Slack since the last import are kept (the document cannot know them),
    and an owner is never inserted twice (goal_owners is unique per goal and owner).
    """
    current = {o.owner for o in goal.owners}
    added = [owner for owner in owners if owner not in current]
    for owner in added:
        goal.owners.append(
            GoalOwner(workspace_id=workspace_id, owner=owner, position=len(goal.owners))
        )
    return added


def _apply_document(
    goal: Goal,
    doc: ParsedGoal,
    metrics: dict[str, Metric],
    workspace_id: int,
    resolve: Callable[[str], str | None],
):
    """Copy what the document says onto the goal; return a description of each change.

    Owners, status, its note, progress and due date change only when the document states
    them, so a plain document never wipes what people recorded in Slack.
    """
    changes = []
    added = _add_owners(goal, document_owners(doc.owners, resolve), workspace_id)
    if added and goal.id is not None:
        changes.append("owners + " + ", ".join(added))
    # A new status never keeps an earlier note (as in Slack); the document's note replaces it.
    note = doc.note or (None if doc.status and doc.status != goal.status else goal.status_note)
    if note != goal.status_note:
        if goal.id is not None and note:
            changes.append(f"note “{note}”")
        goal.status_note = note
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


def _store_partners(
    session: Session, workspace_id: int, partners: dict[int, list[str]], goal_of
) -> int:
    """Store the annotated partners; returns on how many goals. New goals were inserted in
    one batch, so their rows are found by number."""
    from bot.services.partners import replace_partners, resolve, with_known_groups

    stored = 0
    for doc_id, names in partners.items():
        goal = goal_of.get(doc_id)
        if goal is None:
            continue
        if goal.id is None:
            goal = session.scalar(
                select(Goal).where(Goal.workspace_id == workspace_id, Goal.number == goal.number)
            )
        replace_partners(
            session, goal, with_known_groups(session, workspace_id, resolve(names, None))
        )
        stored += 1
    return stored


def _team_metrics_after_import(session: Session, workspace_id: int, now, partners: int) -> None:
    """Issue 20: the pulse and the daily refresh once the roadmap has team metrics; when the
    document named partner teams, the collaboration reading is recomputed."""
    from bot.services.team_metrics import ensure_team_schedules, refresh

    workspace = session.get(Workspace, workspace_id)
    now = now or utcnow()
    ensure_team_schedules(session=session, workspace=workspace, now=now)
    if partners:
        refresh(session, workspace, now, sources=("goals",))
