"""The grammar inside one goal list item: checkbox, title, trailing annotations.

Annotations are read from the item's raw Markdown source (``inline.content``) so that a
backslash-escaped character (``\\(`` or ``\\%``) is never mistaken for an annotation; the
title that remains is then turned into plain text by markdown-it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .annotations import (
    DUE_LABEL,
    SLACK_ID,
    Annotation,
    after_label,
    note_text,
    parse_annotation_group,
    parse_date,
    status_clause,
    status_with_reason,
)
from .marks import EMOJI_CLASS, STATUS_EMOJI, lead_in, normalize_status
from .periods import month_end
from .text import collapse, is_escaped, plain_inline

_CHECKBOX = re.compile(r"\[([ xX])\](?:\s+|$)")
_TRAILING_MENTION = re.compile(rf"<@({SLACK_ID})(?:\|[^<>]{{0,80}})?>\s*$")
# "Priority queues (#130) @alice @bob": handles after the title, as GitHub READMEs write them.
_TRAILING_HANDLES = re.compile(r"(?<=\s)(?:@\w[\w.\-]{0,79}(?<!\.)\s*){1,10}$")
_TRAILING_PARENS = re.compile(r"\(([^()]{0,300})\)\s*$")
_TRAILING_BRACKETS = re.compile(r"\[([^\[\]]{0,300})\]\s*$")
# "(with Design, @data-team)": the goal's partner teams (bot.services.partners), part of the
# title the importer splits off; never owners, however its names are separated.
_PARTNERS = re.compile(r"\s*with\s", re.IGNORECASE)
_TRAILING_DASH_PROGRESS = re.compile(
    r"\s[\u2014\u2013]\s*([0-9]{1,3})\s*%(?:\s*(?:done|complete|completed))?\s*$", re.IGNORECASE
)
_TRAILING_DUE = re.compile(
    r"(?:^|(?<=[\s,;]))(?:due:?|by|eta:?)\s+([0-9]{4}-[0-9]{2}-[0-9]{2})\s*$", re.IGNORECASE
)
# Status marks at the end of a title: "✅", "**Delivered**", "<mark>In Progress</mark>",
# " — Done". Escaped markup (what the renderer writes for a title) is title text.
_TRAILING_EMOJI = re.compile(rf"\s*({EMOJI_CLASS})\s*$")
_LEADING_EMOJI = re.compile(rf"({EMOJI_CLASS})\s*")
_TRAILING_BOLD = re.compile(r"(?:\*\*|__)([^*_\n]{1,30})(?:\*\*|__)\s*$")
_TRAILING_HTML = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]{0,10})(?:\s[^<>]{0,200})?>([^<>]{1,30})</\1>\s*$"
)
_TRAILING_WORD = re.compile(r"\s[\u2013\u2014-]\s*([A-Za-z][A-Za-z \-]{1,20})\s*$")
# A status mark followed by words: "— 🔄 In progress", "⛔ blocked on legal review".
_NOT_A_MARK = "[^" + "".join(STATUS_EMOJI) + "\ufe0f]"
_TRAILING_MARK_CLAUSE = re.compile(
    rf"(?:(?<=\s)[|\u2013\u2014-]\s*|(?<=\s))({EMOJI_CLASS})(?P<rest>{_NOT_A_MARK}+)$"
)
# After a leading "⛔", the words that repeat it with a reason: "⛔ Search blocked on legal".
_INLINE_STATUS = re.compile(r"(?<=\s)(?:blocked|stuck|on[\s-]hold|delayed|at[\s-]risk)\b", re.I)
# A dash (or bar) that may open a status clause: "Search revamp — Blocked on infra".
_CLAUSE_DASH = re.compile(r"(?<=\s)[|\u2013\u2014-]\s*")
_SEPARATORS = " ,:|-\u2013\u2014"
_FIELD_BAR = re.compile(r"\s\|\s")
_ESCAPED_SEPARATOR = re.compile(r"\s\\[-|:]\s*$")
_MAX_ANNOTATIONS = 20  # bounds the work on pathological lines; real items have one or two
# "Name: value" (preferred) or "Name — value".
_METRIC_SEPARATORS = (re.compile(r":(?=\s|$)"), re.compile(r"\s[\u2014\u2013]\s"))


@dataclass
class GoalItem:
    """A goal list item split into its parts."""

    title: str
    owners: list[str] = field(default_factory=list)
    status: str | None = None
    due: date | None = None
    progress: int | None = None
    checked: bool | None = None  # True for "[x]", False for "[ ]", None without a checkbox
    problems: list[str] = field(default_factory=list)
    key_result: bool = False  # "KR1: …": a key result
    note: str | None = None  # "⛔ blocked on legal review": what the status said
    summary: bool = False  # "**Total:** 14 goals": a summary line, not a goal


def _strip_separators(text: str) -> str:
    end = len(text)
    while end > 0 and text[end - 1] in _SEPARATORS and not is_escaped(text, end - 1):
        end -= 1
    return text[:end]


def _take_trailing(text: str, default_year: int | None) -> tuple[str, Annotation] | None:
    """Remove the last annotation from ``text``; None when the text ends with title words."""
    for pattern in (_TRAILING_MENTION, _TRAILING_PARENS, _TRAILING_BRACKETS):
        match = pattern.search(text)
        if match is None or is_escaped(text, match.start()):
            continue
        if pattern is _TRAILING_PARENS and _PARTNERS.match(match[1]):
            break
        if pattern is _TRAILING_MENTION:
            annotation: Annotation | None = Annotation(owners=[match[1]])
        else:
            annotation = parse_annotation_group(match[1], default_year)
        if annotation is not None:
            return text[: match.start()], annotation
    fields = _take_fields(text, default_year)
    if fields is not None:
        return fields
    match = _TRAILING_HANDLES.search(text)
    if match is not None and not is_escaped(text, match.start()):
        handles = [handle.rstrip(".") for handle in match[0].split()]
        return text[: match.start()], Annotation(owners=handles)
    for pattern in (_TRAILING_BOLD, _TRAILING_HTML, _TRAILING_WORD):
        match = pattern.search(text)
        if match is None or is_escaped(
            text, match.start() + (1 if pattern is _TRAILING_WORD else 0)
        ):
            continue
        status = normalize_status(match[match.lastindex or 1])
        if status is not None:
            before = text[: match.start()]
            if pattern is not _TRAILING_WORD:
                # "late data \- **Done**": Google Docs escapes the dash; before markup that
                # is no escaped title (the renderer escapes the markup too), a separator.
                before = _ESCAPED_SEPARATOR.sub("", before)
            return before, Annotation(status=status)
    clause = _take_status_clause(text, default_year)
    if clause is not None:
        return clause
    match = _TRAILING_EMOJI.search(text)
    if match:
        return text[: match.start()], Annotation(status=STATUS_EMOJI[match[1][0]])
    match = _TRAILING_DASH_PROGRESS.search(text)
    if match and int(match[1]) <= 100:
        return text[: match.start()], Annotation(progress=int(match[1]))
    match = _TRAILING_DUE.search(text)
    if match:
        due = parse_date(match[1], default_year)
        if due is not None:
            return text[: match.start()], Annotation(due=due)
    return None


def _take_fields(text: str, default_year: int | None) -> tuple[str, Annotation] | None:
    """ "Search | Status: In progress | Owner: @alice": fields after bars, as a page of a
    Notion or Confluence table pastes them; every field must be an annotation."""
    for bar in _FIELD_BAR.finditer(text):
        if is_escaped(text, bar.start() + 1) or not text[: bar.start()].strip():
            continue
        fields = text[bar.end() :].replace(" | ", "; ")
        annotation = parse_annotation_group(fields, default_year)
        if annotation is not None:
            return text[: bar.start()], annotation
    return None


def _take_status_clause(text: str, default_year: int | None) -> tuple[str, Annotation] | None:
    """A status with words after it, at the end of a line: "— 🔄 In progress", "⛔ blocked on
    legal review", "— Blocked on infra" (a dash, then a status word and its reason)."""
    match = _TRAILING_MARK_CLAUSE.search(text)
    if match is not None and match[2].strip() and text[: match.start()].strip():
        annotation = status_clause(match[2], STATUS_EMOJI[match[1][0]], default_year)
        if annotation is not None:
            return text[: match.start()], annotation
    for dash in reversed(list(_CLAUSE_DASH.finditer(text))):
        if is_escaped(text, dash.start()) or not text[: dash.start()].strip():
            continue
        annotation = status_clause(text[dash.end() :], None, default_year)
        if annotation is not None:
            return text[: dash.start()], annotation
    return None


def _take_inline_reason(text: str, marked: str, found: list[Annotation]) -> str:
    """ "⛔ Search revamp blocked on legal": the words after the title repeat the leading mark's
    status with a reason; they are its note, not title."""
    for match in _INLINE_STATUS.finditer(text):
        reason = status_with_reason(text[match.start() :])
        if reason is not None and reason[0] == marked:
            found.append(Annotation(note=note_text(reason[1])))
            return _strip_separators(text[: match.start()].rstrip())
    return text


def _unreadable_due(text: str, default_year: int | None) -> str | None:
    """The trailing group when it holds a "due ..." part whose date cannot be read."""
    for pattern in (_TRAILING_PARENS, _TRAILING_BRACKETS):
        match = pattern.search(text)
        if match is None or is_escaped(text, match.start()):
            continue
        for part in re.split(r"[;,]", match[1]):
            due_text = after_label(DUE_LABEL, part.strip())
            if (
                due_text is not None
                and re.search(r"[0-9]", due_text)
                and parse_date(due_text, default_year) is None
            ):
                return match[0].strip()
    return None


def split_goal_item(raw: str, default_year: int | None = None) -> GoalItem:
    """Split an item's raw Markdown into checkbox, status marks, lead-in, plain title and
    trailing annotations."""
    text = collapse(raw)
    checked: bool | None = None
    box = _CHECKBOX.match(text)
    if box:
        checked = box[1] in "xX"
        text = text[box.end() :]
    leading: list[Annotation] = []
    emoji = _LEADING_EMOJI.match(text)
    if emoji:
        leading.append(Annotation(status=STATUS_EMOJI[emoji[1][0]]))
        text = text[emoji.end() :]
    lead = lead_in(text)
    if lead is not None and lead.kind == "summary":
        return GoalItem(title=plain_inline(text), summary=True)
    if lead is not None:
        text = lead.rest.lstrip(" -\u2013\u2014:") if lead.kind == "key-result" else lead.rest
        if lead.kind == "month" and lead.month is not None:
            year = lead.year or default_year
            if year is not None:
                leading.append(Annotation(due=month_end(year, lead.month)))
    found: list[Annotation] = []
    while len(found) < _MAX_ANNOTATIONS:
        taken = _take_trailing(text, default_year)
        if taken is None:
            break
        text, annotation = taken
        text = _strip_separators(text.rstrip())
        found.append(annotation)
    marked = leading[0].status if emoji else None
    if marked and not any(annotation.status for annotation in found):
        text = _take_inline_reason(text, marked, found)
    item = GoalItem(
        title=plain_inline(text),
        checked=checked,
        key_result=lead is not None and lead.kind == "key-result",
    )
    unread = _unreadable_due(text, default_year)
    if unread:
        item.problems.append(f"could not read the due date in '{unread}'; kept in the title")
    for annotation in [*leading, *reversed(found)]:  # left to right as written
        for owner in annotation.owners:
            if owner not in item.owners:
                item.owners.append(owner)
        item.status = annotation.status or item.status
        item.due = annotation.due or item.due
        item.progress = annotation.progress if annotation.progress is not None else item.progress
        item.note = annotation.note or item.note
    if checked:
        item.status = item.status or "done"
        item.progress = 100 if item.progress is None else item.progress
    elif checked is False:
        item.status = item.status or "not-started"
    return item


def split_metric_item(raw: str) -> tuple[str, str]:
    """ "System uptime: 99.9% → 99.99%" -> ("System uptime", "99.9% → 99.99%")."""
    text = collapse(raw)
    for separator in _METRIC_SEPARATORS:
        for split in separator.finditer(text):
            if not is_escaped(text, split.start()):
                return plain_inline(text[: split.start()]), plain_inline(text[split.end() :])
    return plain_inline(text), ""
