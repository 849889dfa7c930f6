"""A workspace's life cycle: installed, uninstalled (kept for retention_days), purged."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services.settings import setting
from bot.services.workspaces import WorkspaceError, ensure_workspace, validate_timezone
from models import AuditEntry, Delivery, DeliveryState, ProcessedEvent, Schedule, Workspace
from models.installation import SlackBot, SlackInstallation, SlackOAuthState

log = logging.getLogger(__name__)
EVENT_IDS_KEPT = timedelta(days=1)

# An uninstall event older than the latest install (a retry arriving after a quick
# re-install) must not undo that install; Slack's event_time has a one-second resolution.
STALE_EVENT_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class InstallOutcome:
    workspace_ids: tuple[int, ...]
    first_install: bool  # never installed before: adopt the installer's time zone
    welcome: bool  # first install, or back after an uninstall: DM the installer


@dataclass(frozen=True)
class UninstallOutcome:
    workspace_ids: tuple[int, ...]  # the workspaces now uninstalled (already or just now)
    stale: bool = False  # the event predates the current install: nothing was done


@dataclass(frozen=True)
class PurgeOutcome:
    team_id: str
    workspace_deleted: bool
    installations_deleted: int


def record_install(
    *,
    session: Session,
    team_id: str,
    enterprise_id: str | None,
    name: str | None,
    now: datetime,
) -> InstallOutcome:
    """A workspace installed the app (new, again after an uninstall, or re-authorised)."""
    workspace = ensure_workspace(
        session=session, team_id=team_id, enterprise_id=enterprise_id, name=name
    )
    first = workspace.installed_at is None
    returning = workspace.uninstalled_at is not None
    if name:
        workspace.name = name
    if enterprise_id and not workspace.enterprise_id:
        workspace.enterprise_id = enterprise_id
    if returning:
        _resume(session, workspace, now)
    reactivate(session=session, workspace=workspace, now=now)  # a new token: send again
    workspace.installed_at = now
    session.flush()
    return InstallOutcome((workspace.id,), first_install=first, welcome=first or returning)


def record_enterprise_install(
    *, session: Session, enterprise_id: str, now: datetime
) -> InstallOutcome:
    """An org-wide install: its workspaces get rows as their requests arrive; the ones we
    already know are (re)activated."""
    workspaces = list(session.scalars(select(Workspace).where(_of_enterprise(enterprise_id))))
    returning = [w for w in workspaces if w.uninstalled_at is not None]
    for workspace in returning:
        _resume(session, workspace, now)
    for workspace in workspaces:
        reactivate(session=session, workspace=workspace, now=now)
        workspace.installed_at = now
    session.flush()
    return InstallOutcome(
        tuple(w.id for w in workspaces),
        first_install=not workspaces,
        welcome=not workspaces or bool(returning),
    )


def adopt_installer_timezone(
    *, session: Session, workspace_id: int, timezone: str | None, installer: str | None = None
) -> str | None:
    """Use the installer's zone while the workspace still has the default, and make the
    installer its first roadmap admin (they see the setup checklist); returns the zone."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        return None
    if installer and not workspace.admin_user_ids:
        workspace.admin_user_ids = [installer]
    if timezone and workspace.timezone == "UTC":
        try:
            workspace.timezone = validate_timezone(timezone)
        except WorkspaceError:
            log.warning("installer time zone %r is unknown; keeping UTC", timezone)
    return workspace.timezone


def record_uninstall(
    *,
    session: Session,
    team_id: str | None,
    enterprise_id: str | None,
    org_wide: bool,
    now: datetime,
    event_at: datetime | None = None,
) -> UninstallOutcome:
    """Forget the install's tokens and mark the workspace(s) uninstalled: planning and
    posting stop, the data is kept until purge_after. Repeated events (either of
    app_uninstalled / tokens_revoked, any order) keep the first uninstall's dates."""
    if org_wide and enterprise_id:
        targets = list(session.scalars(select(Workspace).where(_of_enterprise(enterprise_id))))
    else:
        found = Workspace.by_team(session, team_id) if team_id else None
        targets = [found] if found is not None else []
    installed = [w.installed_at for w in targets if w.installed_at and w.uninstalled_at is None]
    if event_at is not None and installed and event_at + STALE_EVENT_SLACK < max(installed):
        log.info("ignoring an uninstall event from before the current install (%s)", team_id)
        return UninstallOutcome((), stale=True)
    forget_tokens(
        session=session, enterprise_id=enterprise_id, team_id=None if org_wide else team_id
    )
    for workspace in targets:
        if workspace.uninstalled_at is not None:
            continue
        retention = int(setting(workspace, "retention_days"))
        workspace.uninstalled_at = now
        workspace.purge_after = now + timedelta(days=retention)
        # Nothing planned may go out any more (the planner skips uninstalled workspaces).
        session.execute(
            update(Delivery)
            .where(Delivery.workspace_id == workspace.id, Delivery.state == "pending")
            .values(state="missed", error="the app was uninstalled")
        )
        session.add(
            AuditEntry(
                workspace_id=workspace.id,
                action="workspace.uninstalled",
                details={"purge_after": workspace.purge_after.isoformat()},
            )
        )
    session.flush()
    return UninstallOutcome(tuple(w.id for w in targets))


# Slack's answers that mean the bot's token will never work again: only a new install (or,
# with a single SLACK_BOT_TOKEN, a restart with a new token) helps.
TOKEN_REFUSED = frozenset({"token_revoked", "invalid_auth", "account_inactive", "not_authed"})


def mark_inactive(*, session: Session, workspace_id: int, reason: str, now: datetime) -> bool:
    """Slack refused the workspace's token (or, single-token, the app left): stop sending
    there. Its pending deliveries are parked, not failed, so a working token sends the ones
    still useful. True only the first time (the caller logs it once)."""
    first = session.execute(
        update(Workspace)
        .where(Workspace.id == workspace_id, Workspace.inactive_since.is_(None))
        .values(inactive_since=now, inactive_reason=reason[:64])
    ).rowcount
    park_pending(session=session, workspace_ids=[workspace_id])
    if first:
        session.add(
            AuditEntry(
                workspace_id=workspace_id,
                action="workspace.inactive",
                details={"reason": reason},
            )
        )
    return bool(first)


def mark_team_inactive(*, session: Session, team_id: str, reason: str, now: datetime) -> bool:
    """mark_inactive for a team id (single-token mode's app_uninstalled / tokens_revoked);
    False when the team is unknown or was inactive already."""
    workspace = Workspace.by_team(session, team_id)
    if workspace is None:
        return False
    return mark_inactive(session=session, workspace_id=workspace.id, reason=reason, now=now)


def park_pending(*, session: Session, workspace_ids: list[int] | None = None) -> int:
    """Park the pending deliveries of inactive workspaces (of these, when given): planned
    while the token was refused, they wait with the others. Returns how many."""
    inactive = select(Workspace.id).where(Workspace.inactive_since.is_not(None))
    if workspace_ids is not None:
        inactive = inactive.where(Workspace.id.in_(workspace_ids))
    return session.execute(
        update(Delivery)
        .where(Delivery.state == DeliveryState.PENDING, Delivery.workspace_id.in_(inactive))
        .values(state=DeliveryState.PARKED, claimed_by=None)
    ).rowcount


def inactive_workspaces(session: Session) -> list[Workspace]:
    return list(
        session.scalars(
            select(Workspace).where(
                Workspace.inactive_since.is_not(None), Workspace.uninstalled_at.is_(None)
            )
        )
    )


def reactivate(*, session: Session, workspace: Workspace, now: datetime) -> tuple[int, int]:
    """A working token again (a new install, or a restart with one): the workspace sends
    again; its parked deliveries that are still useful go back to the queue, the others are
    missed. Returns (requeued, missed); (0, 0) when it was not inactive."""
    from bot import kinds  # the kinds say how long an occurrence stays worth sending

    if workspace.inactive_since is None:
        return 0, 0
    workspace.inactive_since = None
    workspace.inactive_reason = None
    requeued = missed = 0
    parked = session.execute(
        select(Delivery, Schedule.kind)
        .join(Schedule, Schedule.id == Delivery.schedule_id)
        .where(Delivery.workspace_id == workspace.id, Delivery.state == DeliveryState.PARKED)
    ).all()
    for delivery, kind_name in parked:
        kind = kinds.get(kind_name)
        event_at = _event_time(delivery.occurrence_key) or delivery.due_at
        if kind is not None and kind.still_useful(delivery.due_at, event_at, now):
            delivery.state, delivery.next_attempt_at = DeliveryState.PENDING, None
            requeued += 1
        else:
            delivery.state = DeliveryState.MISSED
            delivery.error = "too late: the bot's token was refused until then"
            missed += 1
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            action="workspace.active",
            details={"requeued": requeued, "missed": missed},
        )
    )
    session.flush()
    return requeued, missed


def _event_time(key: str) -> datetime | None:
    from bot.scheduling.planner import parse_occurrence_key

    try:
        return parse_occurrence_key(key)[0]
    except ValueError:
        return None


def forget_tokens(
    *,
    session: Session,
    enterprise_id: str | None,
    team_id: str | None,
    user_ids: list[str] | None = None,
) -> int:
    """Delete an install's stored tokens (team_id None: the org-wide install), in the
    caller's transaction; with user_ids, only those users' tokens. Returns the rows deleted."""
    deleted = 0
    models = (SlackInstallation,) if user_ids else (SlackInstallation, SlackBot)
    for model in models:
        # `== None` renders IS NULL: an org-wide install has no team.
        query = delete(model).where(model.enterprise_id == enterprise_id, model.team_id == team_id)
        if user_ids:
            query = query.where(SlackInstallation.user_id.in_(user_ids))
        deleted += session.execute(query).rowcount
    return deleted


def _resume(session: Session, workspace: Workspace, now: datetime) -> None:
    """Back after an uninstall: schedules run again from now on, without catching up on
    occurrences that fell into the uninstalled time."""
    workspace.uninstalled_at = None
    workspace.purge_after = None
    for schedule in session.scalars(select(Schedule).where(Schedule.workspace_id == workspace.id)):
        # The planner's watermark (see bot.scheduling.planner): plan from now on.
        schedule.planned_until, schedule.next_due_at = now, None
    session.add(AuditEntry(workspace_id=workspace.id, action="workspace.reinstalled"))


def _of_enterprise(enterprise_id: str):
    return Workspace.enterprise_id == enterprise_id


def purge_workspace(*, session: Session, team_id: str) -> PurgeOutcome:
    """Delete a workspace's data now: its row (the rest cascades) and its installations."""
    deleted = session.execute(delete(Workspace).where(Workspace.team_id == team_id)).rowcount
    tokens = 0
    for model in (SlackInstallation, SlackBot):
        tokens += session.execute(delete(model).where(model.team_id == team_id)).rowcount
    session.execute(delete(ProcessedEvent).where(ProcessedEvent.team_id == team_id))
    return PurgeOutcome(team_id, workspace_deleted=bool(deleted), installations_deleted=tokens)


def purge_expired(session_factory: sessionmaker[Session], now: datetime) -> list[str]:
    """The clock's daily job: purge workspaces uninstalled longer than their retention, and
    drop OAuth states that expired unused and event ids too old to be retried. Returns the
    purged team ids."""
    with session_factory() as session:
        due = list(
            session.scalars(
                select(Workspace.team_id).where(
                    Workspace.uninstalled_at.is_not(None), Workspace.purge_after <= now
                )
            )
        )
    purged = []
    for team_id in due:
        with session_factory() as session, session.begin():
            # Checked again in this transaction: a re-install may have happened meanwhile.
            workspace = Workspace.by_team(session, team_id)
            if workspace is None or workspace.uninstalled_at is None:
                continue
            if workspace.purge_after is None or workspace.purge_after > now:
                continue
            purge_workspace(session=session, team_id=team_id)
            purged.append(team_id)
            log.info("purged workspace %s (uninstalled %s)", team_id, workspace.uninstalled_at)
    with session_factory() as session, session.begin():
        # slack_sdk stores naive UTC datetimes.
        naive_now = now.astimezone(UTC).replace(tzinfo=None)
        session.execute(delete(SlackOAuthState).where(SlackOAuthState.expire_at < naive_now))
        # Slack stops retrying an event within the hour; a day's margin, then forget its id.
        session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.received_at < now - EVENT_IDS_KEPT)
        )
    return purged
