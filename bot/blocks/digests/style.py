"""Shared pieces of the digest builders: how text is written, lines, and packing lines into
sections and messages within Slack's limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import Block

from bot.blocks.goals import STATUS_EMOJI
from bot.blocks.message import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT, Message, section
from bot.blocks.text import escape_mrkdwn, truncate
from bot.services.charts import ChartPlan
from bot.services.digests import GoalItem, QuarterlyDigest, WeeklyDigest
from bot.wording import day_text

SUMMARY_ATTENTION = 3  # goals needing attention named in the summary
LIST_LIMIT = 15  # lines per list in a thread message (or printed by the CLI)
METRIC_LIMIT = 20
TITLE_CHARS = 150
NOTE_CHARS = 200


@dataclass(frozen=True)
class Style:
    """How text is written: Slack mrkdwn (escaped, emoji, maybe mentions) or plain text."""

    slack: bool
    people: dict[str, str]
    mentions: bool

    def text(self, value: str, limit: int = TITLE_CHARS) -> str:
        short = truncate(" ".join(value.split()), limit)
        return escape_mrkdwn(short) if self.slack else short

    def bold(self, value: str) -> str:
        return f"*{value}*" if self.slack else value

    def status(self, status: str) -> str:
        return STATUS_EMOJI.get(status, "") if self.slack else f"[{status}]"

    def who(self, owner: str) -> str:
        """A mention only when the workspace allows it; otherwise a name that pings nobody."""
        if owner[:1] in ("U", "W") and owner.isalnum():
            if self.slack and self.mentions:
                return f"<@{owner}>"
            name = self.people.get(owner)
            if name:
                return self.text(name, 80)
            return f"`{owner}`" if self.slack else owner
        return self.text(owner, 80)


def style_of(d: WeeklyDigest | QuarterlyDigest, slack: bool) -> Style:
    return Style(slack=slack, people=d.people, mentions=d.mentions)


def day(day: date, today: date | None = None) -> str:
    return day_text(day, today, weekday=False)


def signed(value: float) -> str:
    return f"{value:+g}".replace("-", "−")


def cap(lines: list[str], limit: int, more: str) -> list[str]:
    """The first `limit` lines, and a line saying how many more there are."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], more.format(n=len(lines) - limit)]


def _owners(goal: GoalItem, st: Style) -> str:
    names = [st.who(o) for o in goal.owners[:5]]
    if len(goal.owners) > 5:
        names.append(f"+{len(goal.owners) - 5}")
    return ", ".join(names) or "no owner"


def goal_line(goal: GoalItem, st: Style, *, note: bool = True, period: str | None = None) -> str:
    """`:red_circle: *G4* Title · owners · 40%` (and the period when it is not `period`)."""
    line = (
        f"{st.status(goal.status)} {st.bold(goal.ref)} {st.text(goal.title)}"
        f" · {_owners(goal, st)} · {goal.progress}%"
    )
    if period and goal.period and goal.period != period:
        line += f" · {st.text(goal.period)}"
    if note and goal.note:
        line += f"\n      ↳ {st.text(goal.note, NOTE_CHARS)}"
    return line


def sections(heading: str | None, lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as fit, each under Slack's 3,000 characters."""
    texts, current = [], heading or ""
    for line in lines:
        line = truncate(line, MAX_SECTION_TEXT // 2)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_TEXT:
            texts.append(current)
            candidate = line
        current = candidate
    if current:
        texts.append(current)
    return [section(t) for t in texts]


def message(title: str, groups: list[list[str]], *, key: str) -> Message | None:
    """A thread message: a bold title, then one or more sections per group of lines; `key`
    names it among the digest's parts."""
    blocks: list[Block] = []
    for i, group in enumerate(groups):
        heading = f"*{title}*" if i == 0 else None
        blocks.extend(sections(heading, group))
    if not blocks:
        return None
    return Message(text=title, blocks=blocks[:MAX_MESSAGE_BLOCKS], key=key)


# What the summary calls each part of the thread, by the part's key (and each picture's kind).
PART_NAMES = {
    "where": "where we are",
    "changes": "what changed",
    "attention": "needs attention",
    "metrics": "metrics",
    "coming-up": "coming up",
    "achieved": "achieved",
    "not-done": "not done",
}
CHART_NAMES = {
    "goals": "a chart of the goals by category",
    "metrics": "a chart of the metrics",
    "sparklines": "a picture of the metrics",
}
ANNOUNCEMENT = "In the thread: "


def announcement(parts: list[Message], charts: list[ChartPlan]) -> str:
    """The summary's promise, made from the parts and pictures that will be in the thread, so
    it names each of them and nothing else."""
    names = [PART_NAMES.get(m.key or "", m.text.lower()) for m in parts]
    names += [CHART_NAMES[c.kind] for c in charts]
    if not names:
        return "Nothing more in the thread."
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{ANNOUNCEMENT}{listed}."


def announced(summary: Message) -> tuple[set[str], set[str]]:
    """(part keys, chart kinds) a summary's announcement names: what the invariant tests
    compare with what is posted."""
    text = ""
    for block in summary.to_dict()["blocks"]:
        for element in block.get("elements", []):
            if element.get("text", "").startswith(ANNOUNCEMENT):
                text = element["text"][len(ANNOUNCEMENT) :]
    charts = {kind for kind, name in CHART_NAMES.items() if name in text}
    for kind in charts:
        text = text.replace(CHART_NAMES[kind], "")
    names = {part.strip(" .") for chunk in text.split(", ") for part in chunk.split(" and ")}
    parts = {key for key, name in PART_NAMES.items() if name in names}
    return parts, charts
