"""The weekly digest as a short summary message and the details for its thread."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.blocks.digests.style import (
    LIST_LIMIT,
    METRIC_LIMIT,
    SUMMARY_ATTENTION,
    Style,
    announcement,
    cap,
    day,
    goal_line,
    message,
    sections,
    signed,
    style_of,
)
from bot.blocks.message import Message, context, section
from bot.blocks.text import truncate
from bot.services.charts import planned_charts
from bot.services.checkins import cycle_monday, cycle_words
from bot.services.digests import ATTENTION_STATUSES, Forecast, MetricStatus, WeeklyDigest
from bot.services.metrics import format_change, format_value, plural
from bot.wording import day_text

HEADLINE_ORDER = ("on-track", "at-risk", "off-track", "blocked", "not-started")


def window_label(d: WeeklyDigest) -> str:
    """ "This week" for the usual seven days, else "Since 3 Feb"."""
    span = d.changes.until - d.changes.since
    if span.days == 7 and not span.seconds:
        return "This week"
    return f"Since {day(d.changes.since.date(), d.today)}"


def weekly_title(d: WeeklyDigest) -> str:
    o = d.overview
    if o.period is None:
        return "Roadmap weekly"
    if o.week == 0:
        return f"Roadmap weekly · {o.period} starts {day(o.start, d.today)}"
    if d.today > o.end:
        return f"Roadmap weekly · {o.period} ended {day(o.end, d.today)}"
    return f"Roadmap weekly · {o.period} · week {o.week} of {o.weeks}"


def headline_lines(d: WeeklyDigest, st: Style) -> list[str]:
    o = d.overview
    if not o.goals:
        return [f"No goals in {o.period} yet: add one with /roadmap add."]
    counts = " · ".join(
        (f"{st.status(s)} " if st.slack else "") + f"{o.by_status[s]} {s}"
        for s in HEADLINE_ORDER
        if o.by_status.get(s)
    )
    lines = [f"{st.bold(plural(o.goals, 'goal'))} · {o.done} done · average progress {o.progress}%"]
    lines.append(counts or "every goal is done")
    c = d.checkins
    if c.active:
        line = checkin_line(c, st)
        if d.attention.silent:
            line += f" · {plural(len(d.attention.silent), 'goal')} silent for two cycles"
        lines.append(line)
    else:
        lines.append("No check-ins yet.")
    return lines


def checkin_line(c, st: Style) -> str:
    """ "Check-ins, week of 3 March: 2 of 3 people (9 of 13 goals)": people first, as the
    check-in asks them; goals without an owner to ask are in the goal count only."""
    week = cycle_words(c.cycle)  # "Week of 3 March"
    said = f"{st.bold('Check-ins, ' + week[:1].lower() + week[1:])}: "
    goals = f"{c.checked_in} of {plural(c.total, 'goal')}"
    if c.people:
        return said + f"{c.people_done} of {plural(c.people, 'person')} ({goals})"
    return said + f"{goals} checked in"


def _changes(r) -> str:
    """ "first reading" for a metric that had none; else how many readings changed it."""
    return "first reading" if r.before is None and r.readings == 1 else plural(r.readings, "change")


def change_counts(d: WeeklyDigest) -> str:
    ch = d.changes
    parts = [
        (len(ch.completed), "completed", "completed"),
        (len(ch.status_changes), "status change", "status changes"),
        (len(ch.progress_moves), "progress move", "progress moves"),
        (len(ch.new_goals), "new goal", "new goals"),
        (sum(r.readings for r in ch.readings), "metric change", "metric changes"),
        (ch.checkins, "check-in", "check-ins"),
    ]
    said = [f"{n} {one if n == 1 else many}" for n, one, many in parts if n]
    return " · ".join(said) if said else "No changes."  # the date is in the label beside it


def _attention_lines(d: WeeklyDigest, st: Style, limit: int) -> list[str]:
    goals = d.attention.goals
    lines = [goal_line(g, st) for g in goals[:limit]]
    hidden: dict[str, int] = {}
    for goal in goals[limit:]:
        hidden[goal.status] = hidden.get(goal.status, 0) + 1
    for status in ATTENTION_STATUSES:
        if hidden.get(status):
            lines.append(f"…and {hidden[status]} more {status}: /roadmap list {status}")
    return lines


def weekly_digest_messages(d: WeeklyDigest) -> tuple[Message, list[Message]]:
    """A short summary for the channel and the details to post in its thread."""
    st = style_of(d, slack=True)
    title = weekly_title(d)
    if d.overview.period is None:
        text = "No roadmap yet: import one with /roadmap import."
        return Message(text=text, blocks=[HeaderBlock(text=title), section(text)]), []
    blocks: list[Block] = [
        HeaderBlock(text=truncate(title, 150)),
        section("\n".join(headline_lines(d, st))),
    ]
    blocks.append(section(f"{st.bold(window_label(d))}: {change_counts(d)}"))
    if d.attention.goals:
        heading = st.bold(f"Needs attention ({len(d.attention.goals)})")
        lines = _attention_lines(d, st, SUMMARY_ATTENTION)
        blocks.extend(sections(heading, lines))
    outlook = _metric_outlook(d, st)
    if outlook:
        blocks.append(section(outlook))
    o = d.overview
    fallback = (
        f"{title}: {plural(o.goals, 'goal')}, {o.done} done, "
        f"{len(d.attention.goals)} need{'s' * (len(d.attention.goals) == 1)} attention."
    )
    details = [
        message("Where we are", where_lines(d, st), key="where"),
        message(
            f"What changed since {day(d.changes.since.date(), d.today)}",
            change_lines(d, st),
            key="changes",
        ),
        message("Needs attention", needs_lines(d, st), key="attention"),
        message("Metrics", metric_lines(d, st), key="metrics"),
        message("Coming up", coming_lines(d, st), key="coming-up"),
    ]
    posted = [m for m in details if m is not None]
    charts = planned_charts(d)
    blocks = [*blocks[:7], context(announcement(posted, charts))]
    return Message(text=fallback, blocks=blocks), posted


def _measured(d: WeeklyDigest) -> list:
    """Metrics with something to say: a reading, or a cadence's count (a real 0 included)."""
    return [m for m in d.metrics if m.latest is not None or m.cadence is not None]


def _metric_outlook(d: WeeklyDigest, st: Style) -> str | None:
    measured = _measured(d)
    if not measured:
        return None
    judged = [m for m in measured if m.on_target is not None]
    on = sum(bool(m.on_target) for m in judged)
    return f"{st.bold('Metrics')}: {on} of {len(judged)} on target" if judged else None


def where_lines(d: WeeklyDigest, st: Style) -> list[list[str]]:
    o = d.overview
    categories = [
        f"• {st.text(c.name)}: {plural(c.goals, 'goal')} · {c.done} done · {c.progress}%"
        for c in o.categories
    ]
    groups = [[st.bold("By category"), *cap(categories, LIST_LIMIT, "…and {n} more categories")]]
    c = d.checkins
    if not c.active:
        groups.append(["No check-ins yet in the last two cycles."])
        return groups
    lines = [checkin_line(c, st)]
    if c.missing_people:
        names = [st.who(p) for p in c.missing_people]
        lines.append("Waiting on: " + ", ".join(cap(names, 20, "and {n} more")))
    unowned = [g.ref for g in c.missing if not g.owners]
    if unowned:
        lines.append("No owner to ask: " + ", ".join(cap(unowned, 20, "and {n} more")))
    groups.append(lines)
    return groups


def change_lines(d: WeeklyDigest, st: Style) -> list[list[str]]:
    ch, here = d.changes, d.overview.period
    more = "…and {n} more"
    groups = []
    if ch.completed:
        lines = [goal_line(g, st, note=False, period=here) for g in ch.completed]
        groups.append([st.bold("Completed"), *cap(lines, LIST_LIMIT, more)])
    if ch.status_changes:
        lines = [
            f"{st.status(c.after)} {st.bold(c.goal.ref)} {st.text(c.goal.title)}: "
            + (f"{c.before} → {c.after}" if c.before else f"now {c.after}")
            for c in ch.status_changes
        ]
        groups.append([st.bold("Status changes"), *cap(lines, LIST_LIMIT, more)])
    if ch.progress_moves:
        lines = [
            f"{st.bold(m.goal.ref)} {st.text(m.goal.title)}: "
            + (
                f"{m.before}% → {m.after}% ({signed(m.after - m.before)})"
                if m.before is not None
                else f"now {m.after}%"
            )
            for m in ch.progress_moves
        ]
        groups.append([st.bold("Progress"), *cap(lines, LIST_LIMIT, more)])
    if ch.new_goals:
        lines = [goal_line(g, st, note=False, period=here) for g in ch.new_goals]
        groups.append([st.bold("New goals"), *cap(lines, LIST_LIMIT, more)])
    if ch.readings:
        lines = [
            f"{st.text(r.name)}: {plural(r.occurrences, r.noun)}"
            if r.occurrences is not None
            else f"{st.text(r.name)}: "
            + (f"{format_value(r.before, r.unit)} → " if r.before is not None else "")
            + f"{format_value(r.after, r.unit)} ({_changes(r)})"
            for r in ch.readings
        ]
        groups.append([st.bold("Metric readings"), *cap(lines, LIST_LIMIT, more)])
    if ch.checkins:
        groups.append([f"{plural(ch.checkins, 'goal')} checked in."])
    return groups or [[change_counts(d)]]


def needs_lines(d: WeeklyDigest, st: Style) -> list[list[str]]:
    groups = []
    if d.attention.goals:
        groups.append(
            [st.bold("At risk, off track or blocked"), *_attention_lines(d, st, LIST_LIMIT)]
        )
    silent = d.attention.silent
    if silent:
        first, last = (cycle_monday(c) for c in d.attention.cycles)
        first, last = (day_text(m, d.today, weekday=False) for m in (first, last))
        weeks = f"the weeks of {first} and {last}"
        lines = [goal_line(g, st, note=False) for g in silent]
        groups.append(
            [
                st.bold(f"No check-in in {weeks} ({len(silent)})"),
                *cap(lines, LIST_LIMIT, "…and {n} more: /roadmap list"),
            ]
        )
    return groups or [
        ["Nothing needs attention. :tada:" if st.slack else "Nothing needs attention."]
    ]


def forecast_text(f: Forecast, unit: str | None, st: Style, today: date) -> str:
    goal = f.goal_kind  # "milestone" or "target"
    if f.state == "met":
        return "on target"
    if f.state == "away":
        higher = f.goal.higher_is_better
        slope = f.slope_per_week
        moving = higher is not None and slope != 0 and (slope > 0) != higher
        rate = f" ({format_change(slope, unit)} a week)" if moving else ""
        return f"moving away from its {goal} {f.goal.text}{rate}"
    if f.state == "flat" and f.slope_per_week == 0:
        return f"holding steady, short of its {goal} {f.goal.text}"
    if f.state == "flat":
        return f"not moving toward its {goal} {f.goal.text}"
    when = day(f.on, today)
    after = ", after the period ends" if f.after_period else ""
    return f"at this rate reaches {format_value(f.goal.value, unit)} around {when}{after}"


# The tools a reading can come from, as people name them ("via GitHub"); the bot's own
# measures (pulse, roster, check-ins, goals, rituals) say "from pulse: 4/5 from 4 of 5".
TOOL_NAMES = {
    "github": "GitHub",
    "gitlab": "GitLab",
    "alertmanager": "Alertmanager",
    "prometheus": "Prometheus",
    "api": "the API",
}


def source_facts(source: str | None, note: str | None, st: Style) -> list[str]:
    """Where a reading came from; nothing for a reading a person typed in Slack."""
    if not source or source in ("command", "modal"):
        return []
    said = f"via {TOOL_NAMES[source]}" if source in TOOL_NAMES else f"from {st.text(source)}"
    return [said + (f": {st.text(note)}" if note else "")]


def metric_line(m: MetricStatus, st: Style, today: date) -> str:
    """`*Code coverage* 80% · target > 85% ✗ · via the API · ↑ +5 pts since last week,
    better · at this rate reaches 85% around 12 Mar`; a cadence metric says its count against
    the ask."""
    name = st.bold(st.text(m.name))
    # a cadence line's count says it all: the latest reading's note is one occurrence's (or,
    # for the sessions held, the count of the day it was recorded)
    sources = source_facts(m.source, None if m.cadence else m.source_note, st)
    if m.cadence is not None:
        mark = {True: " ✓", False: " ✗", None: ""}[m.cadence.met]
        return f"{name} {m.cadence.text}{mark}" + "".join(f" · {s}" for s in sources)
    near = m.verdict.goal.value if m.verdict is not None else None
    line = f"{name} {format_value(m.latest, m.unit, near=near)}"
    if m.stale and m.latest_at is not None:
        line += f" on {day(m.latest_at.date(), today)}"
    facts = []
    if m.verdict is not None:
        facts.append(m.verdict.short)
    elif m.target_text:
        facts.append(f"target {st.text(m.target_text)}")
    facts += sources
    if m.change is not None:
        arrow = "↑" if m.change > 0 else "↓" if m.change < 0 else "→"
        how = {"better": ", better", "worse": ", worse"}.get(m.trend or "", "")
        change = "no change" if m.change == 0 else format_change(m.change, m.unit)
        facts.append(f"{arrow} {change} since last week{how}")
    if m.forecast is not None and not (m.forecast.state == "met" and m.verdict is None):
        facts.append(forecast_text(m.forecast, m.unit, st, today))
    return line + (" · " + " · ".join(facts) if facts else "")


def metric_lines(d: WeeklyDigest, st: Style) -> list[list[str]]:
    counted = _measured(d)
    measured = [metric_line(m, st, d.today) for m in counted]
    silent = [st.text(m.name) for m in d.metrics if m not in counted]
    groups = []
    if measured:
        groups.append(cap(measured, METRIC_LIMIT, "…and {n} more: /roadmap metrics"))
    if silent:
        groups.append(["No readings yet: " + ", ".join(cap(silent, 20, "and {n} more"))])
    return groups or [["No metrics yet."]]


def coming_lines(d: WeeklyDigest, st: Style) -> list[list[str]]:
    """The next date of each ritual, with the presenter and topic when they are known."""
    up = d.coming_up
    lines = []
    for kind, label in (
        ("knowledge_sharing", "Knowledge sharing"),
        ("retrospective", "Retrospective"),
    ):
        next_one = getattr(up, kind)
        if next_one is None:
            continue
        if next_one.paused:
            lines.append(f"{st.bold(label)}: paused")
            continue
        when = day_text(next_one.on, d.today)
        if next_one.at is not None:
            local = next_one.at.astimezone(ZoneInfo(d.timezone))
            when += f" {local:%H:%M}"
        who = f": {st.who(next_one.presenter)}" if next_one.presenter else ""
        topic = f" — {st.text(next_one.topic)}" if next_one.topic else ""
        lines.append(f"{st.bold(label)} {when}{who}{topic}")
    return [lines or ["Nothing scheduled."]]
