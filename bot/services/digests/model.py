"""The digests as plain data: what the builders render and the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.services.metric_values import CadenceCount, Target, Verdict, trend
from models import GoalStatus

ATTENTION_STATUSES = (
    GoalStatus.BLOCKED,
    GoalStatus.OFF_TRACK,
    GoalStatus.AT_RISK,
)  # most urgent first


@dataclass(frozen=True)
class GoalItem:
    """A goal as a digest shows it; `owners` are Slack user ids or handles."""

    ref: str
    title: str
    status: str
    progress: int
    owners: tuple[str, ...] = ()
    category: str = ""
    period: str = ""
    note: str | None = None  # the status note, else the latest check-in note
    due: date | None = None


@dataclass(frozen=True)
class CategorySummary:
    name: str
    goals: int
    done: int
    progress: int  # average, percent
    by_status: dict[str, int] = field(default_factory=dict)  # every status with a goal

    @property
    def rate(self) -> float:
        return self.done / self.goals if self.goals else 0.0


@dataclass(frozen=True)
class Overview:
    """Where the period stands: week N of M (7-day blocks from the period's first day)."""

    period: str | None
    start: date | None = None
    end: date | None = None
    week: int = 0  # 0 before the period starts
    weeks: int = 0
    goals: int = 0
    done: int = 0
    progress: int = 0  # average over the period's goals, percent
    by_status: dict[str, int] = field(default_factory=dict)  # every status, in GOAL_STATUSES order
    categories: list[CategorySummary] = field(default_factory=list)


@dataclass(frozen=True)
class CheckinSummary:
    """Answers in one weekly cycle, counted as bot.services.checkins.completion counts them."""

    cycle: str
    checked_in: int = 0
    total: int = 0
    missing: list[GoalItem] = field(default_factory=list)
    missing_people: tuple[str, ...] = ()
    active: bool = False  # any prompt or answer in the last two cycles
    people: int = 0  # owners (people) with open goals in the cycle
    people_done: int = 0  # of them, those who answered about every one of their goals


@dataclass(frozen=True)
class StatusChange:
    goal: GoalItem
    before: str | None  # None when no earlier status is on record
    after: str


@dataclass(frozen=True)
class ProgressMove:
    goal: GoalItem
    before: int | None
    after: int


@dataclass(frozen=True)
class ReadingChange:
    key: str
    name: str
    unit: str | None
    readings: int  # how many in the window changed the value (a cadence metric: all of them)
    before: float | None  # the latest reading at or before the window's start
    after: float  # the latest reading in the window
    occurrences: int | None = None  # a cadence metric: what the window's readings count
    noun: str = "occurrence"  # what one occurrence is called: "deploy", "session"


@dataclass(frozen=True)
class Changes:
    since: datetime
    until: datetime
    completed: list[GoalItem] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    progress_moves: list[ProgressMove] = field(default_factory=list)
    new_goals: list[GoalItem] = field(default_factory=list)
    readings: list[ReadingChange] = field(default_factory=list)
    checkins: int = 0  # answers recorded in the window


@dataclass(frozen=True)
class Attention:
    goals: list[GoalItem] = field(default_factory=list)  # blocked, off-track, at-risk
    silent: list[GoalItem] = field(default_factory=list)  # no answer in either of `cycles`
    cycles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Forecast:
    """A least-squares line through the readings, and where it meets the goal value.

    state: "met" (the latest reading meets it), "reaches" (the line crosses it on `on`),
    "away" (the line moves away from it) or "flat" (not moving, or decades away).
    """

    state: str
    goal: Target
    goal_kind: str  # "milestone" or "target"
    on: date | None = None
    after_period: bool = False
    slope_per_week: float = 0.0
    readings: int = 0
    days: float = 0.0


@dataclass(frozen=True)
class MetricStatus:
    key: str
    name: str
    unit: str | None
    target_text: str  # as the roadmap wrote it, e.g. ">85%"
    target: Target | None = None
    milestone: Target | None = None  # this period's goal for the metric
    latest: float | None = None
    latest_at: datetime | None = None
    week_ago: float | None = None  # the latest reading at or before a week before now
    on_target: bool | None = None  # the verdict's, or the cadence count's
    forecast: Forecast | None = None
    verdict: Verdict | None = None  # the latest reading against the milestone, else the target
    cadence: CadenceCount | None = None  # a cadence metric: occurrences counted, not a value
    stale: bool = False  # the latest reading is older than the period: shown with its date
    source: str | None = None  # the reading's source: github, prometheus, pulse, roster…
    source_note: str | None = None  # e.g. "4/5 from 4 of 5"

    @property
    def change(self) -> float | None:
        if self.latest is None or self.week_ago is None or self.cadence is not None:
            return None
        return round(self.latest - self.week_ago, 6)

    @property
    def trend(self) -> str | None:
        """ "better", "worse" or "level" since last week, relative to the goal's direction."""
        goal = self.verdict.goal if self.verdict is not None else self.target
        return trend(self.change, goal)


@dataclass(frozen=True)
class UpcomingOccurrence:
    kind: str  # knowledge_sharing | retrospective
    on: date
    presenter: str | None = None
    topic: str | None = None
    at: datetime | None = None  # the scheduled instant, when known
    paused: bool = False


@dataclass(frozen=True)
class ScheduledRitual:
    kind: str
    rule: str
    enabled: bool = True
    text: str | None = None


@dataclass(frozen=True)
class ComingUp:
    knowledge_sharing: UpcomingOccurrence | None = None
    retrospective: UpcomingOccurrence | None = None
    schedules: list[ScheduledRitual] = field(default_factory=list)

    def schedule(self, kind: str) -> ScheduledRitual | None:
        return next((s for s in self.schedules if s.kind == kind), None)


@dataclass(frozen=True)
class WeeklyDigest:
    workspace_name: str | None
    now: datetime
    today: date
    overview: Overview
    checkins: CheckinSummary
    changes: Changes
    attention: Attention
    metrics: list[MetricStatus] = field(default_factory=list)
    coming_up: ComingUp = field(default_factory=ComingUp)
    people: dict[str, str] = field(default_factory=dict)  # user id -> display name
    mentions: bool = False  # the workspace's "mentions" setting is "on"
    images: bool = False  # `/roadmap config digest images on`: add the metrics sparklines
    timezone: str = "UTC"  # the workspace's, for times of day
    series: list[MetricSeries] = field(default_factory=list)  # readings in the period so far
    period_start: datetime | None = None  # the period's first instant, for stale readings


@dataclass(frozen=True)
class MissedGoal:
    goal: GoalItem
    carried_to: str | None = None  # the goal's ref in the next period, when carried over

    @property
    def unmarked(self) -> bool:
        """At 100% but never marked done: the status is the record, so it is not counted
        done, but it is shown apart ("100%, not marked done") for someone to close."""
        return self.goal.progress >= 100


@dataclass(frozen=True)
class MetricOutcome:
    """A metric at the end of a period: its value then against the milestone and target."""

    key: str
    name: str
    unit: str | None
    target_text: str
    value: float | None = None
    value_at: datetime | None = None
    milestone: Target | None = None
    met_milestone: bool | None = None
    target: Target | None = None
    met_target: bool | None = None
    verdict: Verdict | None = None  # the value against the milestone, else the target
    cadence: CadenceCount | None = None  # a cadence metric: occurrences in the period
    stale: bool = False  # the value is a reading from before the period
    source: str | None = None  # the reading's source: github, prometheus, pulse, roster…
    source_note: str | None = None  # e.g. "4/5 from 4 of 5"


@dataclass(frozen=True)
class PeriodComparison:
    label: str
    goals: int
    done: int

    @property
    def rate(self) -> float:
        return self.done / self.goals if self.goals else 0.0


@dataclass(frozen=True)
class MetricSeries:
    """One metric's readings over a period, for the chart."""

    key: str
    name: str
    unit: str | None
    points: tuple[tuple[datetime, float], ...]
    target: float | None = None
    milestone: float | None = None
    comparator: str | None = None  # the target's (or the milestone's): which side is "met"
    milestone_comparator: str | None = None
    period: str | None = None  # the milestone's period
    cadence: CadenceCount | None = None  # a cadence metric: chart the count against the ask


@dataclass(frozen=True)
class QuarterlyDigest:
    workspace_name: str | None
    now: datetime
    period: str | None
    start: date | None = None
    end: date | None = None
    ended: bool = False
    goals: int = 0
    done: int = 0
    categories: list[CategorySummary] = field(default_factory=list)
    achieved: list[GoalItem] = field(default_factory=list)
    missed: list[MissedGoal] = field(default_factory=list)
    metrics: list[MetricOutcome] = field(default_factory=list)
    previous: PeriodComparison | None = None
    next_period: str | None = None
    series: list[MetricSeries] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)
    mentions: bool = False
    period_start: datetime | None = None  # the period's first instant, for stale readings

    @property
    def rate(self) -> float:
        return self.done / self.goals if self.goals else 0.0

    @property
    def carried(self) -> int:
        return sum(m.carried_to is not None for m in self.missed)
