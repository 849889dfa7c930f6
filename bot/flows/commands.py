"""The typed commands `/roadmap` text parses into: frozen dataclasses, plain data only.

They are the requests of the command flows (bot.flows.goals, .metrics, …): the grammar
(handlers.grammar) builds them, a flow takes one wrapped in a `CommandCall`.

Goal references are "G12"; people are Slack user ids ("U0123ABCD"), typed handles ("@alice")
or "mine" (the person asking); channels are ids ("C0123ABCD") or typed names ("#eng").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeAlias, TypeVar

# -- goals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListGoals:
    """List goals; every filter is optional. `category` is a lower-case prefix."""

    period: str | None = None
    category: str | None = None
    owner: str | None = None
    status: str | None = None
    page: int = 1


@dataclass(frozen=True)
class ShowGoal:
    """Show one goal: `query` is a reference ("G12") or words from its title."""

    query: str


@dataclass(frozen=True)
class AddGoal:
    """Add a goal; without a title, open the form (prefilled with whatever was given)."""

    title: str | None = None
    period: str | None = None
    category: str | None = None
    owners: tuple[str, ...] = ()
    due: date | None = None


@dataclass(frozen=True)
class EditGoal:
    """Open the form to edit a goal."""

    ref: str


@dataclass(frozen=True)
class AssignGoal:
    """Make these people the goal's owners."""

    ref: str
    owners: tuple[str, ...]


@dataclass(frozen=True)
class SetProgress:
    """Set a goal's progress, a whole percentage."""

    ref: str
    percent: int


@dataclass(frozen=True)
class SetStatus:
    """Set a goal's status (one of STATUSES), with an optional reason."""

    ref: str
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class MarkDone:
    """Mark a goal done."""

    ref: str


@dataclass(frozen=True)
class ArchiveGoal:
    """Archive a goal."""

    ref: str


@dataclass(frozen=True)
class History:
    """Show a goal's history of changes and check-ins."""

    ref: str


# -- metrics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListMetrics:
    """List the team's metrics."""


@dataclass(frozen=True)
class RecordMetric:
    """Record a metric's value; `unit` is normalized ("ms", "minutes", "hours", "%", "/5")."""

    name: str
    value: float
    unit: str | None = None


@dataclass(frozen=True)
class AddMetric:
    """Open the form to add a metric."""


@dataclass(frozen=True)
class MetricSourceCommand:
    """Show where a metric's readings come from; bind it to a PromQL query; say what measures
    it (`measured_by`: pulse, roster, checkins, goals, rituals, tools); or (off) make it typed
    by people again (unbinding its query)."""

    name: str
    query: str | None = None
    off: bool = False
    measured_by: str | None = None


@dataclass(frozen=True)
class RefreshMetric:
    """Read a bound metric from its source now."""

    name: str


@dataclass(frozen=True)
class ExplainMetric:
    """Say where a metric's number comes from (`/roadmap metric <name>` with no value);
    `error` is the complaint to give if no metric has that name."""

    name: str
    error: str | None = None


# -- team metrics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamCommand:
    """The team roster: show (default), add, remove, sync (follow a channel), role, plan,
    pulse-min. People as in goal commands; `plan` is yes/no with an optional `link`; add and
    role may give the day someone `joined` (else an added person joins today)."""

    action: str = "show"
    people: tuple[str, ...] = ()
    channel: str | None = None
    role: str | None = None
    plan: bool | None = None
    link: str | None = None
    number: int | None = None
    joined: date | None = None  # add/role: the day they really joined the team


@dataclass(frozen=True)
class SetPartners:
    """Name the partner teams a goal is worked on with (`/roadmap edit G12 with …`)."""

    ref: str
    partners: tuple[str, ...]


# -- check-ins ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkin:
    """Check in on a goal: its status, optionally its progress and a note."""

    ref: str
    status: str
    progress: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class CheckinPrompt:
    """Send me the check-in prompt for all my goals now."""


@dataclass(frozen=True)
class Away:
    """Pause my check-in prompts, until a day (inclusive) or until I say I'm back."""

    until: date | None = None


@dataclass(frozen=True)
class Back:
    """Resume my check-in prompts."""


# -- schedules, digests, roadmap, settings, help -----------------------------------------------


@dataclass(frozen=True)
class ScheduleCommand:
    """List, add, change or try the team's schedules. Fields unused by an action are None."""

    action: str = "list"
    schedule_id: int | None = None
    kind: str | None = None
    rule: str | None = None
    channel: str | None = None
    text: str | None = None
    holidays: str | None = None  # action "holidays": none | next_working_day | skip


@dataclass(frozen=True)
class Digest:
    """Post (or, with preview, only show me) the weekly or quarterly digest."""

    kind: str
    preview: bool = False


@dataclass(frozen=True)
class ImportRoadmap:
    """Open the form to import a roadmap document."""


@dataclass(frozen=True)
class ExportRoadmap:
    """Export the roadmap: fmt is "md", "json" or "csv"."""

    fmt: str = "md"


@dataclass(frozen=True)
class Config:
    """Show the settings (setting None), show one (no values), or change one."""

    setting: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Help:
    """Show help on every command, or on one (`topic` is a command's name)."""

    topic: str | None = None


Command: TypeAlias = (
    ListGoals
    | ShowGoal
    | AddGoal
    | EditGoal
    | AssignGoal
    | SetProgress
    | SetStatus
    | MarkDone
    | ArchiveGoal
    | History
    | ListMetrics
    | RecordMetric
    | AddMetric
    | MetricSourceCommand
    | RefreshMetric
    | ExplainMetric
    | TeamCommand
    | SetPartners
    | Checkin
    | CheckinPrompt
    | Away
    | Back
    | ScheduleCommand
    | Digest
    | ImportRoadmap
    | ExportRoadmap
    | Config
    | Help
)
COMMAND_TYPES: tuple[type, ...] = Command.__args__


@dataclass(frozen=True)
class ParsedCommand:
    """A parsed command; `share` means post the answer in the channel, not only to me.
    `name` is the /roadmap command it was given as (its registry entry)."""

    command: Command
    share: bool = False
    name: str = field(default="help", compare=False)


C = TypeVar("C")


@dataclass(frozen=True)
class CommandCall(Generic[C]):
    """What a command flow is given: the typed command and what Slack sent with it.

    `share`: the person asked for the answer in the channel (a flow decides whether the
    answer may be shared); `trigger_id` opens a modal; `response_url` takes up to five
    more private replies (e.g. a digest's preview, message by message).
    """

    command: C
    share: bool = False
    trigger_id: str | None = None
    response_url: str | None = None
