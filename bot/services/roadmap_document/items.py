"""The grammar inside one goal list item: checkbox, title, trailing annotations.

Annotations are read from the item's raw Markdown source (``inline.content``) so that a
backslash-escaped character (``\\(`` or ``\\%``) is never mistaken for an annotation; the
title that remains is then turned into plain text by markdown-it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil import parser as date_parser

from .marks import EMOJI_CLASS, STATUS_EMOJI, lead_in, normalize_status
from .periods import month_end
from .text import collapse, is_escaped, plain_inline

_CHECKBOX = re.compile(r"\[([ xX])\](?:\s+|$)")
_SLACK_ID = r"[A-Z][A-Z0-9]{1,39}"
_OWNER_TOKEN = re.compile(rf"<@({_SLACK_ID})(?:\|[^<>]{{0,80}})?>|@(\w[\w.\-]{{0,79}})")
_EMAIL = re.compile(r"[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63})+")
# A person's name as documents write owners: "Kenji Sato", "María José García-Ruiz".
_NAME = re.compile(r"[^\W\d_][\w'’\-]*(?:\s+[^\W\d_][\w'’\-]*){0,3}")
_DONE_ON = re.compile(r"(?:done|shipped|delivered|completed?)\s+(?:on\s+)?\S.*", re.IGNORECASE)
_OWNER_SEPARATOR = re.compile(r"\s*(?:[&+/]|\band\b)?\s*")
_OWNER_LABEL = re.compile(
    r"(?:owners?|owned by|assignees?|assigned to|lead|dri|by)\s*:?\s*", re.IGNORECASE
)
_STATUS_LABEL = re.compile(r"status\s*:?\s*", re.IGNORECASE)
_DUE_LABEL = re.compile(r"(?:due(?:\s+date)?|by|deadline|eta|target\s+date)\s*:?\s*", re.IGNORECASE)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_PROGRESS = re.compile(
    r"progress\s*:?\s*([0-9]{1,3})\s*%?|([0-9]{1,3})\s*%\s*(?:done|complete|completed)",
    re.IGNORECASE,
)
_BARE_PERCENT = re.compile(r"([0-9]{1,3})\s*%")
_YEAR_ONLY = re.compile(r"[0-9]{4}")
_DATE_LIKE = re.compile(r"[A-Za-z]{3}|[0-9]{4}|[0-9]{1,2}[/.][0-9]{1,2}")

_TRAILING_MENTION = re.compile(rf"<@({_SLACK_ID})(?:\|[^<>]{{0,80}})?>\s*$")
_TRAILING_PARENS = re.compile(r"\(([^()]{0,300})\)\s*$")
_TRAILING_BRACKETS = re.compile(r"\[([^\[\]]{0,300})\]\s*$")
_TRAILING_DASH_PROGRESS = re.compile(
    r"\s[\u2014\u2013]\s*([0-9]{1,3})\s*%(?:\s*(?:done|complete|completed))?\s*$", re.IGNORECASE
)
_TRAILING_DUE = re.compile(
    r"(?:^|(?<=[\s,;]))(?:due:?|by)\s+([0-9]{4}-[0-9]{2}-[0-9]{2})\s*$", re.IGNORECASE
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
_SEPARATORS = " ,:|-\u2013\u2014"
_MAX_ANNOTATIONS = 20  # bounds the work on pathological lines; real items have one or two
# "Name: value" (preferred) or "Name — value".
_METRIC_SEPARATORS = (re.compile(r":(?=\s|$)"), re.compile(r"\s[\u2014\u2013]\s"))


@dataclass
class Annotation:
    """What one trailing annotation group said."""

    owners: list[str] = field(default_factory=list)
    status: str | None = None
    due: date | None = None
    progress: int | None = None


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
    summary: bool = False  # "**Total:** 14 goals": a summary line, not a goal


def parse_date(text: str, default_year: int | None) -> date | None:
    """ "2026-03-15", "15 Mar 2026", "March 15" (with the default year); None when unreadable."""
    return _parse_date(text, default_year)


def _parse_date(text: str, default_year: int | None) -> date | None:
    text = text.strip()
    iso = _ISO_DATE.fullmatch(text)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    if len(text) > 40 or not _DATE_LIKE.search(text) or not re.search(r"[0-9]", text):
        return None
    try:
        default = datetime(default_year or date.today().year, 1, 1)
        return date_parser.parse(text, default=default).date()
    except (ValueError, OverflowError, TypeError, LookupError):
        return None


def _after_label(label: re.Pattern[str], text: str) -> str | None:
    """The text after a leading label such as "due:" or "status", None without the label."""
    match = label.match(text)
    return text[match.end() :] if match else None


def _parse_owners(text: str, *, names: bool = False) -> list[str] | None:
    """The owners a part names: mentions, @handles and e-mail addresses; with an owner label
    ("owner: Kenji Sato"), or when `names` (the group has a due date or status beside it),
    people's names too."""
    body = _after_label(_OWNER_LABEL, text)
    labelled = body is not None
    body = text if body is None else body
    if _EMAIL.fullmatch(body.strip()):
        return [body.strip()]
    if (labelled or names) and _NAME.fullmatch(body.strip()) and not _OWNER_TOKEN.search(body):
        return [" ".join(body.split())]
    owners: list[str] = []
    position = 0
    for match in _OWNER_TOKEN.finditer(body):
        if not _OWNER_SEPARATOR.fullmatch(body[position : match.start()]):
            return None
        owners.append(match[1] if match[1] else "@" + match[2])
        position = match.end()
    if not owners or body[position:].strip():
        return None
    return owners


def _merge_year_parts(parts: list[str]) -> list[str]:
    """Rejoin "due March 15" + "2025" that the comma split apart."""
    merged: list[str] = []
    for part in parts:
        if merged and _YEAR_ONLY.fullmatch(part) and _DUE_LABEL.match(merged[-1]):
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    return merged


def parse_annotation_group(content: str, default_year: int | None) -> Annotation | None:
    """An annotation when EVERY part of the group is recognised, else None (title text)."""
    parts = _merge_year_parts([p.strip() for p in re.split(r"[;,]", content) if p.strip()])
    if not parts:
        return None
    annotation = Annotation()
    bare_percent: int | None = None
    recognised_other = False
    # A plain name counts as an owner only beside a part that is surely an annotation (a due
    # date, a status, progress, a mention): "(Kenji Sato, due 2026-12-18)", not "(Phase Two)".
    names = len(parts) > 1 and any(
        _parse_owners(p) is not None
        or _DUE_LABEL.match(p)
        or _PROGRESS.fullmatch(p)
        or _DONE_ON.fullmatch(p)
        or normalize_status(_after_label(_STATUS_LABEL, p) or p) is not None
        for p in parts
    )
    for part in parts:
        if _DONE_ON.fullmatch(part) and not _DUE_LABEL.match(part):
            annotation.status = "done"  # "done 2026-10-15": done, on that day
            recognised_other = True
            continue
        owners = _parse_owners(part)
        status_text = _after_label(_STATUS_LABEL, part)
        status = normalize_status(part if status_text is None else status_text)
        progress = _PROGRESS.fullmatch(part)
        bare = _BARE_PERCENT.fullmatch(part)
        due_text = _after_label(_DUE_LABEL, part)
        if owners is not None:
            annotation.owners.extend(owners)
        elif status is not None:
            annotation.status = status
        elif progress is not None and int(progress[1] or progress[2]) <= 100:
            annotation.progress = int(progress[1] or progress[2])
        elif bare is not None and int(bare[1]) <= 100:
            bare_percent = int(bare[1])
            continue
        elif due_text is not None and _parse_date(due_text, default_year) is not None:
            annotation.due = _parse_date(due_text, default_year)
        elif _ISO_DATE.fullmatch(part) and _parse_date(part, default_year) is not None:
            annotation.due = _parse_date(part, default_year)
        elif names and (named := _parse_owners(part, names=True)) is not None:
            annotation.owners.extend(named)
        else:
            return None
        recognised_other = True
    if bare_percent is not None:
        # "(20%)" alone is ambiguous and stays in the title; next to an owner it is progress.
        if not recognised_other:
            return None
        annotation.progress = bare_percent
    return annotation


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
        if pattern is _TRAILING_MENTION:
            annotation: Annotation | None = Annotation(owners=[match[1]])
        else:
            annotation = parse_annotation_group(match[1], default_year)
        if annotation is not None:
            return text[: match.start()], annotation
    for pattern in (_TRAILING_BOLD, _TRAILING_HTML, _TRAILING_WORD):
        match = pattern.search(text)
        if match is None or is_escaped(
            text, match.start() + (1 if pattern is _TRAILING_WORD else 0)
        ):
            continue
        status = normalize_status(match[match.lastindex or 1])
        if status is not None:
            return text[: match.start()], Annotation(status=status)
    match = _TRAILING_EMOJI.search(text)
    if match:
        return text[: match.start()], Annotation(status=STATUS_EMOJI[match[1][0]])
    match = _TRAILING_DASH_PROGRESS.search(text)
    if match and int(match[1]) <= 100:
        return text[: match.start()], Annotation(progress=int(match[1]))
    match = _TRAILING_DUE.search(text)
    if match:
        due = _parse_date(match[1], default_year)
        if due is not None:
            return text[: match.start()], Annotation(due=due)
    return None


def _unreadable_due(text: str, default_year: int | None) -> str | None:
    """The trailing group when it holds a "due ..." part whose date cannot be read."""
    for pattern in (_TRAILING_PARENS, _TRAILING_BRACKETS):
        match = pattern.search(text)
        if match is None or is_escaped(text, match.start()):
            continue
        for part in re.split(r"[;,]", match[1]):
            due_text = _after_label(_DUE_LABEL, part.strip())
            if (
                due_text is not None
                and re.search(r"[0-9]", due_text)
                and _parse_date(due_text, default_year) is None
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
    item = GoalItem(title=plain_inline(text), checked=checked)
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
