"""Walk markdown-it's token stream (headings, list items, paragraphs, tables) into a
ParsedRoadmap, forgiving about the document's shape: only a document without any goal fails."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token

from .items import split_goal_item, split_metric_item
from .marks import normalize_status, objective_name, split_theme
from .metrics import metric_aliases, metric_key, type_metric_value
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
from .periods import HeadingPeriod, PeriodSpec, heading_period, month_end, period_anywhere
from .sections import (
    METRICS_HEADING,
    YEAR_IN_TEXT,
    Heading,
    bare_name,
    bold_line_period,
    collect_headings,
    line_of,
)
from .tables import Table, owner_handles, read_table
from .targets import goal_target, proposed_rituals, ritual_from_text
from .text import MARKDOWN, clean_document, plain_children, plain_inline

DEFAULT_CATEGORY = "General"
_TECHNICAL_WORDS = re.compile(
    r"\b(?:technical|tech|engineering|systems?|platform|performance|reliability)\b", re.IGNORECASE
)
_TEAM_WORDS = re.compile(r"\b(?:team|people|culture|org|organi[sz]ation|hr)\b", re.IGNORECASE)
# "**Technical Metrics**" or "__Team Development:__" on a line of its own.
_BOLD_PARAGRAPH = re.compile(r"(?:\*\*|__)([^*_\n]+?):?(?:\*\*|__):?")
_BOLD_PERIOD_DEPTH = 7  # a bold period line: deeper than any "######" heading
_BOLD_LINE_DEPTH = 8  # a bold category line: deeper still


@dataclass
class _Scope:
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


def _metrics_kind(text: str) -> str | None:
    technical, team = _TECHNICAL_WORDS.search(text), _TEAM_WORDS.search(text)
    if technical and not team:
        return "technical"
    if team and not technical:
        return "team"
    return None


def _document_year(tokens: list[Token], headings: dict[int, Heading]) -> int | None:
    """A year stated before the first period ("Strategic Plan: 2025"), else the first period's."""
    period_lines = [h.line for h in headings.values() if h.role == "period"]
    first_period = min(period_lines, default=None)
    for index, token in enumerate(tokens):
        if first_period is not None and line_of(token) >= first_period:
            break
        heading = headings.get(index)
        if heading is not None and heading.role != "period":
            text = heading.text
        elif token.type == "inline" and token.level == 1:
            text = plain_children(token.children)
        else:
            continue
        found = YEAR_IN_TEXT.search(text)
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
        self.headings = collect_headings(tokens)
        self.roadmap = ParsedRoadmap(year=_document_year(tokens, self.headings))
        self.stack: list[_Scope] = []
        self.periods: dict[str, ParsedPeriod] = {}
        self.seen_goals: dict[int, dict[str, int]] = {}
        self.seen_metrics: dict[tuple[str, str], int] = {}
        self.expected_period_lines: list[int] = []
        self.orphan_item_lines: list[int] = []
        self.stated_rituals: list[ProposedSchedule] = []
        # (index of an objective item's close token, its category): items nested in it.
        self.objectives: list[tuple[int, ParsedCategory]] = []

    def warn(self, line: int | None, message: str) -> None:
        self.roadmap.warnings.append(ParseWarning(line, message))

    def skip(self, line: int | None, message: str) -> None:
        self.roadmap.skipped.append(ParseWarning(line, message))

    def build(self) -> ParsedRoadmap:
        self.open_implicit_period()
        skip_until = -1
        for index, token in enumerate(self.tokens):
            if index <= skip_until:
                continue
            if index in self.headings:
                self.on_heading(self.headings[index])
            elif token.type == "list_item_open":
                self.on_item(index)
            elif token.type == "paragraph_open" and token.level == 0:
                self.on_paragraph(index)
            elif token.type == "table_open":
                skip_until = self.on_table(index)
        self.check_has_goals()
        self.finish_metrics()
        for period in self.roadmap.periods:
            period.categories = [c for c in period.categories if c.goals]
        for _, _, goal in self.roadmap.goals():
            goal.target = goal_target(goal.title, self.roadmap.metrics)
        self.roadmap.rituals = proposed_rituals(self.roadmap, self.stated_rituals)
        self.roadmap.warnings.sort(key=lambda w: w.line or 0)
        self.roadmap.skipped.sort(key=lambda w: w.line or 0)
        return self.roadmap

    # -- periods ----------------------------------------------------------------------------

    def open_implicit_period(self) -> None:
        """No period heading at all (an OKR document whose period is only in its title or
        intro): the whole document is one period, from its title, intro or year."""
        if not self.has_items() or any(
            h.role in ("period", "month") for h in self.headings.values()
        ):
            return
        found: HeadingPeriod | None = None
        line = 1
        for token in self.tokens:
            if token.type == "list_item_open":
                break
            if token.type == "inline" and token.level in (1, 0):
                if token.level == 1 and bold_line_period(token) is not None:
                    return  # "**Q1 2026**" lines are the periods
                text = plain_children(token.children)
                candidate = heading_period(text) or period_anywhere(text)
                if candidate is not None and candidate.spec.problem is None:
                    # The rest of the line is the title's, not a theme.
                    found, line = HeadingPeriod(candidate.spec, ""), line_of(token)
                    break
        if found is None and self.roadmap.year is not None:
            found = HeadingPeriod(PeriodSpec("year", 1, 1, self.roadmap.year), "")
        if found is None:
            return
        period = self.period(found, line)
        if period is not None:
            self.stack.append(
                _Scope(0, "period", period, year=period.start.year, items_inside=self.has_items())
            )

    def has_items(self) -> bool:
        return any(t.type in ("list_item_open", "table_open") for t in self.tokens)

    def period(self, found: HeadingPeriod, line: int, text: str = "") -> ParsedPeriod | None:
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
            self.warn(line, f"period '{label}' appears again (first at line {period.line}); merged")
        return period

    # -- headings ---------------------------------------------------------------------------

    def nearest(self, *roles: str) -> _Scope | None:
        return next((scope for scope in reversed(self.stack) if scope.role in roles), None)

    def pop_to(self, depth: int) -> None:
        while self.stack and self.stack[-1].depth >= depth:
            self.stack.pop()

    def on_heading(self, heading: Heading) -> None:
        self.pop_to(heading.depth)
        year = heading.spec.year if heading.spec is not None else None
        role = heading.role
        if role in ("title", "subtitle"):
            setattr(self.roadmap, role, heading.text or None)
            self.stack.append(_Scope(heading.depth, "front", year=year))
        elif role == "container":
            self.stack.append(_Scope(heading.depth, "container", year=year))
        elif role == "period":
            assert heading.found is not None
            alone = sum(h.role == "period" for h in self.headings.values()) == 1
            if self.roadmap.title is None and alone and heading.depth == 1:
                self.roadmap.title = heading.text  # "# H1 2026 OKRs": the title names it
            period = self.period(heading.found, heading.line, heading.text)
            assert period is not None
            self.stack.append(
                _Scope(
                    heading.depth, "period", period, year=period.start.year,
                    status=period.status, items_inside=heading.has_items,
                )
            )  # fmt: skip
        elif role == "month":
            self.open_month(heading.depth, heading.spec, heading.line)
        elif role == "bad-period":
            problem = heading.spec.problem if heading.spec is not None else "invalid period"
            self.warn(
                heading.line, f"heading '{heading.text}' looks like a period but {problem}; ignored"
            )
            self.expected_period_lines.append(heading.line)
            self.stack.append(_Scope(heading.depth, "ignored"))
        elif role == "metrics":
            self.open_metrics(heading.depth, _metrics_kind(heading.text))
        elif role == "rituals":
            self.stack.append(_Scope(heading.depth, "rituals"))
        else:
            self.open_other(heading)

    def open_month(self, depth: int, spec: PeriodSpec | None, line: int) -> None:
        owner = self.nearest("period", "category")
        assert spec is not None
        if owner is None or owner.period is None:
            return
        self.stack.append(
            _Scope(
                depth, "category", owner.period, owner.category, year=owner.year,
                status=owner.status, month=spec.first,
            )
        )  # fmt: skip

    def open_metrics(self, depth: int, kind: str | None) -> None:
        parent = self.nearest("metrics")
        if kind is None and parent is not None:
            kind = parent.metrics_kind
        self.stack.append(_Scope(depth, "metrics", metrics_kind=kind))

    def open_other(self, heading: Heading) -> None:
        owner = self.nearest("period", "category", "metrics", "rituals", "goal", "ignored")
        if owner is not None and owner.role in ("period", "category") and owner.period:
            if not owner.items_inside and not heading.has_subheadings:
                # "#### AI Assistant **Delivered**": a period without list items lists its
                # goals as sub-headings.
                self.add_goal(heading.raw, owner, heading.line)
                self.stack.append(_Scope(heading.depth, "goal"))
                return
            name, status = self.category_name(heading)
            category = self.category(owner.period, name, heading.line)
            self.stack.append(
                _Scope(
                    heading.depth, "category", owner.period, category, year=owner.year,
                    status=status or owner.status, items_inside=heading.has_items,
                )
            )  # fmt: skip
        elif owner is not None and owner.role == "metrics":
            self.open_metrics(heading.depth, _metrics_kind(heading.text))
        elif owner is not None and owner.role in ("rituals", "goal"):
            self.stack.append(_Scope(heading.depth, owner.role))
        else:
            if owner is None and heading.has_items:
                self.skip(
                    heading.line,
                    f"section '{heading.text}' is not a period, metrics or rituals section;"
                    " read as a note and skipped",
                )
                self.expected_period_lines.append(heading.line)
            self.stack.append(_Scope(heading.depth, "ignored"))

    def category_name(self, heading: Heading) -> tuple[str, str | None]:
        """ "Objective 1: Make deploys boring" -> its objective; "Search ✅" -> ("Search",
        "done")."""
        objective = objective_name(heading.text)
        if objective is not None:
            return objective, None
        item = split_goal_item(heading.raw)
        if item.status and item.title and not (item.owners or item.due or item.progress):
            return item.title, item.status
        return bare_name(heading.text) or heading.text, None

    def on_paragraph(self, index: int) -> None:
        """A bold line: a period ("**Q1 2026**"), a month ("**January**") or a sub-heading."""
        inline = self.tokens[index + 1]
        line = line_of(inline)
        bold_period = bold_line_period(inline)
        if bold_period is not None:
            found, text = bold_period
            spec = found.spec
            inside = self.nearest("period")
            if spec.kind == "months" and spec.first == spec.last and inside is not None:
                self.pop_to(_BOLD_LINE_DEPTH)
                self.open_month(_BOLD_LINE_DEPTH, spec, line)
                return
            self.pop_to(_BOLD_PERIOD_DEPTH)
            period = self.period(found, line, text)
            assert period is not None
            self.stack.append(
                _Scope(
                    _BOLD_PERIOD_DEPTH, "period", period, year=period.start.year,
                    status=period.status,
                )
            )  # fmt: skip
            return
        bold = _BOLD_PARAGRAPH.fullmatch(inline.content.strip())
        owner = self.nearest("period", "category", "metrics", "ignored")
        if bold is None or owner is None or owner.role == "ignored":
            return
        text = plain_inline(bold[1])
        if not text:
            return
        self.pop_to(_BOLD_LINE_DEPTH)
        heading = Heading(_BOLD_LINE_DEPTH, text, bold[1], line, None)
        if METRICS_HEADING.fullmatch(bare_name(text)):
            self.open_metrics(_BOLD_LINE_DEPTH, _metrics_kind(text))
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

    def item_parts(self, index: int) -> tuple[str | None, int | None]:
        """The raw text of a list item's own first block (not its nested items), and the
        index of its nested list when it has one."""
        level = self.tokens[index].level
        text: str | None = None
        for position in range(index + 1, len(self.tokens)):
            token = self.tokens[position]
            if token.type == "list_item_close" and token.level == level:
                return text, None
            if text is None and token.type == "inline" and token.level == level + 2:
                text = token.content
            elif text is None and token.type == "html_block" and token.level == level + 1:
                text = token.content.strip()  # "- <!here> ship it": HTML-looking text
            if token.type.endswith("_list_open") and token.level == level + 1:
                return text, position
        return text, None

    def close_of(self, index: int) -> int:
        level = self.tokens[index].level
        for position in range(index + 1, len(self.tokens)):
            token = self.tokens[position]
            if token.type == "list_item_close" and token.level == level:
                return position
        return len(self.tokens)

    def on_item(self, index: int) -> None:
        raw, nested = self.item_parts(index)
        line = line_of(self.tokens[index])
        if raw is None:
            if nested is None:
                self.skip(line, "empty list item; skipped")
            return
        if raw.startswith("<!--"):
            self.skip(line, "an HTML comment; skipped")
            return
        while self.objectives and self.objectives[-1][0] < index:
            self.objectives.pop()
        owner = self.nearest("period", "category", "metrics", "rituals", "goal", "ignored")
        if owner is None:
            self.skip(line, "list item outside any roadmap period; skipped")
            self.orphan_item_lines.append(line)
        elif owner.role == "metrics":
            self.add_metric(raw, owner.metrics_kind, line)
        elif owner.role == "rituals":
            self.add_ritual(plain_inline(raw), line)
        elif owner.period is not None:
            objective = objective_name(plain_inline(raw)) if nested is not None else None
            if objective is not None:
                category = self.category(owner.period, objective, line)
                self.objectives.append((self.close_of(index), category))
                return
            category = self.objectives[-1][1] if self.objectives else None
            self.add_goal(raw, owner, line, category)

    def add_goal(
        self, raw: str, scope: _Scope, line: int, category: ParsedCategory | None = None
    ) -> None:
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
        status = item.status or scope.status
        category.goals.append(ParsedGoal(title, line, item.owners, status, due, item.progress))

    def add_ritual(self, text: str, line: int) -> None:
        ritual = ritual_from_text(text, None, line)
        if ritual is None:
            self.skip(
                line,
                f"'{text[:60]}' is not a ritual I run (monthly knowledge sharing, monthly or"
                " quarterly retrospectives); skipped",
            )
        else:
            self.stated_rituals.append(ritual)

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

    # -- tables -----------------------------------------------------------------------------

    def on_table(self, index: int) -> int:
        table = read_table(self.tokens, index)
        owner = self.nearest("period", "category", "metrics", "rituals", "goal", "ignored")
        kind = table.kind(in_metrics=owner is not None and owner.role == "metrics")
        if kind == "metrics":
            metrics_kind = owner.metrics_kind if owner is not None else None
            if owner is None or owner.role != "metrics":
                metrics_kind = _metrics_kind(" ".join(table.headers))
            self.metrics_table(table, metrics_kind)
        elif kind == "goals" and owner is not None and owner.period is not None:
            self.goals_table(table, owner)
        else:
            self.skip(
                table.line,
                f"table ({' | '.join(table.headers)[:80]}) is not a metrics or goals table"
                " under a period; skipped",
            )
        return table.end

    def metrics_table(self, table: Table, kind: str | None) -> None:
        for row in table.rows:
            name = row.plain.get("metric", "").strip()
            base, target = row.plain.get("baseline", ""), row.plain.get("target", "")
            text = f"{base} \u2192 {target}" if base and target else (target or base)
            self.add_metric(name, kind, row.line, text.strip())

    def goals_table(self, table: Table, scope: _Scope) -> None:
        for row in table.rows:
            raw = row.cells.get("title", "").strip()
            notes = owner_handles(row.plain.get("owner", ""))
            if row.plain.get("due", "").strip():
                notes.append("due " + row.plain["due"].strip())
            if row.plain.get("progress", "").strip():
                notes.append("progress " + row.plain["progress"].strip())
            status = normalize_status(row.plain.get("status", ""))
            if status:
                notes.append(f"status {status}")
            row_scope = scope
            found = heading_period(row.plain.get("period", ""))
            if found is not None and found.spec.problem is None:
                period = self.period(found, row.line, row.plain["period"])
                assert period is not None
                row_scope = _Scope(0, "period", period, status=scope.status)
            category = None
            if row.plain.get("category", "").strip() and row_scope.period is not None:
                category = self.category(row_scope.period, row.plain["category"].strip(), row.line)
            annotated = f"{raw} ({'; '.join(notes)})" if notes and raw else raw
            self.add_goal(annotated, row_scope, row.line, category)

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
                " '- Complete API Gateway Redesign' (or sub-headings)",
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
