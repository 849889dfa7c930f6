"""The quarterly progress digest as a short summary message and the details for its thread."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.blocks.digests.style import (
    LIST_LIMIT,
    METRIC_LIMIT,
    Style,
    announcement,
    cap,
    day,
    goal_line,
    message,
    sections,
    style_of,
)
from bot.blocks.digests.weekly import source_facts  # issue 20
from bot.blocks.message import Message, context, section
from bot.blocks.text import truncate
from bot.services.charts import planned_charts
from bot.services.digests import QuarterlyDigest
from bot.services.metrics import format_value, plural


def quarterly_title(d: QuarterlyDigest) -> str:
    if d.period is None:
        return "Roadmap progress"
    return f"{d.period} in review" if d.ended else f"{d.period} so far"


def headline_lines(d: QuarterlyDigest, st: Style) -> list[str]:
    if not d.goals:
        return [f"{d.period} had no goals."]
    goals = plural(d.goals, "goal")
    line = st.bold(f"{d.done} of {goals} done ({d.rate:.0%})")
    p = d.previous
    if p is not None and p.goals:
        delta = round((d.rate - p.rate) * 100)
        trend = "up" if delta > 0 else "down" if delta < 0 else "level"
        line += f" · {trend} from {p.rate:.0%} in {st.text(p.label)}"
    lines = [line]
    if d.missed:
        unmarked = sum(m.unmarked for m in d.missed)
        at_100 = f" ({unmarked} at 100% but not marked done)" if unmarked else ""
        carried = f", {d.carried} carried over" if d.carried else ""
        lines.append(f"{len(d.missed)} not done{at_100}{carried}")
    return lines


def category_lines(d: QuarterlyDigest, st: Style) -> list[str]:
    lines = [
        f"• {st.text(c.name)}: {c.done} of {plural(c.goals, 'goal')} done ({c.rate:.0%})"
        f" · average {c.progress}%"
        for c in d.categories
    ]
    return cap(lines, LIST_LIMIT, "…and {n} more categories")


def milestone_summary(d: QuarterlyDigest, st: Style) -> str | None:
    """ "Metrics: 1 of 1 milestone met · 1 of 3 targets met", or None with no readings."""
    parts = []
    for attribute, noun in (("met_milestone", "milestone"), ("met_target", "target")):
        judged = [getattr(m, attribute) for m in d.metrics if getattr(m, attribute) is not None]
        if judged:
            parts.append(f"{sum(judged)} of {plural(len(judged), noun)} met")
    return f"{st.bold('Metrics')}: " + " · ".join(parts) if parts else None


def quarterly_digest_messages(d: QuarterlyDigest) -> tuple[Message, list[Message]]:
    """A short summary for the channel and the details (achieved, missed, metrics) for its
    thread; the chart is uploaded beside them."""
    st = style_of(d, slack=True)
    title = quarterly_title(d)
    if d.period is None:
        text = "No roadmap yet: import one with /roadmap import."
        return Message(text=text, blocks=[HeaderBlock(text=title), section(text)]), []
    blocks: list[Block] = [HeaderBlock(text=truncate(title, 150))]
    blocks.append(section("\n".join(headline_lines(d, st))))
    if d.categories:
        blocks.extend(sections(st.bold("By category"), category_lines(d, st)))
    summary = milestone_summary(d, st)
    if summary:
        blocks.append(section(summary))
    fallback = f"{title}: {d.done} of {plural(d.goals, 'goal')} done."
    details = [
        message("Achieved", [achieved_lines(d, st)], key="achieved"),
        message("Not done", [missed_lines(d, st)], key="not-done"),
        message("Metrics", [outcome_lines(d, st)], key="metrics"),
    ]
    posted = [m for m in details if m is not None]
    blocks = [*blocks[:7], context(announcement(posted, planned_charts(d)))]
    return Message(text=fallback, blocks=blocks), posted


def achieved_lines(d: QuarterlyDigest, st: Style) -> list[str]:
    lines = [goal_line(g, st, note=False) for g in d.achieved]
    return cap(lines, LIST_LIMIT * 2, "…and {n} more") or ["Nothing was completed."]


def missed_lines(d: QuarterlyDigest, st: Style) -> list[str]:
    lines = []
    for missed in d.missed:
        line = goal_line(missed.goal, st, note=False)
        if missed.unmarked:
            line += f" — not marked done: /roadmap done {missed.goal.ref}"
        if missed.carried_to:
            line += f" → carried over ({st.text(missed.carried_to, 40)})"
        lines.append(line)
    return cap(lines, LIST_LIMIT * 2, "…and {n} more") or ["Every goal was done."]


def outcome_lines(d: QuarterlyDigest, st: Style) -> list[str]:
    """Each metric's value at the end of the period (dated) against what it is judged by:
    this period's milestone when there is one, else the final target; a cadence metric's
    count of occurrences against the ask."""
    lines = []
    for m in d.metrics:
        name = st.bold(st.text(m.name))
        if m.cadence is not None:
            mark = {True: " ✓", False: " ✗", None: ""}[m.cadence.met]
            lines.append(f"{name} {m.cadence.text}{mark}")
            continue
        if m.value is None:
            if m.milestone is not None:
                lines.append(f"{name} no reading · milestone {m.milestone.text}")
            continue
        near = m.verdict.goal.value if m.verdict is not None else None
        line = f"{name} {format_value(m.value, m.unit, near=near)}"
        if m.value_at is not None:
            line += f" on {day(m.value_at.date(), d.now.date())}"
            if m.stale:
                line += ", before the period"
        if m.verdict is not None:
            line += f" · {m.verdict.short}"
        elif m.target_text:
            line += f" · target {st.text(m.target_text)}"
        v = m.verdict
        # The final target's own mark, after "· final ≥ 99.99%" (a milestone equal to the
        # final target has one mark, not "✓ ✓").
        final_apart = v is not None and v.final is not None and v.final != v.goal
        if final_apart and v.kind == "milestone" and m.met_target is not None:
            line += " ✓" if m.met_target else " ✗"
        line += "".join(f" · {fact}" for fact in source_facts(m.source, m.source_note, st))
        lines.append(line)
    return cap(lines, METRIC_LIMIT, "…and {n} more: /roadmap metrics") or ["No readings."]
