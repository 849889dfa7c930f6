"""Innovation time: the check-in's optional question, "About how much of your time went to
innovation last week?", part of each roster member's check-in message (so it reaches them at
their own local hour, with their round) while the roadmap has an innovation metric.

The check-in opens the week (Monday by default), when "this week" has barely begun: the answer
is about the week that ended, and is recorded as that week (`week_worked`), which is the week
every reading and display names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput, PermissionDenied
from bot.services.team import on_roster
from bot.services.team_metrics import has_metric
from models import CheckinRound, InnovationAnswer, Workspace
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


def week_worked(cycle: str) -> date:
    """The Monday of the week an answer in the check-in of `cycle` is about: the one before."""
    return week_of(cycle) - timedelta(days=7)


@dataclass(frozen=True)
class InnovationAsk:
    """The question as one person's check-in message shows it."""

    percent: int | None  # their answer for the week, once given


def ask_of(session: Session, workspace_id: int, person: str, cycle: str) -> InnovationAsk | None:
    """The question in `person`'s check-in of `cycle`, or None: only while the roadmap has an
    innovation metric, and only for people on the team roster."""
    if not has_metric(session, workspace_id, "checkins"):
        return None
    if not on_roster(session, workspace_id, person):
        return None
    percent = session.scalar(
        select(InnovationAnswer.percent).where(
            InnovationAnswer.workspace_id == workspace_id,
            InnovationAnswer.user_id == person,
            InnovationAnswer.cycle == cycle,
        )
    )
    return InnovationAsk(percent)


def answer_in_round(
    *, session: Session, workspace: Workspace, round_: CheckinRound, user_id: str, percent: int
) -> None:
    """A button of the question in a check-in message: the week's answer of the person it
    asks (pressing another choice replaces it); refused for anyone else."""
    if user_id != round_.person:
        raise PermissionDenied(
            "This innovation question is part of someone else's check-in; yours is in your own "
            "check-in message. Nothing was recorded."
        )
    if ask_of(session, workspace.id, user_id, round_.cycle) is None:
        raise InvalidInput(
            "Innovation time is asked only of the people on the team roster while the roadmap "
            "has an innovation metric, so this answer was not recorded."
        )
    record_answer(
        session=session, workspace=workspace, user_id=user_id, cycle=round_.cycle, percent=percent
    )


def record_answer(
    *, session: Session, workspace: Workspace, user_id: str, cycle: str, percent: int
) -> None:
    """One answer per person and week; pressing another choice replaces it."""
    if percent not in CHOICES:
        raise InvalidInput("Innovation time is one of 0, 10, 20, 30 or 50%.")
    week = week_worked(cycle)
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
