"""The headings of a document and the role each plays: title, period, metrics, rituals, note."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from markdown_it.token import Token

from .periods import HeadingPeriod, PeriodSpec, heading_period
from .text import plain_children

METRICS_HEADING = re.compile(
    r"(?:(?:key|success|technical|tech|team|engineering|people|performance|health|business)\s+)*"
    r"(?:metrics|kpis?|measures|measurements|indicators|success\s+criteria)",
    re.IGNORECASE,
)
RITUALS_HEADING = re.compile(
    r"(?:(?:team|engineering|recurring|our)\s+)*"
    r"(?:rituals?|ceremonies|cadences?|meetings?|rhythms?|operating\s+rhythm|routines?)",
    re.IGNORECASE,
)
_TECHNICAL_WORDS = re.compile(
    r"\b(?:technical|tech|engineering|systems?|platform|performance|reliability)\b", re.IGNORECASE
)
_TEAM_WORDS = re.compile(r"\b(?:team|people|culture|org|organi[sz]ation|hr)\b", re.IGNORECASE)
YEAR_IN_TEXT = re.compile(r"(?<![0-9])((?:19|20|21)[0-9]{2})(?![0-9])")
# A section number a word processor puts before a heading: "2.", "2.1", "2.1." ("1\\." in its
# Markdown source, maybe inside bold).
_SECTION_NUMBER = re.compile(r"[0-9]{1,2}\.(?:[0-9]{1,2}\.?)*\s+(?=\S)")
_RAW_SECTION_NUMBER = re.compile(r"((?:\*\*|__)?)\s*[0-9]{1,2}\\?\.(?:[0-9]{1,2}\\?\.?)*\s+(?=\S)")
_CHAPTER = re.compile(r"[0-9]{1,2}\.\s")  # "2. H1 2026": not a version such as "1.0"
_BOLD_LEAD = re.compile(r"(?:\*\*|__)(?P<bold>[^*_\n]+?)(?:\*\*|__)(?P<rest>[^\n]*)")


def line_of(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


def metrics_kind(text: str) -> str | None:
    """ "Technical Metrics" -> "technical", "Team Health" -> "team", else None."""
    technical, team = _TECHNICAL_WORDS.search(text), _TEAM_WORDS.search(text)
    if technical and not team:
        return "technical"
    if team and not technical:
        return "team"
    return None


def bare_name(text: str) -> str:
    """A heading's words without leading emoji or trailing colons ("📊 KPIs:" -> "KPIs")."""
    start = 0
    while start < len(text) and not text[start].isalnum():
        start += 1
    return text[start:].strip(" :")


@dataclass
class Heading:
    """A heading and the role it plays in the document."""

    depth: int
    text: str  # plain text
    raw: str  # the inline Markdown source
    line: int
    found: HeadingPeriod | None
    role: str = "other"  # title|subtitle|period|container|bad-period|month|metrics|rituals|other
    has_items: bool = False  # list items or tables in its section
    has_subheadings: bool = False
    # List items of its own (before its first sub-heading), and period sub-headings: a
    # "## Roadmap" section over "### Q1 2026" is read through its periods, not as a note.
    has_own_items: bool = False
    has_sub_periods: bool = False

    @property
    def spec(self) -> PeriodSpec | None:
        return self.found.spec if self.found is not None else None


def bold_line_period(inline: Token) -> tuple[HeadingPeriod, str] | None:
    """ "**Q1 2026**" or "**Q1 2026:** Foundations" on a line of its own: a period."""
    raw = inline.content.strip()
    match = _BOLD_LEAD.fullmatch(raw)
    if match is None or "\n" in raw:
        return None
    found = heading_period(match["bold"])
    if found is None or found.spec.problem is not None or found.at_end:
        return None
    text = plain_children(inline.children)
    whole = heading_period(text)
    return (whole or found), text


def collect_headings(tokens: list[Token]) -> dict[int, Heading]:
    """Top-level headings by token index, with their sections measured and roles assigned."""
    headings: dict[int, Heading] = {}
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and index + 1 < len(tokens):
            inline = tokens[index + 1]
            text = plain_children(inline.children)
            depth = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
            headings[index] = Heading(
                depth, text, inline.content, line_of(token), heading_period(text)
            )
    _drop_section_numbers(headings.values())
    indices = list(headings)
    ordered = list(headings.values())
    for position, heading in enumerate(ordered):
        end = len(tokens)
        first_sub: int | None = None
        for later_index, later in zip(
            indices[position + 1 :], ordered[position + 1 :], strict=True
        ):
            if later.depth <= heading.depth:
                end = later_index
                break
            heading.has_subheadings = True
            first_sub = later_index if first_sub is None else first_sub
        heading.has_items = _has_items(tokens, indices[position] + 2, end)
        own_end = end if first_sub is None else first_sub
        heading.has_own_items = _has_items(tokens, indices[position] + 2, own_end)
    for position, heading in enumerate(ordered):
        heading.role = _role(ordered, position)
    for position, heading in enumerate(ordered):
        for later in ordered[position + 1 :]:
            if later.depth <= heading.depth:
                break
            if later.role in ("period", "container", "month"):
                heading.has_sub_periods = True
                break
    if ordered and ordered[0].role in ("other", "container"):
        title = ordered[0]
        title.role = "title"
        if len(ordered) > 1 and ordered[1].role in ("other", "container"):
            subtitle = ordered[1]
            # "# 1. Summary" over a paragraph is a section of the document, not its subtitle.
            bare = _heading_alone(tokens, indices[1])
            if (subtitle.depth == title.depth and bare) or YEAR_IN_TEXT.search(subtitle.text):
                subtitle.role = "subtitle"
    return headings


def _heading_alone(tokens: list[Token], index: int) -> bool:
    """Nothing but another heading (or the end) follows the heading opened at ``index``."""
    after = index + 3  # heading_open, inline, heading_close
    return after >= len(tokens) or tokens[after].type == "heading_open"


def _drop_section_numbers(headings: Iterable[Heading]) -> None:
    """A document whose headings a word processor numbered ("# 2. H1 2026", "## 2.1
    Ingestion"): the numbers go, so periods and categories read as their words. Versions
    ("### 1.0 (Q1 2026)") are kept: the document must number a chapter ("2. ")."""
    numbered = [h for h in headings if _SECTION_NUMBER.match(h.text)]
    if len(numbered) < 2 or not any(_CHAPTER.match(h.text) for h in numbered):
        return
    for heading in numbered:
        heading.text = heading.text[_SECTION_NUMBER.match(heading.text).end() :]
        heading.raw = _RAW_SECTION_NUMBER.sub(r"\1", heading.raw, count=1)
        heading.found = heading_period(heading.text)


def _has_items(tokens: list[Token], start: int, end: int) -> bool:
    """List items or tables in a section, up to a bold period line ("**Q1 2026**") that
    starts a section of its own."""
    for token in tokens[start:end]:
        if token.type in ("list_item_open", "table_open"):
            return True
        if token.type == "inline" and token.level == 1 and bold_line_period(token) is not None:
            return False
    return False


def _role(ordered: list[Heading], position: int) -> str:
    heading = ordered[position]
    spec = heading.spec
    if spec is not None and spec.problem is not None:
        return "bad-period"
    if spec is not None and _has_sub_period(ordered, position):
        return "container"  # "## 2026" over "### Q1"/"### Q2"
    empty = not heading.has_items and not heading.has_subheadings
    if spec is not None and spec.kind == "year" and empty:
        return "container"  # "# Plan 2025" with nothing under it
    single_month = spec is not None and spec.kind == "months" and spec.first == spec.last
    if single_month and _inside_period(ordered, position):
        return "month"  # "### January" under "## Q1 2026": due dates
    if spec is not None:
        return "period"
    name = bare_name(heading.text)
    if METRICS_HEADING.fullmatch(name):
        return "metrics"
    if RITUALS_HEADING.fullmatch(name):
        return "rituals"
    return "other"


def _has_sub_period(ordered: list[Heading], position: int) -> bool:
    depth = ordered[position].depth
    for heading in ordered[position + 1 :]:
        if heading.depth <= depth:
            return False
        spec = heading.spec
        single_month = spec is not None and spec.kind == "months" and spec.first == spec.last
        if spec is not None and spec.problem is None and not single_month:
            return True
    return False


def _inside_period(ordered: list[Heading], position: int) -> bool:
    depth = ordered[position].depth
    for heading in reversed(ordered[:position]):
        if heading.depth < depth:
            if heading.spec is not None and heading.spec.problem is None:
                return True
            depth = heading.depth
    return False
