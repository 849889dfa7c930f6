"""The walk's headings and bold lines: each opens a section (a period, a category, a month,
metrics, rituals, or a note to skip), or, under a period without list items, is a goal."""

from __future__ import annotations

import re

from .builder import RoadmapBuilder, Scope
from .items import split_goal_item
from .marks import objective_name
from .periods import PeriodSpec
from .sections import METRICS_HEADING, Heading, bare_name, bold_line_period, line_of, metrics_kind
from .text import plain_inline

# "**Technical Metrics**" or "__Team Development:__" on a line of its own.
_BOLD_PARAGRAPH = re.compile(r"(?:\*\*|__)([^*_\n]+?):?(?:\*\*|__):?")
_BOLD_PERIOD_DEPTH = 7  # a bold period line: deeper than any "######" heading
_BOLD_LINE_DEPTH = 8  # a bold category line: deeper still


def on_heading(builder: RoadmapBuilder, heading: Heading) -> None:
    builder.pop_to(heading.depth)
    year = heading.spec.year if heading.spec is not None else None
    role = heading.role
    if role in ("title", "subtitle"):
        setattr(builder.roadmap, role, heading.text or None)
        builder.stack.append(Scope(heading.depth, "front", year=year))
    elif role == "container":
        builder.stack.append(Scope(heading.depth, "container", year=year))
    elif role == "period":
        assert heading.found is not None
        alone = sum(h.role == "period" for h in builder.headings.values()) == 1
        if builder.roadmap.title is None and alone and heading.depth == 1:
            builder.roadmap.title = heading.text  # "# H1 2026 OKRs": the title names it
        period = builder.period(heading.found, heading.line, heading.text)
        assert period is not None
        builder.stack.append(
            Scope(
                heading.depth, "period", period, year=period.start.year,
                status=period.status, items_inside=heading.has_items,
            )
        )  # fmt: skip
    elif role == "month":
        open_month(builder, heading.depth, heading.spec, heading.line)
    elif role == "bad-period":
        problem = heading.spec.problem if heading.spec is not None else "invalid period"
        builder.warn(
            heading.line, f"heading '{heading.text}' looks like a period but {problem}; ignored"
        )
        builder.expected_period_lines.append(heading.line)
        builder.stack.append(Scope(heading.depth, "ignored"))
    elif role == "metrics":
        open_metrics(builder, heading.depth, metrics_kind(heading.text))
    elif role == "rituals":
        builder.stack.append(Scope(heading.depth, "rituals"))
    else:
        open_other(builder, heading)


def open_month(builder: RoadmapBuilder, depth: int, spec: PeriodSpec | None, line: int) -> None:
    owner = builder.nearest("period", "category")
    assert spec is not None
    if owner is None or owner.period is None:
        return
    builder.stack.append(
        Scope(
            depth, "category", owner.period, owner.category, year=owner.year,
            status=owner.status, month=spec.first,
        )
    )  # fmt: skip


def open_metrics(builder: RoadmapBuilder, depth: int, kind: str | None) -> None:
    parent = builder.nearest("metrics")
    if kind is None and parent is not None:
        kind = parent.metrics_kind
    builder.stack.append(Scope(depth, "metrics", metrics_kind=kind))


def open_other(builder: RoadmapBuilder, heading: Heading) -> None:
    owner = builder.nearest("period", "category", "metrics", "rituals", "goal", "ignored")
    if owner is not None and owner.role in ("period", "category") and owner.period:
        if not owner.items_inside and not heading.has_subheadings:
            # "#### AI Assistant **Delivered**": a period without list items lists its
            # goals as sub-headings.
            builder.add_goal(heading.raw, owner, heading.line)
            builder.stack.append(Scope(heading.depth, "goal"))
            return
        objective = objective_name(heading.text)
        name, status = (objective, None) if objective else category_name(heading)
        category = builder.category(owner.period, name, heading.line)
        builder.stack.append(
            Scope(
                heading.depth, "category", owner.period, category, year=owner.year,
                status=None if objective else status or owner.status,
                items_inside=heading.has_items, key_results=objective is not None,
            )
        )  # fmt: skip
    elif owner is not None and owner.role == "metrics":
        open_metrics(builder, heading.depth, metrics_kind(heading.text))
    elif owner is not None and owner.role in ("rituals", "goal"):
        builder.stack.append(Scope(heading.depth, owner.role))
    else:
        note = heading.has_own_items or not heading.has_sub_periods
        if owner is None and heading.has_items and note:
            builder.skip(
                heading.line,
                f"section '{heading.text}' is not a period, metrics or rituals section;"
                " read as a note and skipped",
            )
            builder.expected_period_lines.append(heading.line)
        builder.stack.append(Scope(heading.depth, "ignored"))


def category_name(heading: Heading) -> tuple[str, str | None]:
    """ "Search ✅" -> ("Search", "done"): the name, and a status mark its goals take."""
    item = split_goal_item(heading.raw)
    if item.status and item.title and not (item.owners or item.due or item.progress):
        return item.title, item.status
    return bare_name(heading.text) or heading.text, None


def on_paragraph(builder: RoadmapBuilder, index: int) -> None:
    """A bold line: a period ("**Q1 2026**"), a month ("**January**") or a sub-heading."""
    inline = builder.tokens[index + 1]
    line = line_of(inline)
    bold_period = bold_line_period(inline)
    if bold_period is not None:
        found, text = bold_period
        spec = found.spec
        inside = builder.nearest("period")
        if spec.kind == "months" and spec.first == spec.last and inside is not None:
            builder.pop_to(_BOLD_LINE_DEPTH)
            open_month(builder, _BOLD_LINE_DEPTH, spec, line)
            return
        builder.pop_to(_BOLD_PERIOD_DEPTH)
        period = builder.period(found, line, text)
        assert period is not None
        builder.stack.append(
            Scope(
                _BOLD_PERIOD_DEPTH, "period", period, year=period.start.year,
                status=period.status,
            )
        )  # fmt: skip
        return
    bold = _BOLD_PARAGRAPH.fullmatch(inline.content.strip())
    owner = builder.nearest("period", "category", "metrics", "ignored")
    if bold is None or owner is None or owner.role == "ignored":
        return
    text = plain_inline(bold[1])
    if not text:
        return
    builder.pop_to(_BOLD_LINE_DEPTH)
    heading = Heading(_BOLD_LINE_DEPTH, text, bold[1], line, None)
    if METRICS_HEADING.fullmatch(bare_name(text)):
        open_metrics(builder, _BOLD_LINE_DEPTH, metrics_kind(text))
    else:
        open_other(builder, heading)
