"""SQLAlchemy models: importing this package registers every table on Base.metadata."""

from models import installation  # noqa: F401  (slack_sdk's OAuth tables)
from models.base import Base, utcnow
from models.checkin import Checkin, CheckinPrompt, CheckinSource
from models.events import ApiToken, AuditEntry, ProcessedEvent
from models.metric import Metric, MetricReading
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
from models.workspace import Member, Workspace

__all__ = [
    "GOAL_STATUSES",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Category",
    "Checkin",
    "CheckinPrompt",
    "CheckinSource",
    "Delivery",
    "DeliveryState",
    "Goal",
    "GoalOwner",
    "GoalPartner",
    "GoalStatus",
    "InnovationAnswer",
    "Member",
    "Metric",
    "MetricReading",
    "Period",
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
    "Workspace",
    "utcnow",
]
