"""Resolve what people type for a period ("q2", "this quarter") to a roadmap period."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.errors import NotFound
from bot.services.roadmap_document import parse_period_label
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


def resolve_period(periods: list[Period], query: str, today: date) -> Period:
    """A period by label ("Q2 2025", "q2", "Q3-Q4 2025") or phrase ("this/next/last quarter")."""
    text = query.strip().lower()
    if not periods:
        raise NotFound("There is no roadmap period yet: import a roadmap first.")
    if text in ("this quarter", "current", "now", "this period"):
        found = current_period(periods, today)
    elif text in ("next quarter", "next period"):
        found = period_on(periods, _shift_quarter(today, 1))
    elif text in ("last quarter", "previous quarter", "last period"):
        found = period_on(periods, _shift_quarter(today, -1))
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
