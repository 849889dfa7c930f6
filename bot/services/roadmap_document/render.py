"""Render a ParsedRoadmap back to Markdown that parse_roadmap reads back unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable

from .items import split_goal_item, split_metric_item
from .model import ParsedGoal, ParsedMetric, ParsedPeriod, ParsedRoadmap
from .text import MARKDOWN, escape_all, escape_minimal, plain_children

_SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{1,39}")
_HANDLE = re.compile(r"\w[\w.\-]{0,79}")
_EMAIL = re.compile(r"[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63})+")


def _first_escape_that_reads_back(
    text: str,
    build: Callable[[str], str],
    reads_back: Callable[[str], bool],
    at_block_start: bool = True,
) -> str:
    """Readable escaping when it survives a parse, else escape every ASCII punctuation mark."""
    line = build(escape_minimal(text, at_block_start))
    if reads_back(line):
        return line
    return build(escape_all(text))


def _heading(text: str, level: int) -> str:
    marker = "#" * level + " "

    def reads_back(line: str) -> bool:
        tokens = MARKDOWN.parse(line)
        return (
            len(tokens) == 3
            and tokens[0].type == "heading_open"
            and tokens[0].tag == f"h{level}"
            and plain_children(tokens[1].children) == text
        )

    return _first_escape_that_reads_back(text, lambda escaped: marker + escaped, reads_back)


def _single_item_content(line: str) -> str | None:
    """Raw inline content when ``line`` parses as exactly one list item with one paragraph."""
    tokens = MARKDOWN.parse(line)
    types = [token.type for token in tokens]
    expected = ["bullet_list_open", "list_item_open", "paragraph_open", "inline"]
    if types[:4] != expected or types.count("list_item_open") != 1 or types.count("inline") != 1:
        return None
    return tokens[3].content


def _owner_markup(owner: str) -> str:
    """How the reader takes the owner back: a mention, a handle, an e-mail address, or a
    name nobody matched yet after an owner label ("owner: Lena Fischer")."""
    if _SLACK_ID.fullmatch(owner):
        return f"<@{owner}>"
    if owner.startswith("@") or _EMAIL.fullmatch(owner):
        return owner
    return "@" + owner if _HANDLE.fullmatch(owner) else f"owner: {owner}"


def _goal_line(goal: ParsedGoal) -> str:
    checked = goal.status == "done" and goal.progress == 100
    parts = [_owner_markup(owner) for owner in goal.owners]
    if goal.due is not None:
        parts.append(f"due {goal.due.isoformat()}")
    if goal.status is not None and not checked:
        parts.append(f"status {goal.status}")
    if goal.progress is not None and not checked:
        parts.append(f"progress {goal.progress}%")
    annotations = f" ({', '.join(parts)})" if parts else ""
    prefix = "- [x] " if checked else "- "
    expected = (goal.title, goal.owners, goal.status, goal.due, goal.progress)

    def reads_back(line: str) -> bool:
        content = _single_item_content(line)
        if content is None:
            return False
        item = split_goal_item(content, goal.due.year if goal.due else None)
        return (item.title, item.owners, item.status, item.due, item.progress) == expected

    return _first_escape_that_reads_back(
        goal.title, lambda escaped: f"{prefix}{escaped}{annotations}", reads_back
    )


def _metric_line(metric: ParsedMetric) -> str:
    def reads_back_name(line: str) -> bool:
        content = _single_item_content(line)
        return content is not None and split_metric_item(content)[0] == metric.name

    line = _first_escape_that_reads_back(
        metric.name, lambda escaped: f"- {escaped}:", reads_back_name
    )
    if not metric.text:
        return line

    def reads_back(candidate: str) -> bool:
        content = _single_item_content(candidate)
        return content is not None and split_metric_item(content) == (metric.name, metric.text)

    return _first_escape_that_reads_back(
        metric.text, lambda escaped: f"{line} {escaped}", reads_back, at_block_start=False
    )


def _period_heading(period: ParsedPeriod) -> str:
    """ "## Q1 2026 Goals", or "## Q1 2026: Production Hardening (done)" with a theme/status."""
    if not period.theme and not period.status:
        return f"## {period.label} Goals"
    line = f"## {period.label}"
    if period.theme:
        line += ": " + escape_minimal(period.theme, at_block_start=False)
    if period.status:
        line += f" ({period.status})"
    return line


def render_markdown(roadmap: ParsedRoadmap) -> str:
    """Markdown in the sample's shape: title, "## <label> Goals", categories, goals, metrics."""
    blocks: list[list[str]] = []
    header = [_heading(text, 1) for text in (roadmap.title, roadmap.subtitle) if text]
    if header:
        blocks.append(header)
    for period in roadmap.periods:
        blocks.append([_period_heading(period)])
        for category in period.categories:
            blocks.append([_heading(category.name, 3), *map(_goal_line, category.goals)])
    if roadmap.metrics:
        blocks.append(["## Success Metrics"])
        current_kind: str | None = None
        for metric in roadmap.metrics:
            if metric.kind != current_kind:
                current_kind = metric.kind
                blocks.append([f"### {metric.kind.title()} Metrics"])
            blocks[-1].append(_metric_line(metric))
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
