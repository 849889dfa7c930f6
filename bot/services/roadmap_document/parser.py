"""Walk markdown-it's token stream (headings, list items, paragraphs) into a ParsedRoadmap."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token

from .items import split_goal_item, split_metric_item
from .metrics import metric_aliases, metric_key, type_metric_value
from .model import (
    ParsedCategory,
    ParsedGoal,
    ParsedMetric,
    ParsedPeriod,
    ParsedRoadmap,
    ParseWarning,
    RoadmapParseError,
    normalize_title,
)
from .periods import PeriodSpec, match_period
from .targets import goal_target, proposed_rituals
from .text import MARKDOWN, clean_document, plain_children, plain_inline

DEFAULT_CATEGORY = "General"
_METRICS_HEADING = re.compile(
    r"(?:(?:key|success|technical|tech|team|engineering|people|performance|health)\s+)*"
    r"(?:metrics|kpis?|measures|measurements|indicators|success\s+criteria)",
    re.IGNORECASE,
)
_TECHNICAL_WORDS = re.compile(
    r"\b(?:technical|tech|engineering|systems?|platform|performance|reliability)\b", re.IGNORECASE
)
_TEAM_WORDS = re.compile(r"\b(?:team|people|culture|org|organi[sz]ation|hr)\b", re.IGNORECASE)
# "**Technical Metrics**" or "__Team Development:__" on a line of its own.
_BOLD_PARAGRAPH = re.compile(r"(?:\*\*|__)([^*_\n]+?):?(?:\*\*|__):?")
_PSEUDO_HEADING_DEPTH = 7  # deeper than any "######" heading
_YEAR_IN_TEXT = re.compile(r"(?<![0-9])((?:19|20|21)[0-9]{2})(?![0-9])")


@dataclass
class _Heading:
    """A top-level heading and the role it plays in the document."""

    depth: int
    text: str
    line: int
    spec: PeriodSpec | None
    role: str = "other"  # title | subtitle | period | container | bad-period | metrics | other


@dataclass
class _Scope:
    """An open section: everything until the next heading of the same or lower depth."""

    depth: int
    role: str  # front | container | period | category | metrics | ignored
    period: ParsedPeriod | None = None
    category: ParsedCategory | None = None
    metrics_kind: str | None = None
    year: int | None = None


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


def _metrics_kind(text: str) -> str | None:
    technical, team = _TECHNICAL_WORDS.search(text), _TEAM_WORDS.search(text)
    if technical and not team:
        return "technical"
    if team and not technical:
        return "team"
    return None


def _collect_headings(tokens: list[Token]) -> dict[int, _Heading]:
    """Top-level headings by token index, with roles assigned."""
    headings: dict[int, _Heading] = {}
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and index + 1 < len(tokens):
            text = plain_children(tokens[index + 1].children)
            depth = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
            headings[index] = _Heading(depth, text, _line(token), match_period(text))
    ordered = list(headings.values())
    indices = list(headings)
    for position, heading in enumerate(ordered):
        spec = heading.spec
        if spec is not None and spec.problem is not None:
            heading.role = "bad-period"
        elif (
            spec is not None
            and spec.kind == "year"
            and (
                _has_sub_period(ordered, position)
                or not _has_content(tokens, indices, ordered, position)
            )
        ):
            # "## 2026" over "### Q1"/"### Q2", or "# Plan 2025" with nothing under it.
            heading.role = "container"
        elif spec is not None:
            heading.role = "period"
        elif _METRICS_HEADING.fullmatch(heading.text.strip(" :")):
            heading.role = "metrics"
    if ordered and ordered[0].role in ("other", "container"):
        title = ordered[0]
        title.role = "title"
        if len(ordered) > 1 and ordered[1].role in ("other", "container"):
            subtitle = ordered[1]
            if subtitle.depth == title.depth or _YEAR_IN_TEXT.search(subtitle.text):
                subtitle.role = "subtitle"
    return headings


def _has_sub_period(ordered: list[_Heading], position: int) -> bool:
    depth = ordered[position].depth
    for heading in ordered[position + 1 :]:
        if heading.depth <= depth:
            return False
        if heading.spec is not None and heading.spec.problem is None:
            return True
    return False


def _has_content(
    tokens: list[Token], indices: list[int], ordered: list[_Heading], position: int
) -> bool:
    """True when a list item or sub-heading sits in the heading's section."""
    end = len(tokens)
    for index, heading in zip(indices[position + 1 :], ordered[position + 1 :], strict=True):
        if heading.depth <= ordered[position].depth:
            end = index
            break
    section = tokens[indices[position] + 1 : end]
    return any(t.type in ("list_item_open", "heading_open") for t in section)


def _document_year(tokens: list[Token], headings: dict[int, _Heading]) -> int | None:
    """A year stated before the first period ("Strategic Plan: 2025"), else the first period's."""
    period_lines = [h.line for h in headings.values() if h.role == "period"]
    first_period = min(period_lines, default=None)
    for index, token in enumerate(tokens):
        if first_period is not None and _line(token) >= first_period:
            break
        heading = headings.get(index)
        if heading is not None and heading.role != "period":
            text = heading.text
        elif token.type == "inline" and token.level == 1:
            text = plain_children(token.children)
        else:
            continue
        found = _YEAR_IN_TEXT.search(text)
        if found:
            return int(found[1])
    for heading in headings.values():
        spec = heading.spec
        if heading.role in ("period", "container", "title") and spec and spec.year is not None:
            return spec.year
    return None


class _RoadmapBuilder:
    """Holds the parse state while walking the tokens once, in order."""

    def __init__(self, tokens: list[Token], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.headings = _collect_headings(tokens)
        self.roadmap = ParsedRoadmap(year=_document_year(tokens, self.headings))
        self.stack: list[_Scope] = []
        self.periods: dict[str, ParsedPeriod] = {}
        self.seen_goals: dict[int, dict[str, int]] = {}
        self.seen_metrics: dict[tuple[str, str], int] = {}
        self.expected_period_lines: list[int] = []
        self.orphan_item_lines: list[int] = []

    def warn(self, line: int | None, message: str) -> None:
        self.roadmap.warnings.append(ParseWarning(line, message))

    def build(self) -> ParsedRoadmap:
        for index, token in enumerate(self.tokens):
            if index in self.headings:
                self.on_heading(self.headings[index])
            elif token.type == "list_item_open":
                self.on_item(index)
            elif token.type == "paragraph_open" and token.level == 0:
                self.on_paragraph(index)
        self.check_has_goals()
        self.finish_metrics()
        for _, _, goal in self.roadmap.goals():
            goal.target = goal_target(goal.title, self.roadmap.metrics)
        self.roadmap.rituals = proposed_rituals(self.roadmap)
        self.roadmap.warnings.sort(key=lambda w: w.line or 0)
        return self.roadmap

    # -- headings ---------------------------------------------------------------------------

    def nearest(self, *roles: str) -> _Scope | None:
        return next((scope for scope in reversed(self.stack) if scope.role in roles), None)

    def on_heading(self, heading: _Heading) -> None:
        while self.stack and self.stack[-1].depth >= heading.depth:
            self.stack.pop()
        year = heading.spec.year if heading.spec is not None else None
        if heading.role == "title":
            self.roadmap.title = heading.text or None
            self.stack.append(_Scope(heading.depth, "front", year=year))
        elif heading.role == "subtitle":
            self.roadmap.subtitle = heading.text or None
            self.stack.append(_Scope(heading.depth, "front", year=year))
        elif heading.role == "container":
            self.stack.append(_Scope(heading.depth, "container", year=year))
        elif heading.role == "period":
            self.open_period(heading)
        elif heading.role == "bad-period":
            problem = heading.spec.problem if heading.spec is not None else "invalid period"
            self.warn(
                heading.line, f"heading '{heading.text}' looks like a period but {problem}; ignored"
            )
            self.expected_period_lines.append(heading.line)
            self.stack.append(_Scope(heading.depth, "ignored"))
        elif heading.role == "metrics":
            self.open_metrics(heading, _metrics_kind(heading.text))
        else:
            self.open_other(heading)

    def open_period(self, heading: _Heading) -> None:
        assert heading.spec is not None
        enclosing = next((s.year for s in reversed(self.stack) if s.year is not None), None)
        year = heading.spec.year or enclosing or self.roadmap.year
        if year is None:
            raise RoadmapParseError(
                f"period '{heading.text}' has no year and the document does not state one;"
                f" write it as e.g. '{heading.text} 2025'",
                heading.line,
            )
        label, start, end = heading.spec.resolve(year)
        period = self.periods.get(label)
        if period is None:
            period = ParsedPeriod(label, start, end, heading.line)
            self.periods[label] = period
            self.roadmap.periods.append(period)
        else:
            self.warn(
                heading.line,
                f"period '{label}' appears again (first at line"
                f" {period.line}); its goals were merged",
            )
        self.stack.append(_Scope(heading.depth, "period", period=period, year=start.year))

    def open_metrics(self, heading: _Heading, kind: str | None) -> None:
        parent = self.nearest("metrics")
        if kind is None and parent is not None:
            kind = parent.metrics_kind
        self.stack.append(_Scope(heading.depth, "metrics", metrics_kind=kind))

    def open_other(self, heading: _Heading) -> None:
        owner = self.nearest("period", "category", "metrics", "ignored")
        if owner is not None and owner.period is not None:
            category = self.category(owner.period, heading.text, heading.line)
            self.stack.append(_Scope(heading.depth, "category", owner.period, category))
        elif owner is not None and owner.role == "metrics":
            self.open_metrics(heading, _metrics_kind(heading.text))
        else:
            if owner is None:
                self.warn(
                    heading.line,
                    f"section '{heading.text}' is not a period or metrics section; ignored",
                )
                self.expected_period_lines.append(heading.line)
            self.stack.append(_Scope(heading.depth, "ignored"))

    def on_paragraph(self, index: int) -> None:
        """A paragraph that is only bold text ("**Team Metrics**") acts as a sub-heading."""
        inline = self.tokens[index + 1]
        bold = _BOLD_PARAGRAPH.fullmatch(inline.content.strip())
        owner = self.nearest("period", "category", "metrics", "ignored")
        if bold is None or owner is None or owner.role == "ignored":
            return
        text = plain_inline(bold[1])
        if not text or match_period(text) is not None:
            return
        while self.stack and self.stack[-1].depth >= _PSEUDO_HEADING_DEPTH:
            self.stack.pop()
        heading = _Heading(_PSEUDO_HEADING_DEPTH, text, _line(inline), None)
        if _METRICS_HEADING.fullmatch(text.strip(" :")):
            self.open_metrics(heading, _metrics_kind(text))
        else:
            self.open_other(heading)

    def category(self, period: ParsedPeriod, name: str, line: int) -> ParsedCategory:
        for category in period.categories:
            if category.name == name:
                return category
        category = ParsedCategory(name, line)
        period.categories.append(category)
        return category

    # -- list items -------------------------------------------------------------------------

    def own_inline(self, index: int) -> Token | None:
        """The first paragraph/heading text of a list item (not of its nested items)."""
        level = self.tokens[index].level
        for position in range(index + 1, len(self.tokens)):
            token = self.tokens[position]
            if token.type == "list_item_close" and token.level == level:
                return None
            if token.type == "inline" and token.level == level + 2:
                return token
            if token.type.endswith("_list_open") and token.level == level + 1:
                return None
        return None

    def on_item(self, index: int) -> None:
        inline = self.own_inline(index)
        if inline is None:
            return
        line = _line(self.tokens[index])
        owner = self.nearest("period", "category", "metrics", "ignored")
        if owner is None:
            self.warn(line, "list item outside any roadmap period; ignored")
            self.orphan_item_lines.append(line)
        elif owner.role == "metrics":
            self.add_metric(inline.content, owner.metrics_kind, line)
        elif owner.period is not None:
            self.add_goal(inline.content, owner.period, owner.category, line)

    def add_goal(
        self, raw: str, period: ParsedPeriod, category: ParsedCategory | None, line: int
    ) -> None:
        item = split_goal_item(raw, period.start.year)
        if not item.title:
            self.warn(line, "list item has no goal title; ignored")
            return
        for problem in item.problems:
            self.warn(line, problem)
        category = category or self.category(period, DEFAULT_CATEGORY, line)
        seen = self.seen_goals.setdefault(id(category), {})
        key = normalize_title(item.title) or item.title
        if key in seen:
            self.warn(line, f"duplicate goal '{item.title}' (first at line {seen[key]}); ignored")
            return
        seen[key] = line
        category.goals.append(
            ParsedGoal(item.title, line, item.owners, item.status, item.due, item.progress)
        )

    def add_metric(self, raw: str, kind: str | None, line: int) -> None:
        name, text = split_metric_item(raw)
        if not name:
            self.warn(line, "metric without a name; ignored")
            return
        duplicate = (name.casefold(), text)
        if duplicate in self.seen_metrics:
            first = self.seen_metrics[duplicate]
            self.warn(line, f"duplicate metric '{name}' (first at line {first}); ignored")
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
                name,
                "",
                [],
                kind,
                text,
                value.baseline,
                value.target,
                value.comparator,
                value.unit,
                value.cadence,
                value.qualifier,
                value.typed,
                line,
            )
        )

    # -- end of document --------------------------------------------------------------------

    def finish_metrics(self) -> None:
        """Give every metric a unique key and its aliases."""
        used: set[str] = set()
        for metric in self.roadmap.metrics:
            base = metric_key(metric.name)
            key, suffix = base, 2
            while key in used:
                key, suffix = f"{base}-{suffix}", suffix + 1
            used.add(key)
            metric.key = key
            metric.aliases = metric_aliases(metric.name)

    def check_has_goals(self) -> None:
        if any(True for _ in self.roadmap.goals()):
            return
        if self.roadmap.periods:
            period = self.roadmap.periods[0]
            raise RoadmapParseError(
                f"no goals found under period '{period.label}': expected list items such as"
                " '- Complete API Gateway Redesign'",
                period.line,
            )
        candidates = self.expected_period_lines or self.orphan_item_lines
        if not candidates:
            candidates = [h.line for h in self.headings.values()]
        if not candidates:
            lines = self.text.split("\n")
            candidates = [n for n, content in enumerate(lines, 1) if content.strip()][:1] or [1]
        raise RoadmapParseError(
            "no roadmap period found: expected a heading such as 'Q1 2025 Goals'", min(candidates)
        )


def parse_document(source: str | bytes) -> ParsedRoadmap:
    """Parse without the catch-all guard (tests fuzz this to find real bugs)."""
    text = clean_document(source)
    tokens = MARKDOWN.parse(text)
    return _RoadmapBuilder(tokens, text).build()


def parse_roadmap(text: str | bytes) -> ParsedRoadmap:
    """Parse a roadmap Markdown document; raises only RoadmapParseError."""
    try:
        return parse_document(text)
    except RoadmapParseError:
        raise
    except Exception as error:  # a bug must still surface as the importer's own error
        raise RoadmapParseError(f"could not read the document ({type(error).__name__})") from error
