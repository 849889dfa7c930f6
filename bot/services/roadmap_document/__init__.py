"""Parse a team's roadmap Markdown document into typed data, and render it back.

A pure parser/renderer built on markdown-it-py (token stream: headings, list items,
paragraphs, with source line numbers) and ftfy (mojibake: an arrow garbled into three
cp1252 characters becomes ``→`` again).
"""

from .model import (
    COMPARATORS,
    STATUSES,
    GoalTarget,
    ParsedCategory,
    ParsedGoal,
    ParsedMetric,
    ParsedPeriod,
    ParsedRoadmap,
    ParseWarning,
    ProposedSchedule,
    RoadmapParseError,
    normalize_title,
)
from .parser import parse_roadmap
from .periods import parse_period_label
from .render import render_markdown

__all__ = [
    "COMPARATORS",
    "STATUSES",
    "GoalTarget",
    "ParseWarning",
    "ParsedCategory",
    "ParsedGoal",
    "ParsedMetric",
    "ParsedPeriod",
    "ParsedRoadmap",
    "ProposedSchedule",
    "RoadmapParseError",
    "normalize_title",
    "parse_period_label",
    "parse_roadmap",
    "render_markdown",
]
