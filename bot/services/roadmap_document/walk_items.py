"""The walk's list items: goals, key results under an objective, metrics and rituals."""

from __future__ import annotations

import re

from markdown_it.token import Token

from .builder import RoadmapBuilder
from .marks import objective_name
from .rituals import stated_ritual
from .sections import line_of
from .text import plain_inline


def item_parts(builder: RoadmapBuilder, index: int) -> tuple[str | None, int | None]:
    """The raw text of a list item's own first block (not its nested items), and the
    index of its nested list when it has one."""
    level = builder.tokens[index].level
    text: str | None = None
    for position in range(index + 1, len(builder.tokens)):
        token = builder.tokens[position]
        if token.type == "list_item_close" and token.level == level:
            return text, None
        if text is None and token.type == "inline" and token.level == level + 2:
            text = token.content
        elif text is None and token.type == "html_block" and token.level == level + 1:
            text = token.content.strip()  # "- <!here> ship it": HTML-looking text
        if token.type.endswith("_list_open") and token.level == level + 1:
            return text, position
    return text, None


def close_of(builder: RoadmapBuilder, index: int) -> int:
    level = builder.tokens[index].level
    for position in range(index + 1, len(builder.tokens)):
        token = builder.tokens[position]
        if token.type == "list_item_close" and token.level == level:
            return position
    return len(builder.tokens)


def on_item(builder: RoadmapBuilder, index: int) -> None:
    raw, nested = item_parts(builder, index)
    line = line_of(builder.tokens[index])
    if raw is None:
        if nested is None:
            builder.skip(line, "empty list item; skipped")
        return
    if raw.startswith("<!--"):
        builder.skip(line, "an HTML comment; skipped")
        return
    if builder.quote_depth:
        builder.skip(line, "a list item inside a quote or callout ('> …') is a note; skipped")
        return
    if builder.toggle_depth:
        if not builder.toggle_reported:
            builder.toggle_reported = True
            builder.skip(
                line,
                f"list items inside the toggle '{builder.toggle}' are read as a note and"
                " skipped; move them out of the toggle to import them",
            )
        return
    while builder.objectives and builder.objectives[-1][0] < index:
        builder.objectives.pop()
    owner = builder.nearest("period", "category", "metrics", "rituals", "goal", "ignored")
    if owner is None:
        builder.skip(line, "list item outside any roadmap period; skipped")
        builder.orphan_item_lines.append(line)
    elif owner.role == "metrics":
        builder.add_metric(raw, owner.metrics_kind, line)
    elif owner.role == "rituals":
        add_ritual(builder, plain_inline(raw), line)
    elif owner.period is not None:
        objective = objective_name(plain_inline(raw)) if nested is not None else None
        if objective is not None:
            category = builder.category(owner.period, objective, line)
            builder.objectives.append((close_of(builder, index), category))
            return
        category = builder.objectives[-1][1] if builder.objectives else None
        builder.add_goal(raw, owner, line, category, key_result=category is not None)


_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,300}>")


def on_html_block(builder: RoadmapBuilder, token: Token) -> None:
    """ "<details><summary>Why these?</summary>" … "</details>": a toggle (Notion and GitHub
    write them) holds commentary; its list items are not goals."""
    content = token.content
    opened, closed = len(_DETAILS_OPEN.findall(content)), len(_DETAILS_CLOSE.findall(content))
    if opened and not builder.toggle_depth:
        summary = _SUMMARY.search(content)
        text = " ".join(_TAG.sub(" ", summary[1]).split()) if summary else ""
        builder.toggle, builder.toggle_reported = (text[:60] or "details"), False
    builder.toggle_depth = max(0, builder.toggle_depth + opened - closed)


def add_ritual(builder: RoadmapBuilder, text: str, line: int) -> None:
    ritual = stated_ritual(text, line)
    if ritual is None:
        builder.skip(
            line,
            f"'{text[:60]}' is not a ritual I run (knowledge sharing or retrospectives:"
            " weekly, every 2 weeks, monthly or quarterly, or a rule such as 'every other"
            " tuesday 15:00'); skipped",
        )
    else:
        builder.stated_rituals.append(ritual)
