"""The grammar of the `/roadmap` slash command: text → typed commands, with their help.

Pure: no Slack calls, no database. `parse_command(text)` returns a ParsedCommand or raises
CommandError; COMMANDS holds each command's usage, help and examples in help order.
"""

from __future__ import annotations

from bot.flows.commands import (
    COMMAND_TYPES,
    AddGoal,
    AddMetric,
    ArchiveGoal,
    AssignGoal,
    Away,
    Back,
    Checkin,
    CheckinPrompt,
    Command,
    Config,
    Digest,
    EditGoal,
    ExportRoadmap,
    Help,
    History,
    ImportRoadmap,
    ListGoals,
    ListMetrics,
    MarkDone,
    ParsedCommand,
    RecordMetric,
    ScheduleCommand,
    SetProgress,
    SetStatus,
    ShowGoal,
)

# Importing the command modules registers their parse functions.
from handlers.grammar import (  # noqa: F401
    checkins,
    goals,
    help_topics,
    metrics,
    roadmap,
    schedules,
    settings,
    team,
)
from handlers.grammar.errors import CommandError
from handlers.grammar.parse import parse_command, usage_for
from handlers.grammar.registry import COMMANDS, GROUPS, CommandSpec, command_spec, order_commands
from handlers.grammar.roadmap import EXPORT_FORMATS
from handlers.grammar.schedules import SCHEDULE_ACTIONS, SCHEDULE_KINDS
from handlers.grammar.settings import CONFIG_SETTINGS
from handlers.grammar.values import GOAL_REF, STATUSES

order_commands()

__all__ = [
    "COMMANDS",
    "COMMAND_TYPES",
    "CONFIG_SETTINGS",
    "EXPORT_FORMATS",
    "GOAL_REF",
    "GROUPS",
    "SCHEDULE_ACTIONS",
    "SCHEDULE_KINDS",
    "STATUSES",
    "AddGoal",
    "AddMetric",
    "ArchiveGoal",
    "AssignGoal",
    "Away",
    "Back",
    "Checkin",
    "CheckinPrompt",
    "Command",
    "CommandError",
    "CommandSpec",
    "Config",
    "Digest",
    "EditGoal",
    "ExportRoadmap",
    "Help",
    "History",
    "ImportRoadmap",
    "ListGoals",
    "ListMetrics",
    "MarkDone",
    "ParsedCommand",
    "RecordMetric",
    "ScheduleCommand",
    "SetProgress",
    "SetStatus",
    "ShowGoal",
    "command_spec",
    "parse_command",
    "usage_for",
]
