"""Knowledge sharing: who presents each occurrence (a rotation through the team), on what
topic, and whether it was held, skipped or handed to someone else.

An occurrence (`RitualOccurrence`) is one knowledge-sharing session as people call it; in code
"session" is the database session and nothing else.

The rotation is `Schedule.options["presenters"]` (user ids, in order) or the members of
`options["presenters_channel"]`. Services never call Slack: whoever knows the channel's members
passes them in, and they are remembered in `options["presenters_channel_members"]` for the
clock, which creates each occurrence when its first reminder goes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, admins_phrase, is_roadmap_admin
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.metrics import record_reading
from bot.services.periods import workspace_today
from bot.services.schedules import schedule_zone
from bot.wording import day_text
from models import AuditEntry, Member, Metric, RitualOccurrence, Schedule, Workspace
from models.base import insert_ignoring_conflicts

KIND = "knowledge_sharing"
ROSTER_CACHE = "presenters_channel_members"
HELD_METRIC = "knowledge-sharing-sessions"  # the sample roadmap's "Knowledge sharing sessions"
MAX_TOPIC = 200
LOOK_BACK_OCCURRENCES = 50  # enough history to find where the rotation stands


@dataclass(frozen=True)
class OccurrenceView:
    """One occurrence (a knowledge-sharing session) as people see it."""

    id: int
    schedule_id: int
    occurrence_date: date
    presenter: str | None  # a Slack user id
    topic: str | None
    state: str  # planned | held | skipped
    held_at: datetime | None
    timezone: str  # the schedule's zone, for showing its time


@dataclass(frozen=True)
class OccurrenceChange:
    """What one button or modal did to an occurrence, for the message and the people told."""

    occurrence: OccurrenceView
    action: str  # volunteer | swap | skip | topic | held
    by: str
    previous_presenter: str | None = None
    tell: str | None = None  # someone to tell by DM (the new presenter of a swap)
    reading_recorded: bool = False  # held: a reading of the knowledge-sharing metric


def _view(ritual: RitualOccurrence, timezone: str) -> OccurrenceView:
    return OccurrenceView(
        id=ritual.id,
        schedule_id=ritual.schedule_id,
        occurrence_date=ritual.occurrence_date,
        presenter=ritual.presenter_user_id,
        topic=ritual.topic,
        state=ritual.state,
        held_at=ritual.held_at,
        timezone=timezone,
    )


def uses_channel_roster(schedule: Schedule) -> str | None:
    """The channel whose members present, when the schedule rotates through one."""
    options = schedule.options or {}
    if options.get("presenters"):
        return None
    return options.get("presenters_channel") or None


def presenter_pool(schedule: Schedule) -> list[str]:
    """The people who take turns, in order, without duplicates."""
    options = schedule.options or {}
    listed = options.get("presenters") or []
    if not listed and options.get("presenters_channel"):
        listed = options.get(ROSTER_CACHE) or []
    return [str(u) for u in dict.fromkeys(listed) if u]


def remember_roster(schedule: Schedule, members: Sequence[str]) -> None:
    """Store a channel's members as the rotation (written only when it changed)."""
    members = [m for m in dict.fromkeys(members) if m]
    options = dict(schedule.options or {})
    if options.get(ROSTER_CACHE) != members:
        options[ROSTER_CACHE] = members
        schedule.options = options


def next_presenter(
    session: Session, workspace_id: int, schedule_id: int, pool: list[str], day: date
) -> str | None:
    """The one after the last occurrence's presenter (before `day`), skipping people away."""
    if not pool:
        return None
    earlier = session.scalars(
        select(RitualOccurrence.presenter_user_id)
        .where(
            RitualOccurrence.workspace_id == workspace_id,
            RitualOccurrence.schedule_id == schedule_id,
            RitualOccurrence.occurrence_date < day,
            RitualOccurrence.presenter_user_id.is_not(None),
        )
        .order_by(RitualOccurrence.occurrence_date.desc())
        .limit(LOOK_BACK_OCCURRENCES)
    )
    start = 0
    for presenter in earlier:
        if presenter in pool:
            start = pool.index(presenter) + 1
            break
    away = set(
        session.scalars(
            select(Member.user_id).where(
                Member.workspace_id == workspace_id,
                Member.user_id.in_(pool),
                Member.away_until.is_not(None),
                Member.away_until >= day,
            )
        )
    )
    for step in range(len(pool)):
        candidate = pool[(start + step) % len(pool)]
        if candidate not in away:
            return candidate
    return None


def prepare_occurrence(
    *,
    session: Session,
    workspace: Workspace,
    schedule: Schedule,
    occurrence_date: date,
    channel_members: Sequence[str] | None = None,
) -> OccurrenceView:
    """The occurrence on `occurrence_date`, created (once) with the next presenter in the rotation.

    `channel_members`: the presenters channel's members, when the caller could ask Slack.
    """
    zone = schedule_zone(schedule, workspace).key
    if channel_members is not None and uses_channel_roster(schedule):
        remember_roster(schedule, channel_members)
    existing = _find(session, schedule.id, occurrence_date)
    if existing is not None:
        return _view(existing, zone)
    presenter = next_presenter(
        session, workspace.id, schedule.id, presenter_pool(schedule), occurrence_date
    )
    insert_ignoring_conflicts(
        session,
        RitualOccurrence,
        {
            "workspace_id": workspace.id,
            "schedule_id": schedule.id,
            "kind": KIND,
            "occurrence_date": occurrence_date,
            "presenter_user_id": presenter,
            "state": "planned",
        },
        ["schedule_id", "occurrence_date"],
    )
    return _view(_find(session, schedule.id, occurrence_date), zone)


def upcoming_occurrence(
    *, session: Session, workspace: Workspace, schedule: Schedule, occurrence_date: date
) -> tuple[OccurrenceView, bool]:
    """The occurrence on `occurrence_date` as it stands, or as prepare_occurrence would make
    it (id 0, the next presenter in turn), writing nothing. True when it exists already."""
    zone = schedule_zone(schedule, workspace).key
    existing = _find(session, schedule.id, occurrence_date)
    if existing is not None:
        return _view(existing, zone), True
    presenter = next_presenter(
        session, workspace.id, schedule.id, presenter_pool(schedule), occurrence_date
    )
    view = OccurrenceView(
        id=0,
        schedule_id=schedule.id,
        occurrence_date=occurrence_date,
        presenter=presenter,
        topic=None,
        state="planned",
        held_at=None,
        timezone=zone,
    )
    return view, False


def _find(session: Session, schedule_id: int, day: date) -> RitualOccurrence | None:
    return session.scalar(
        select(RitualOccurrence).where(
            RitualOccurrence.schedule_id == schedule_id, RitualOccurrence.occurrence_date == day
        )
    )


def _load(
    session: Session, workspace: Workspace, occurrence_id: int
) -> tuple[RitualOccurrence, str]:
    """The occurrence (locked for the change) and its schedule's zone, within the workspace."""
    row = session.execute(
        select(RitualOccurrence, Schedule)
        .join(Schedule, Schedule.id == RitualOccurrence.schedule_id)
        .where(
            RitualOccurrence.workspace_id == workspace.id,
            RitualOccurrence.id == occurrence_id,
            RitualOccurrence.kind == KIND,
        )
        .with_for_update(of=RitualOccurrence)
    ).first()
    if row is None:
        raise NotFound("That knowledge-sharing session no longer exists.")
    ritual, schedule = row
    return ritual, schedule_zone(schedule, workspace).key


def roster_channel(*, session: Session, workspace: Workspace, occurrence_id: int) -> str | None:
    """The channel whose members rotate for this occurrence's schedule, if any."""
    schedule = session.scalar(
        select(Schedule)
        .join(RitualOccurrence, RitualOccurrence.schedule_id == Schedule.id)
        .where(RitualOccurrence.id == occurrence_id, RitualOccurrence.workspace_id == workspace.id)
    )
    return uses_channel_roster(schedule) if schedule is not None else None


def refresh_roster(
    *, session: Session, workspace: Workspace, occurrence_id: int, members: Sequence[str]
) -> None:
    """Remember the presenters channel's current members for the next occurrences."""
    schedule = session.scalar(
        select(Schedule)
        .join(RitualOccurrence, RitualOccurrence.schedule_id == Schedule.id)
        .where(RitualOccurrence.id == occurrence_id, RitualOccurrence.workspace_id == workspace.id)
    )
    if schedule is not None and uses_channel_roster(schedule):
        remember_roster(schedule, members)
        session.flush()


def _manages(workspace: Workspace, actor: Actor, ritual: RitualOccurrence) -> bool:
    return is_roadmap_admin(workspace, actor) or actor.user_id == ritual.presenter_user_id


def _require_manager(
    workspace: Workspace, actor: Actor, ritual: RitualOccurrence, what: str
) -> None:
    if _manages(workspace, actor, ritual):
        return
    who = f"<@{ritual.presenter_user_id}> (presenting) or " if ritual.presenter_user_id else ""
    raise PermissionDenied(f"Only {who}{admins_phrase(workspace)} can {what}.")


def _require_open(ritual: RitualOccurrence) -> None:
    if ritual.state == "held":
        raise InvalidInput("That session has already been held.")


def _audit(
    session: Session,
    workspace: Workspace,
    actor: Actor,
    action: str,
    ritual: RitualOccurrence,
    **details: object,
) -> None:
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id,
            action=f"ritual.{action}",
            target=f"session {ritual.id}",  # as audited before the rename: kept for queries
            details=details,
        )
    )


def _hand_over(ritual: RitualOccurrence, presenter: str) -> str | None:
    """A new presenter; the topic was the previous presenter's, so it goes with them."""
    previous = ritual.presenter_user_id
    if previous != presenter:
        ritual.topic = None
    ritual.presenter_user_id = presenter
    ritual.state = "planned"
    return previous


def volunteer(
    *, session: Session, workspace: Workspace, actor: Actor, occurrence_id: int
) -> OccurrenceChange:
    """The person who pressed "I'll present" presents (a skipped occurrence is back on)."""
    ritual, zone = _load(session, workspace, occurrence_id)
    _require_open(ritual)
    if ritual.presenter_user_id == actor.user_id and ritual.state == "planned":
        raise InvalidInput("You are already presenting this one: set your topic with Set topic.")
    previous = _hand_over(ritual, actor.user_id)
    _audit(session, workspace, actor, "volunteer", ritual, previous=previous)
    session.flush()
    return OccurrenceChange(
        _view(ritual, zone),
        "volunteer",
        actor.user_id,
        previous_presenter=previous,
        tell=previous if previous and previous != actor.user_id else None,
    )


def swap(
    *, session: Session, workspace: Workspace, actor: Actor, occurrence_id: int, to_user: str
) -> OccurrenceChange:
    """Hand the occurrence to `to_user` (the presenter or an admin may; anyone while unassigned)."""
    ritual, zone = _load(session, workspace, occurrence_id)
    _require_open(ritual)
    if ritual.presenter_user_id:
        _require_manager(workspace, actor, ritual, "hand this session to someone else")
    if not to_user:
        raise InvalidInput("Pick the person who takes over the session.")
    if to_user == ritual.presenter_user_id and ritual.state == "planned":
        raise InvalidInput(f"<@{to_user}> is already presenting this one.")
    previous = _hand_over(ritual, to_user)
    _audit(session, workspace, actor, "swap", ritual, previous=previous, to=to_user)
    session.flush()
    return OccurrenceChange(
        _view(ritual, zone),
        "swap",
        actor.user_id,
        previous_presenter=previous,
        tell=to_user if to_user != actor.user_id else None,
    )


def skip(
    *, session: Session, workspace: Workspace, actor: Actor, occurrence_id: int
) -> OccurrenceChange:
    """No session this month (skipped); the next one goes to the person after its presenter."""
    ritual, zone = _load(session, workspace, occurrence_id)
    _require_open(ritual)
    if ritual.state == "skipped":
        raise InvalidInput("This month's session is already skipped.")
    _require_manager(workspace, actor, ritual, "skip this month's session")
    ritual.state = "skipped"
    _audit(session, workspace, actor, "skip", ritual)
    session.flush()
    return OccurrenceChange(_view(ritual, zone), "skip", actor.user_id)


def topic_form(
    *, session: Session, workspace: Workspace, actor: Actor, occurrence_id: int
) -> OccurrenceView:
    """The occurrence whose topic `actor` is about to set (the presenter, an admin, or anyone
    while nobody presents: setting a topic then volunteers them)."""
    ritual, zone = _load(session, workspace, occurrence_id)
    _require_open(ritual)
    if ritual.presenter_user_id:
        _require_manager(workspace, actor, ritual, "set this session's topic")
    return _view(ritual, zone)


def set_topic(
    *, session: Session, workspace: Workspace, actor: Actor, occurrence_id: int, topic: str
) -> OccurrenceChange:
    cleaned = " ".join((topic or "").split())
    if not cleaned:
        raise InvalidInput("Give the session a topic.")
    if len(cleaned) > MAX_TOPIC:
        raise InvalidInput(f"A topic can be at most {MAX_TOPIC} characters.")
    ritual, zone = _load(session, workspace, occurrence_id)
    _require_open(ritual)
    previous = ritual.presenter_user_id
    if previous:
        _require_manager(workspace, actor, ritual, "set this session's topic")
    else:
        _hand_over(ritual, actor.user_id)
    ritual.topic = cleaned
    if ritual.state == "skipped":
        ritual.state = "planned"
    _audit(session, workspace, actor, "topic", ritual, topic=cleaned)
    session.flush()
    return OccurrenceChange(
        _view(ritual, zone), "topic", actor.user_id, previous_presenter=previous
    )


def mark_held(
    *, session: Session, workspace: Workspace, actor: Actor, occurrence_id: int, now: datetime
) -> OccurrenceChange:
    """Record the occurrence held and, when the workspace tracks it, a reading of 1 for the
    knowledge-sharing metric (once per occurrence, whatever the clicks)."""
    ritual, zone = _load(session, workspace, occurrence_id)
    if ritual.state == "held":
        raise InvalidInput("That session is already recorded as held.")
    _require_manager(workspace, actor, ritual, "mark this session as held")
    if ritual.occurrence_date > workspace_today(workspace, now):
        raise InvalidInput(
            f"That session is on {day_text(ritual.occurrence_date)}: mark it held on the day."
        )
    ritual.state = "held"
    ritual.held_at = now
    _audit(session, workspace, actor, "held", ritual)
    session.flush()
    recorded = False
    tracked = session.scalar(
        select(Metric.id).where(
            Metric.workspace_id == workspace.id,
            Metric.key == HELD_METRIC,
            Metric.archived.is_(False),
        )
    )
    if tracked is not None:
        result = record_reading(
            session=session,
            workspace=workspace,
            actor=actor,
            name=HELD_METRIC,
            value=1,
            unit=None,
            at=now,
            source="ritual",
            # the key readings recorded before the rename carry: one reading per occurrence
            idempotency_key=f"ritual-session:{ritual.id}",
        )
        recorded = result.recorded
    # team metrics (issue 20): the metric's reading becomes the sessions held this period
    from bot.services.team_metrics import refresh

    refresh(session, workspace, now, sources=("rituals",))
    return OccurrenceChange(_view(ritual, zone), "held", actor.user_id, reading_recorded=recorded)
