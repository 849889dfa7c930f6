"""The weekly digest and the quarterly progress digest, as plain data.

`weekly_digest` and `quarterly_digest` each run a fixed, small number of queries whatever the
size of the roadmap; bot.blocks.digests renders what they return.
"""

from bot.services.digests.model import (
    ATTENTION_STATUSES,
    Attention,
    CategorySummary,
    Changes,
    CheckinSummary,
    ComingUp,
    Forecast,
    GoalItem,
    MetricOutcome,
    MetricSeries,
    MetricStatus,
    MissedGoal,
    Overview,
    PeriodComparison,
    ProgressMove,
    QuarterlyDigest,
    ReadingChange,
    ScheduledRitual,
    StatusChange,
    Target,
    UpcomingOccurrence,
    WeeklyDigest,
)
from bot.services.digests.quarterly import quarterly_digest
from bot.services.digests.weekly import weekly_digest

__all__ = [
    "ATTENTION_STATUSES",
    "Attention",
    "CategorySummary",
    "Changes",
    "CheckinSummary",
    "ComingUp",
    "Forecast",
    "GoalItem",
    "MetricOutcome",
    "MetricSeries",
    "MetricStatus",
    "MissedGoal",
    "Overview",
    "PeriodComparison",
    "ProgressMove",
    "QuarterlyDigest",
    "ReadingChange",
    "ScheduledRitual",
    "StatusChange",
    "Target",
    "UpcomingOccurrence",
    "WeeklyDigest",
    "quarterly_digest",
    "weekly_digest",
]
