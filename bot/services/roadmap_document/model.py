"""Typed data produced by the roadmap document parser, and the importer's error."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

MAX_TITLE = 300  # as the /roadmap commands cap a goal's title
STATUSES: tuple[str, ...] = ("not-started", "on-track", "at-risk", "off-track", "blocked", "done")
COMPARATORS: tuple[str, ...] = ("<", "<=", ">", ">=", "=")
RITUAL_KINDS: tuple[str, ...] = ("knowledge_sharing", "retrospective")


class RoadmapParseError(ValueError):
    """The document cannot be imported as a roadmap; ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)

    def __reduce__(self) -> tuple[type[RoadmapParseError], tuple[str, int | None]]:
        return (type(self), (self.message, self.line))


@dataclass(frozen=True)
class ParseWarning:
    """Something in the document was ignored or guessed; the import still succeeds."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass
class GoalTarget:
    """A number a goal commits to, e.g. ``>= 99.9 %`` or ``2 engineers``."""

    value: float
    comparator: str
    unit: str | None
    kind: str  # "absolute" | "relative" | "count"
    metric: str | None = None


@dataclass
class ParsedGoal:
    """One list item under a period's category."""

    title: str
    line: int
    owners: list[str] = field(default_factory=list)
    status: str | None = None
    due: date | None = None
    progress: int | None = None
    target: GoalTarget | None = None
    note: str | None = None  # what the status said beyond itself: "blocked on legal review"


@dataclass
class ParsedCategory:
    """A heading under a period ("Technical Objectives") with its goals."""

    name: str
    line: int
    goals: list[ParsedGoal] = field(default_factory=list)


@dataclass
class ParsedPeriod:
    """A period heading ("Q1 2025 Goals") with its inclusive date range."""

    label: str
    start: date
    end: date
    line: int
    categories: list[ParsedCategory] = field(default_factory=list)
    theme: str | None = None  # "Production Hardening" in "Q1 2026: Production Hardening"
    status: str | None = None  # a status mark on the heading ("Q1 2026 ✅")


@dataclass
class ParsedMetric:
    """One success metric, with its value text typed as far as possible."""

    name: str
    key: str
    aliases: list[str]
    kind: str
    text: str
    baseline: float | None = None
    target: float | None = None
    comparator: str | None = None
    unit: str | None = None
    cadence: str | None = None
    qualifier: str | None = None
    typed: bool = False
    line: int = 0


@dataclass
class ProposedSchedule:
    """A recurring ritual the document asks for (knowledge sharing, retrospectives)."""

    kind: str
    cadence: str  # "monthly", "quarterly", "biweekly", "weekly", "every 3 weeks"
    text: str
    line: int
    # When, in the schedule rules' grammar: what the line says, else the cadence's usual
    # session; None when the bot has no usual session for it.
    rule: str | None = None
    rule_stated: bool = False  # the rule is the document's own words, not the usual session


@dataclass
class ParsedRoadmap:
    """Everything the importer understood from one roadmap document."""

    title: str | None = None
    subtitle: str | None = None
    year: int | None = None
    periods: list[ParsedPeriod] = field(default_factory=list)
    metrics: list[ParsedMetric] = field(default_factory=list)
    rituals: list[ProposedSchedule] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    # What was left out on purpose, with the reason ("section 'Risks' is a note; skipped").
    skipped: list[ParseWarning] = field(default_factory=list)

    def goals(self) -> Iterator[tuple[ParsedPeriod, ParsedCategory, ParsedGoal]]:
        """Yield every goal with its period and category, in document order."""
        for period in self.periods:
            for category in period.categories:
                for goal in category.goals:
                    yield period, category, goal


def _is_edge_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def _normalize_once(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    text = " ".join(text.split())
    start, end = 0, len(text)
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


@functools.lru_cache(maxsize=65536)
def normalize_title(title: str) -> str:
    """Key for matching goals across imports: casefold, collapse whitespace, trim punctuation."""
    text = _normalize_once(title)
    # NFKC and casefolding can each expose something the other changes; iterate to a fixed point.
    for _ in range(8):
        again = _normalize_once(text)
        if again == text:
            break
        text = again
    return text
