"""How a count goal about people reads when measured from the team roster (the roster reply
and the goal card say it the same way)."""

from __future__ import annotations

from datetime import date

from bot.blocks.text import escape_mrkdwn
from bot.services.team_goals import CountGoalMeasure
from bot.wording import day_text


def _day(day: date) -> str:
    return day_text(day, year=True)  # the one date style, as the roster's "joined" dates


def count_goal_text(g: CountGoalMeasure) -> str:
    """ "3 of 8 on the team now", "2 of 2 joined during Q1 2025", or why it is not known."""
    if g.measured is None:
        if g.roster_start is None:
            return "not measured yet (the team roster is empty: `/roadmap team add @alice`)"
        return (
            f"not measured (the team roster started on {_day(g.roster_start)}, after "
            f"{escape_mrkdwn(g.period)} ended)"
        )
    period = escape_mrkdwn(g.period)
    if g.kind == "size":
        if g.phase == "ended":
            return f"{g.measured} of {g.target} on the team when {period} ended ({_day(g.as_of)})"
        return f"{g.measured} of {g.target} on the team now"
    if g.phase == "upcoming":
        return f"{period} has not started: joiners count from {_day(g.period_start)}"
    when = f"joined during {period}" if g.phase == "ended" else f"joined in {period} so far"
    text = f"{g.measured} of {g.target} {when}"
    if g.partial:
        text += (
            f" (counted since the roster started on {_day(g.roster_start)}; the people on it "
            "that day were on the team already)"
        )
    return text
