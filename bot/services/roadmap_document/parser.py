"""Walk markdown-it's token stream (headings, list items, paragraphs, tables) into a
ParsedRoadmap, forgiving about the document's shape: only a document without any goal fails.

The walk is split by what it meets: ``walk_headings`` (headings and bold lines),
``walk_items`` (list items), ``walk_tables`` (tables); ``builder`` holds the state they share.
"""

from __future__ import annotations

from markdown_it.token import Token

from .builder import RoadmapBuilder, Scope
from .metrics import metric_aliases, metric_key
from .model import ParsedRoadmap, RoadmapParseError
from .periods import HeadingPeriod, PeriodSpec, heading_period, period_anywhere
from .rituals import proposed_rituals
from .sections import YEAR_IN_TEXT, Heading, bold_line_period, collect_headings, line_of
from .targets import goal_target
from .text import MARKDOWN, clean_document, plain_children
from .walk_headings import on_heading, on_paragraph
from .walk_items import on_html_block, on_item
from .walk_tables import on_table


def document_year(tokens: list[Token], headings: dict[int, Heading]) -> int | None:
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


def build(builder: RoadmapBuilder) -> ParsedRoadmap:
    """Walk the tokens once, in order, then finish what needs the whole document."""
    open_implicit_period(builder)
    skip_until = -1
    for index, token in enumerate(builder.tokens):
        if index <= skip_until:
            continue
        if index in builder.headings:
            on_heading(builder, builder.headings[index])
        elif token.type == "list_item_open":
            on_item(builder, index)
        elif token.type == "paragraph_open" and token.level == 0:
            on_paragraph(builder, index)
        elif token.type in ("blockquote_open", "blockquote_close"):
            builder.quote_depth += 1 if token.type == "blockquote_open" else -1
        elif token.type == "html_block" and token.level == 0:
            on_html_block(builder, token)
        elif token.type == "table_open":
            skip_until = on_table(builder, index)
    check_has_goals(builder)
    finish_metrics(builder)
    for period in builder.roadmap.periods:
        period.categories = [c for c in period.categories if c.goals]
    for _, _, goal in builder.roadmap.goals():
        goal.target = goal_target(goal.title, builder.roadmap.metrics)
    builder.roadmap.rituals = proposed_rituals(builder.roadmap, builder.stated_rituals)
    builder.roadmap.warnings.sort(key=lambda w: w.line or 0)
    builder.roadmap.skipped.sort(key=lambda w: w.line or 0)
    return builder.roadmap


def open_implicit_period(builder: RoadmapBuilder) -> None:
    """No period heading at all (an OKR document whose period is only in its title or
    intro): the whole document is one period, from its title, intro or year."""
    if not builder.has_items() or any(
        h.role in ("period", "month") for h in builder.headings.values()
    ):
        return
    found: HeadingPeriod | None = None
    line = 1
    for token in builder.tokens:
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
    if found is None and builder.roadmap.year is not None:
        found = HeadingPeriod(PeriodSpec("year", 1, 1, builder.roadmap.year), "")
    if found is None:
        return
    period = builder.period(found, line)
    if period is not None:
        builder.stack.append(
            Scope(0, "period", period, year=period.start.year, items_inside=builder.has_items())
        )


def finish_metrics(builder: RoadmapBuilder) -> None:
    """Give every metric a unique key and its aliases."""
    used: set[str] = set()
    for metric in builder.roadmap.metrics:
        base = metric_key(metric.name)
        key, suffix = base, 2
        while key in used:
            key, suffix = f"{base}-{suffix}", suffix + 1
        used.add(key)
        metric.key = key
        metric.aliases = metric_aliases(metric.name)


def check_has_goals(builder: RoadmapBuilder) -> None:
    if any(True for _ in builder.roadmap.goals()):
        return
    if builder.roadmap.periods:
        period = builder.roadmap.periods[0]
        raise RoadmapParseError(
            f"no goals found under period '{period.label}': expected list items such as"
            " '- Complete API Gateway Redesign' (or sub-headings)",
            period.line,
        )
    candidates = builder.expected_period_lines or builder.orphan_item_lines
    if not candidates:
        candidates = [h.line for h in builder.headings.values()]
    if not candidates:
        lines = builder.text.split("\n")
        candidates = [n for n, content in enumerate(lines, 1) if content.strip()][:1] or [1]
    raise RoadmapParseError(
        "no roadmap period found: expected a heading such as 'Q1 2025 Goals'", min(candidates)
    )


def parse_document(source: str | bytes) -> ParsedRoadmap:
    """Parse without the catch-all guard (tests fuzz this to find real bugs)."""
    text = clean_document(source)
    tokens = MARKDOWN.parse(text)
    headings = collect_headings(tokens)
    return build(RoadmapBuilder(tokens, text, headings, document_year(tokens, headings)))


def parse_roadmap(text: str | bytes) -> ParsedRoadmap:
    """Parse a roadmap Markdown document; raises only RoadmapParseError."""
    try:
        return parse_document(text)
    except RoadmapParseError:
        raise
    except Exception as error:  # a bug must still surface as the importer's own error
        raise RoadmapParseError(f"could not read the document ({type(error).__name__})") from error
