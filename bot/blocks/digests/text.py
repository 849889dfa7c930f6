"""The digests as plain text, for the CLI's preview."""

from __future__ import annotations

from bot.blocks.digests import quarterly as q
from bot.blocks.digests import weekly as w
from bot.blocks.digests.style import day, style_of
from bot.services.digests import QuarterlyDigest, WeeklyDigest

NO_ROADMAP = "No roadmap yet: import one with /roadmap import."


def digest_text(d: WeeklyDigest | QuarterlyDigest) -> str:
    """The digest as plain text, for `python -m bot digest … --preview`."""
    st = style_of(d, slack=False)
    if isinstance(d, WeeklyDigest):
        title = w.weekly_title(d)
        if d.overview.period is None:
            return f"{title}\n{NO_ROADMAP}\n"
        since = day(d.changes.since.date(), d.today)
        parts = [
            (title, w.headline_lines(d, st)),
            ("Where we are", _flat(w.where_lines(d, st))),
            (f"What changed since {since}", _flat(w.change_lines(d, st))),
            ("Needs attention", _flat(w.needs_lines(d, st))),
            ("Metrics", _flat(w.metric_lines(d, st))),
            ("Coming up", _flat(w.coming_lines(d, st))),
        ]
    else:
        title = q.quarterly_title(d)
        if d.period is None:
            return f"{title}\n{NO_ROADMAP}\n"
        summary = q.milestone_summary(d, st)
        parts = [
            (title, q.headline_lines(d, st) + ([summary] if summary else [])),
            ("By category", q.category_lines(d, st)),
            ("Achieved", q.achieved_lines(d, st)),
            ("Not done", q.missed_lines(d, st)),
            ("Metrics", q.outcome_lines(d, st)),
        ]
    out: list[str] = []
    for heading, lines in parts:
        out += [heading, ("-" if out else "=") * len(heading)]
        out += [line.replace("• ", "- ") for line in lines]
        out.append("")
    return "\n".join(out)


def _flat(groups: list[list[str]]) -> list[str]:
    return [line for group in groups for line in group]
