"""Innovation time: the check-in's optional question, "About how much of your time went to
innovation this week?", asked once a cycle of each person on the roster (or, without a
roster, of each person prompted in a DM) when the roadmap has an innovation metric."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.checkins import first_time
from bot.services.errors import InvalidInput
from bot.services.team import roster_ids
from bot.services.team_metrics import has_metric
from models import InnovationAnswer, Workspace
from models.base import insert_ignoring_conflicts

CHOICES = (0, 10, 20, 30, 50)
_CYCLE = re.compile(r"(?P<year>[0-9]{4})-W(?P<week>[0-9]{2})")


def week_of(cycle: str) -> date:
    match = _CYCLE.fullmatch(cycle or "")
    if not match:
        raise InvalidInput(f"'{cycle}' is not a check-in week.")
    try:
        return date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
    except ValueError:
        raise InvalidInput(f"'{cycle}' is not a check-in week.") from None


def people_to_ask(
    session: Session, workspace: Workspace, cycle: str, prompted: list[str]
) -> list[str]:
    """Who gets the question this cycle (each once, however often the prompts run)."""
    if not has_metric(session, workspace.id, "checkins"):
        return []
    people = roster_ids(session, workspace.id) or [p for p in prompted if p[:1] in "UW"]
    return [
        p
        for p in dict.fromkeys(people)
        if first_time(session, f"innovation:{workspace.id}:{cycle}:{p}", None, "innovation")
    ]


def record_answer(
    *, session: Session, workspace: Workspace, user_id: str, cycle: str, percent: int
) -> None:
    """One answer per person and week; pressing another choice replaces it."""
    if percent not in CHOICES:
        raise InvalidInput("Innovation time is one of 0, 10, 20, 30 or 50%.")
    week = week_of(cycle)
    values = {
        "workspace_id": workspace.id,
        "user_id": user_id,
        "cycle": cycle,
        "week_start": week,
        "percent": percent,
    }
    if not insert_ignoring_conflicts(
        session, InnovationAnswer, values, ["workspace_id", "user_id", "cycle"]
    ):
        row = session.scalar(
            select(InnovationAnswer).where(
                InnovationAnswer.workspace_id == workspace.id,
                InnovationAnswer.user_id == user_id,
                InnovationAnswer.cycle == cycle,
            )
        )
        row.percent = percent
    session.flush()
