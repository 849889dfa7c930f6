"""The state of one walk over a document's tokens: the open sections (a stack of scopes), the
periods and categories found so far, and how a goal or a metric is added to them."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it.token import Token

from .items import split_goal_item, split_metric_item
from .marks import split_theme
from .metrics import type_metric_value
from .model import (
    MAX_TITLE,
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
from .periods import HeadingPeriod, month_end
from .sections import Heading

DEFAULT_CATEGORY = "General"


@dataclass
class Scope:
    """An open section: everything until the next heading of the same or lower depth."""

    depth: int
    role: str  # front | container | period | category | metrics | rituals | goal | ignored
    period: ParsedPeriod | None = None
    category: ParsedCategory | None = None
    metrics_kind: str | None = None
    year: int | None = None
    status: str | None = None  # a status mark on the heading: the default for its goals
    month: int | None = None  # "### January": goals are due at the month's end
    items_inside: bool = True  # False: the section's sub-headings are its goals
    key_results: bool = False  # an objective's section: its goals keep their own status


class RoadmapBuilder:
    """Holds the parse state while walking the tokens once, in order."""

    def __init__(
        self, tokens: list[Token], text: str, headings: dict[int, Heading], year: int | None
    ) -> None:
        self.tokens = tokens
        self.text = text
        self.headings = headings
        self.roadmap = ParsedRoadmap(year=year)
        self.stack: list[Scope] = []
        self.periods: dict[str, ParsedPeriod] = {}
        self.seen_goals: dict[int, dict[str, int]] = {}
        self.seen_metrics: dict[tuple[str, str], int] = {}
        self.expected_period_lines: list[int] = []
        self.orphan_item_lines: list[int] = []
        self.stated_rituals: list[ProposedSchedule] = []
        # An open HTML toggle ("<details><summary>Why these?</summary>"): its summary, how
        # deep toggles nest here, and whether its list items were reported as skipped.
        self.quote_depth = 0  # inside "> …": a quote or a callout, commentary
        self.toggle: str | None = None
        self.toggle_depth = 0
        self.toggle_reported = False
        # (index of an objective item's close token, its category): items nested in it.
        self.objectives: list[tuple[int, ParsedCategory]] = []

    def warn(self, line: int | None, message: str) -> None:
        self.roadmap.warnings.append(ParseWarning(line, message))

    def skip(self, line: int | None, message: str) -> None:
        self.roadmap.skipped.append(ParseWarning(line, message))

    def has_items(self) -> bool:
        return any(t.type in ("list_item_open", "table_open") for t in self.tokens)

    def period(
        self, found: HeadingPeriod, line: int, text: str = "", *, again_ok: bool = False
    ) -> ParsedPeriod | None:
        """The period a heading or a table row names, merged with one met before (``again_ok``:
        a table's period column names each period many times)."""
        enclosing = next((s.year for s in reversed(self.stack) if s.year is not None), None)
        year = found.spec.year or enclosing or self.roadmap.year
        if year is None:
            raise RoadmapParseError(
                f"period '{text}' has no year and the document does not state one;"
                f" write it as e.g. '{text} 2025'",
                line,
            )
        label, start, end = found.spec.resolve(year)
        theme, status = split_theme(found.rest)
        period = self.periods.get(label)
        if period is None:
            period = ParsedPeriod(label, start, end, line, theme=theme, status=status)
            self.periods[label] = period
            self.roadmap.periods.append(period)
        else:
            period.theme = period.theme or theme
            period.status = period.status or status
            if not again_ok:
                self.warn(
                    line, f"period '{label}' appears again (first at line {period.line}); merged"
                )
        return period

    def nearest(self, *roles: str) -> Scope | None:
        return next((scope for scope in reversed(self.stack) if scope.role in roles), None)

    def pop_to(self, depth: int) -> None:
        while self.stack and self.stack[-1].depth >= depth:
            self.stack.pop()

    def category(self, period: ParsedPeriod, name: str, line: int) -> ParsedCategory:
        for category in period.categories:
            if category.name == name:
                return category
        category = ParsedCategory(name, line)
        period.categories.append(category)
        return category

    def add_goal(
        self,
        raw: str,
        scope: Scope,
        line: int,
        category: ParsedCategory | None = None,
        note: str | None = None,
        *,
        key_result: bool = False,
    ) -> None:
        """A goal from a list item, a sub-heading or a table row (``note``: from its status
        cell), under the scope's period and category. A goal takes its heading's status mark
        unless it states one; a key result ("KR1: …", or under an objective) only its own."""
        period = scope.period
        assert period is not None
        item = split_goal_item(raw, period.start.year)
        if item.summary:
            self.skip(line, f"'{item.title[:60]}' is a summary line, not a goal; skipped")
            return
        if not item.title:
            self.skip(line, "list item has no goal title; skipped")
            return
        for problem in item.problems:
            self.warn(line, problem)
        title = item.title
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1].rstrip() + "\u2026"
            self.warn(line, f"goal title cut to {MAX_TITLE} characters")
        category = category or scope.category or self.category(period, DEFAULT_CATEGORY, line)
        seen = self.seen_goals.setdefault(id(category), {})
        key = normalize_title(title) or title
        if key in seen:
            self.skip(line, f"duplicate goal '{title}' (first at line {seen[key]}); skipped")
            return
        seen[key] = line
        due = item.due
        if due is None and scope.month is not None:
            due = month_end(period.start.year, scope.month)
        key_result = key_result or scope.key_results or item.key_result
        status = item.status or (None if key_result else scope.status)
        category.goals.append(
            ParsedGoal(title, line, item.owners, status, due, item.progress, note=item.note or note)
        )

    def add_metric(self, raw: str, kind: str | None, line: int, text: str | None = None) -> None:
        if text is None:
            name, text = split_metric_item(raw)
        else:
            name = raw
        if not name:
            self.skip(line, "metric without a name; skipped")
            return
        duplicate = (name.casefold(), text)
        if duplicate in self.seen_metrics:
            first = self.seen_metrics[duplicate]
            self.skip(line, f"duplicate metric '{name}' (first at line {first}); skipped")
            return
        self.seen_metrics[duplicate] = line
        if kind is None:
            kind = "technical"
            self.warn(
                line,
                f"metric '{name}' is not under a 'Technical Metrics' or 'Team Metrics'"
                " heading; assumed technical",
            )
        value = type_metric_value(text)
        if not value.typed:
            self.warn(
                line, f"could not read a target from metric '{name}' ('{text}'); kept as text"
            )
        self.roadmap.metrics.append(
            ParsedMetric(
                name, "", [], kind, text, value.baseline, value.target, value.comparator,
                value.unit, value.cadence, value.qualifier, value.typed, line,
            )
        )  # fmt: skip
