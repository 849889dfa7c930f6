"""SQLAlchemy models: importing this package registers every table on Base.metadata."""

from models import (
    installation,  # noqa: F401  (slack_sdk's OAuth tables)
    replanning,  # noqa: F401  (forgets a changed schedule's next due time)
)
from models.base import Base, utcnow
from models.checkin import Checkin, CheckinPrompt, CheckinRound, CheckinSource
from models.events import ApiToken, AuditEntry, ProcessedEvent
from models.metric import MeasuredBy, Metric, MetricReading
from models.roadmap import (
    GOAL_STATUSES,
    Category,
    Goal,
    GoalOwner,
    GoalStatus,
    Period,
    Roadmap,
)
from models.schedule import (
    Delivery,
    DeliveryState,
    RetroItem,
    RitualOccurrence,
    Schedule,
    ScheduleKind,
)
from models.team import (
    GoalPartner,
    InnovationAnswer,
    PulseAnswer,
    PulseMarker,
    PulseRound,
    TeamMember,
)
from models.tools import Hook, HookKind, MetricSource, ToolEvent, ToolEventKind
from models.workspace import Member, PersonAlias, Workspace

__all__ = [
    "GOAL_STATUSES",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Category",
    "Checkin",
    "CheckinPrompt",
    "CheckinRound",
    "CheckinSource",
    "Delivery",
    "DeliveryState",
    "Goal",
    "GoalOwner",
    "GoalPartner",
    "GoalStatus",
    "Hook",
    "HookKind",
    "InnovationAnswer",
    "MeasuredBy",
    "Member",
    "Metric",
    "MetricReading",
    "MetricSource",
    "Period",
    "PersonAlias",
    "ProcessedEvent",
    "PulseAnswer",
    "PulseMarker",
    "PulseRound",
    "RetroItem",
    "RitualOccurrence",
    "Roadmap",
    "Schedule",
    "ScheduleKind",
    "TeamMember",
    "ToolEvent",
    "ToolEventKind",
    "Workspace",
    "utcnow",
]
