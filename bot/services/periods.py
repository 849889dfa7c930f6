"""The roadmap's periods: where the roadmap stands today (one answer every feature uses), and
what people type for a period ("q2", "this quarter") resolved to a roadmap period."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.errors import NotFound
from bot.services.roadmap_document import parse_period_label
from bot.wording import day_text
from models import Period, Workspace


def workspace_today(workspace: Workspace, now: datetime) -> date:
    return now.astimezone(ZoneInfo(workspace.timezone or "UTC")).date()


def periods_of(session: Session, workspace_id: int) -> list[Period]:
    return list(
        session.scalars(
            select(Period)
            .where(Period.workspace_id == workspace_id)
            .order_by(Period.start_date, Period.end_date)
        )
    )


def period_on(periods: list[Period], day: date) -> Period | None:
    """The narrowest period containing `day`."""
    containing = [p for p in periods if p.start_date <= day <= p.end_date]
    return min(containing, key=lambda p: p.end_date - p.start_date, default=None)


class RoadmapState(enum.StrEnum):
    """Where a workspace's roadmap stands on a given day."""

    EMPTY = "empty"  # no period at all: nothing imported yet
    UPCOMING = "upcoming"  # the first period has not started
    RUNNING = "running"  # a period is under way
    BETWEEN = "between periods"  # a gap: one period ended, the next has not started
    ENDED = "ended"  # the last period is over


# The admins hear that the roadmap is ending this long before its last day, when nothing
# follows it; a period's closing rituals (retrospective, quarterly digest) happen from this
# long before its end until CLOSING_AFTER after it, never for a period that ended long ago.
ENDING_NOTICE = timedelta(days=14)
CLOSING_BEFORE = timedelta(days=14)
CLOSING_AFTER = timedelta(days=35)


@dataclass(frozen=True)
class Lifecycle:
    """The roadmap on one day: its state, the period under way (if any), the last one that
    ended and the next one to start."""

    state: RoadmapState
    today: date
    current: Period | None = None
    previous: Period | None = None
    following: Period | None = None

    @property
    def running(self) -> bool:
        return self.state == RoadmapState.RUNNING

    @property
    def last_day(self) -> date | None:
        """The roadmap's last day when nothing is planned after the current period."""
        if self.following is not None:
            return None
        if self.current is not None:
            return self.current.end_date
        return self.previous.end_date if self.previous is not None else None

    def ending_soon(self) -> bool:
        """Ended, or its last period ends within ENDING_NOTICE with nothing after it."""
        if self.state == RoadmapState.ENDED:
            return True
        last = self.last_day
        return (
            self.state == RoadmapState.RUNNING
            and last is not None
            and (last - self.today <= ENDING_NOTICE)
        )


def lifecycle(periods: list[Period], today: date) -> Lifecycle:
    """Where the roadmap stands on `today` (the workspace's date): the one answer every
    feature uses (prompts, digests, retrospectives, lists, the Home tab, the notices)."""
    if not periods:
        return Lifecycle(RoadmapState.EMPTY, today)
    current = period_on(periods, today)
    ended = [p for p in periods if p.end_date < today]
    previous = max(ended, key=lambda p: (p.end_date, p.start_date), default=None)
    later = [p for p in periods if p.start_date > today]
    if current is not None:
        after = [p for p in periods if p.start_date > current.end_date]
        following = min(after, key=lambda p: (p.start_date, p.end_date), default=None)
        if following is None:  # a longer period may go on past the narrowest one
            following = next(
                (p for p in periods if p.end_date > current.end_date and p is not current), None
            )
        return Lifecycle(RoadmapState.RUNNING, today, current, previous, following)
    following = min(later, key=lambda p: (p.start_date, p.end_date), default=None)
    if following is None:
        return Lifecycle(RoadmapState.ENDED, today, None, previous, None)
    if previous is None:
        return Lifecycle(RoadmapState.UPCOMING, today, None, None, following)
    return Lifecycle(RoadmapState.BETWEEN, today, None, previous, following)


def roadmap_lifecycle(session: Session, workspace: Workspace, now: datetime) -> Lifecycle:
    """The workspace's roadmap as of `now` (in the workspace's time zone)."""
    return lifecycle(periods_of(session, workspace.id), workspace_today(workspace, now))


def closing_period(periods: list[Period], day: date) -> Period | None:
    """The period a closing ritual on `day` (a retrospective, a quarterly digest) is about:
    the one whose end is nearest `day`, from CLOSING_BEFORE before its end to CLOSING_AFTER
    after it; None when no period ends near `day`."""
    near = [p for p in periods if p.end_date - CLOSING_BEFORE <= day <= p.end_date + CLOSING_AFTER]
    return min(near, key=lambda p: (abs((day - p.end_date).days), p.start_date), default=None)


def current_period(periods: list[Period], today: date) -> Period | None:
    """The period containing today, else the next one to start, else the last one."""
    found = period_on(periods, today)
    if found:
        return found
    upcoming = [p for p in periods if p.start_date > today]
    if upcoming:
        return upcoming[0]
    return periods[-1] if periods else None


def period_phase(period: Period, today: date) -> str:
    """ "current", "upcoming" or "ended": current_period may return a period not under way."""
    if today > period.end_date:
        return "ended"
    return "upcoming" if today < period.start_date else "current"


def _shift_quarter(day: date, quarters: int) -> date:
    index = day.year * 4 + (day.month - 1) // 3 + quarters
    return date(index // 4, (index % 4) * 3 + 1, 1)


def calendar_quarter(day: date) -> tuple[str, date, date]:
    """The calendar quarter holding `day`: ("Q4 2026", its first day, its last day)."""
    start = _shift_quarter(day, 0)
    end = _shift_quarter(day, 1) - timedelta(days=1)
    return f"Q{(start.month - 1) // 3 + 1} {start.year}", start, end


def day_words(day: date) -> str:
    """A date as people write it: "Wed 31 Dec 2025"."""
    return day_text(day, year=True)


def state_sentence(life: Lifecycle) -> str:
    """The roadmap's state in one sentence, for replies and the Home tab."""
    if life.state == RoadmapState.EMPTY:
        return "There is no roadmap yet: import one with /roadmap import."
    if life.state == RoadmapState.ENDED:
        return f"The roadmap ended on {day_words(life.previous.end_date)}."
    if life.state == RoadmapState.UPCOMING:
        return f"The roadmap starts on {day_words(life.following.start_date)}."
    if life.state == RoadmapState.BETWEEN:
        return (
            f"The roadmap is between periods: {life.previous.label} ended on "
            f"{day_words(life.previous.end_date)} and {life.following.label} starts on "
            f"{day_words(life.following.start_date)}."
        )
    return f"{life.current.label} runs until {day_words(life.current.end_date)}."


def _quarter_period(periods: list[Period], day: date, phrase: str, life: Lifecycle) -> Period:
    """The roadmap period for the calendar quarter holding `day`: the one labelled so, else
    the narrowest one covering the quarter's middle; NotFound when the roadmap has none then
    (never another period in its place)."""
    label, start, end = calendar_quarter(day)
    found = next((p for p in periods if p.label.lower() == label.lower()), None)
    found = found or period_on(periods, start + (end - start) / 2)
    if found is None:
        raise NotFound(
            f"There are no goals in {label} ({phrase}): the roadmap has no period then. "
            f"{state_sentence(life)} The roadmap has: {', '.join(p.label for p in periods)}.",
            field="period",
        )
    return found


def resolve_period(periods: list[Period], query: str, today: date) -> Period:
    """A period by label ("Q2 2025", "q2", "Q3-Q4 2025") or phrase: "this/next/last quarter"
    are calendar quarters; "current" is the period under way."""
    text = query.strip().lower()
    if not periods:
        raise NotFound("There is no roadmap period yet: import a roadmap first.")
    life = lifecycle(periods, today)
    if text in ("this quarter", "next quarter", "last quarter", "previous quarter"):
        shift = {"this": 0, "next": 1}.get(text.split()[0], -1)
        return _quarter_period(periods, _shift_quarter(today, shift), text, life)
    if text in ("current", "now", "this period"):
        if life.current is None:
            raise NotFound(
                f"No period is under way today. {state_sentence(life)} "
                f"The roadmap has: {', '.join(p.label for p in periods)}.",
                field="period",
            )
        return life.current
    if text == "next period":
        found = life.following
    elif text == "last period":
        found = life.previous
    else:
        found = next((p for p in periods if p.label.lower() == text), None)
        if found is None:
            # A bare "q2" means the year the team is working in, not necessarily today's.
            anchor = current_period(periods, today)
            parsed = parse_period_label(query, anchor.start_date.year if anchor else today.year)
            if parsed is not None:
                label, start, _end = parsed
                found = next((p for p in periods if p.label == label), None) or period_on(
                    periods, start
                )
    if found is None:
        known = ", ".join(p.label for p in periods)
        raise NotFound(
            f"I can't find the period '{query}'. The roadmap has: {known}.", field="period"
        )
    return found
