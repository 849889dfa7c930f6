"""What an import did, or would do: the report shown by the CLI and in Slack."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.services.roadmap_document import STATUSES, ParsedRoadmap, ParseWarning
from bot.wording import plural


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
    # Goals of periods that ended before the document's first period (last year's roadmap
    # when importing next year's): kept as they are, not "missing".
    kept: list[GoalChange] = field(default_factory=list)
    partners_named: int = 0  # goals whose "(with @team)" annotation named partners (issue 20)
    archived: list[GoalChange] = field(default_factory=list)
    metrics_added: list[str] = field(default_factory=list)
    metrics_updated: list[str] = field(default_factory=list)
    metrics_unchanged: list[str] = field(default_factory=list)
    # New metrics the bot measures, their source chosen from the name: "Employee
    # satisfaction: the pulse survey" (bot.services.measured_by).
    sources_chosen: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    schedules_proposed: list[str] = field(default_factory=list)
    # Rituals the document words differently from the workspace's schedule, which a re-import
    # keeps: "retrospective: kept '…' (the document says '…'); to change it: `…`".
    schedules_kept: list[str] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    skipped: list[ParseWarning] = field(default_factory=list)  # left out, with the reason
    understood: list[str] = field(default_factory=list)  # what the reader found, line by line
    renames: list[str] = field(default_factory=list)  # "G4 'Old' → 'New'"
    # Owner names that match nobody in the workspace (kept as written), with their goals' titles.
    unresolved: dict[str, list[str]] = field(default_factory=dict)

    def unresolved_lines(self) -> list[str]:
        """ "@zed (Tidy up, Ship it)" for each owner name that matches nobody."""
        return [
            f"{name} ({', '.join(titles[:3])}{' …' if len(titles) > 3 else ''})"
            for name, titles in self.unresolved.items()
        ]

    @property
    def goal_count(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.roadmap!r}: {plural(len(self.periods), 'period')}, "
            f"{plural(self.goal_count, 'goal')} "
            f"({len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.missing)} not in the document"
            + (f", {len(self.kept)} kept from earlier periods" if self.kept else "")
            + (f", {len(self.archived)} archived" if self.archived else "")
            + f"), {self._metrics_summary()}"
            + (f", {plural(len(self.warnings), 'warning')}" if self.warnings else "")
            + (f", {len(self.skipped)} skipped" if self.skipped else "")
            + "."
        )

    def _metrics_summary(self) -> str:
        """ "10 metrics added", "10 metrics unchanged" (there, not absent), "10 metrics (2
        updated, 8 unchanged)"."""
        counts = [
            (len(names), word)
            for names, word in (
                (self.metrics_added, "added"),
                (self.metrics_updated, "updated"),
                (self.metrics_unchanged, "unchanged"),
            )
            if names
        ]
        total = plural(sum(n for n, _ in counts), "metric")
        if len(counts) == 1:
            return f"{total} {counts[0][1]}"
        return f"{total} ({', '.join(f'{n} {word}' for n, word in counts)})" if counts else total


def understood(parsed: ParsedRoadmap) -> list[str]:
    """What the reader understood, for the dry run: periods with their goals per category and
    statuses, owners, metrics, rituals."""
    lines = []
    for period in parsed.periods:
        goals = [g for c in period.categories for g in c.goals]
        extra = "".join(
            f", {label} {value!r}" if label == "theme" else f", {label} {value}"
            for label, value in (("theme", period.theme), ("status", period.status))
            if value
        )
        per_category = "; ".join(f"{c.name} {len(c.goals)}" for c in period.categories if c.goals)
        statuses = Counter(g.status or "no status" for g in goals)
        status_text = ", ".join(
            f"{statuses[s]} {s}" for s in (*STATUSES, "no status") if statuses.get(s)
        )
        lines.append(
            f"{period.label} (line {period.line}{extra}): {plural(len(goals), 'goal')}"
            + (f" — {per_category}" if per_category else "")
            + (f" — {status_text}" if status_text else "")
        )
    owners = sorted({o for _, _, g in parsed.goals() for o in g.owners})
    if owners:
        lines.append(f"Owners: {', '.join(owners[:20])}" + (" …" if len(owners) > 20 else ""))
    if parsed.metrics:
        typed = sum(m.typed for m in parsed.metrics)
        lines.append(
            f"Metrics: {plural(len(parsed.metrics), 'metric')} ({typed} with a target): "
            + ", ".join(m.name for m in parsed.metrics[:12])
            + (" …" if len(parsed.metrics) > 12 else "")
        )
    for ritual in parsed.rituals:
        when = ritual.rule if ritual.rule_stated else ritual.cadence  # "every 2 weeks on …"
        lines.append(f"Ritual: {ritual.kind.replace('_', ' ')}, {when} (line {ritual.line})")
    return lines
