"""Markdown tables: metrics tables (Metric / Today / Target) and goal tables (Goal / Owner /
Status / Quarter), read into rows of named cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from .text import plain_children

# Column roles by header words; the first role whose pattern matches a header wins.
COLUMN_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("metric", re.compile(r"metrics?|kpis?|measures?|indicators?|key\s+metrics?", re.I)),
    ("baseline", re.compile(r"today|baseline|current|now|start(?:ing)?|from|actual|as\s+is", re.I)),
    ("target", re.compile(r"targets?|goal\s+value|to|desired|end|to\s+be", re.I)),
    (
        "title",
        re.compile(
            r"goals?|titles?|names?|initiatives?|deliverables?|milestones?|features?|projects?|"
            r"epics?|items?|key\s+results?|objectives?|outcomes?|work|summary|issues?|tickets?|"
            r"stor(?:y|ies)|tasks?",
            re.I,
        ),
    ),
    (
        "period",
        re.compile(
            r"quarters?|periods?|half|when|timeline|timeframe|phase|fix\s+versions?|versions?|"
            r"releases?|target\s+quarter",
            re.I,
        ),
    ),
    ("category", re.compile(r"teams?|categor(?:y|ies)|areas?|themes?|streams?|groups?", re.I)),
    ("owner", re.compile(r"owners?|assignees?|leads?|dri|responsible|who|people", re.I)),
    ("status", re.compile(r"status|states?|progress\s+status|health", re.I)),
    ("due", re.compile(r"due(?:\s+date)?|deadline|eta|target\s+date|date|by", re.I)),
    ("progress", re.compile(r"progress|%\s*done|percent(?:age)?(?:\s+done)?|completion", re.I)),
    ("note", re.compile(r"notes?|comments?|blockers?|blocked\s+(?:by|on)|remarks?", re.I)),
)


def column_role(header: str) -> str | None:
    """The role a column plays from its header ("Today" -> "baseline"), None when unknown."""
    text = " ".join(re.sub(r"[^\w%\s]", " ", header).split())
    return next((role for role, pattern in COLUMN_ROLES if pattern.fullmatch(text)), None)


@dataclass
class TableRow:
    line: int
    cells: dict[str, str] = field(default_factory=dict)  # role -> raw Markdown of the cell
    plain: dict[str, str] = field(default_factory=dict)  # role -> plain text


@dataclass
class Table:
    line: int
    roles: list[str | None]
    headers: list[str]
    rows: list[TableRow]
    end: int  # index of the table_close token

    def kind(self, in_metrics: bool) -> str | None:
        """ "metrics", "goals" or None (a table the reader does not use)."""
        roles = set(self.roles)
        if in_metrics or ("metric" in roles and roles & {"target", "baseline"}):
            return "metrics"
        if "title" in roles:
            return "goals"
        return None


def read_table(tokens: list[Token], index: int) -> Table:
    """The table opened at ``tokens[index]``, cells by column role."""
    line = tokens[index].map[0] + 1 if tokens[index].map else 1
    headers: list[str] = []
    rows: list[TableRow] = []
    current: list[tuple[str, str]] | None = None
    row_line = line
    position = index
    for position in range(index + 1, len(tokens)):
        token = tokens[position]
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            current = []
            row_line = token.map[0] + 1 if token.map else row_line
        elif token.type == "inline" and current is not None:
            current.append((token.content, plain_children(token.children)))
        elif token.type == "tr_close" and current is not None:
            if not headers:
                headers = [plain for _, plain in current]
            else:
                rows.append(_row(row_line, current))
            current = None
    roles = _fix_roles([column_role(h) for h in headers])
    if "metric" not in roles and "title" not in roles and roles and roles[0] is None:
        roles[0] = "metric" if {"target", "baseline"} & set(roles) else "title"
    for row in rows:
        cells, plain = row.cells, row.plain
        row.cells, row.plain = {}, {}
        for column, role in enumerate(roles):
            key = str(column)
            if role is not None and key in cells and role not in row.cells:
                row.cells[role], row.plain[role] = cells[key], plain[key]
    return Table(line, roles, headers, rows, position)


def _fix_roles(roles: list[str | None]) -> list[str | None]:
    """ "Metric | Baseline | Goal": the goal is the target; "Name | Today | Target": the name
    is the metric."""
    present = set(roles)
    if "metric" in present and "title" in present and "target" not in present:
        roles = ["target" if r == "title" else r for r in roles]
    elif (
        "metric" not in present
        and "title" in present
        and {"target", "baseline"} & present
        and not present & {"owner", "status", "due", "progress"}
    ):
        roles = ["metric" if r == "title" else r for r in roles]
    return roles


def _row(line: int, cells: list[tuple[str, str]]) -> TableRow:
    row = TableRow(line)
    for column, (raw, plain) in enumerate(cells):
        row.cells[str(column)], row.plain[str(column)] = raw, plain
    return row


# What a tracker writes in an owner cell for no owner.
_NOBODY = re.compile(r"unassigned|none|nobody|n/?a|tbd|tba|[-\u2013\u2014?]", re.I)


def owner_handles(cell: str) -> list[str]:
    """ "@alice, Bob Stone, ada@example.com" -> the owners as written: handles, names and
    e-mail addresses, which the people directory resolves to members when the roadmap is
    imported (a name matching nobody is kept as written and reported)."""
    return [
        " ".join(part.split())
        for part in re.split(r"\s*(?:[,&/;+]|\band\b)\s*", cell.strip())
        if part.strip() and not _NOBODY.fullmatch(part.strip())
    ]
