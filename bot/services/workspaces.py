"""Workspaces: found or created on first contact, with their settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.services.errors import ServiceError
from models import Workspace, utcnow
from models.base import insert_ignoring_conflicts


class WorkspaceError(ServiceError):
    """A workspace setting was given a bad value, or the workspace cannot be found."""


def ensure_workspace(
    *, session: Session, team_id: str, enterprise_id: str | None = None, name: str | None = None
) -> Workspace:
    """The workspace row for `team_id`, created when first seen (safe under concurrency)."""
    workspace = Workspace.by_team(session, team_id)
    if workspace is not None:
        return workspace
    now = utcnow()
    created = insert_ignoring_conflicts(
        session,
        Workspace,
        {
            "team_id": team_id,
            "enterprise_id": enterprise_id,
            "name": name,
            "timezone": "UTC",
            "admin_user_ids": [],
            "settings": {},
            "created_at": now,
            "updated_at": now,
        },
        conflict=["team_id"],
    )
    workspace = Workspace.by_team(session, team_id)
    assert workspace is not None
    if created:
        from bot.services.schedules import ensure_default_schedules

        # A new workspace starts with the weekly check-in and the two digests.
        ensure_default_schedules(session=session, workspace=workspace, now=now)
    return workspace


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise WorkspaceError(
            f"'{name}' is not a time zone I know; use an IANA name such as Europe/Berlin."
        ) from error
    return name


# The workspace the CLI and the offline console use before any Slack workspace is known.
LOCAL_TEAM_ID = "T0LOCAL0000"


def resolve_workspace(
    *, session: Session, team_id: str | None = None, create_local: bool = True
) -> Workspace:
    """The workspace a CLI command acts on.

    With `team_id`, that one (created if new). Without, the only workspace there is; with none
    yet, a local one (so the bot is usable before Slack is connected); with several, an error
    listing them.
    """
    from sqlalchemy import select

    if team_id:
        workspace = Workspace.by_team(session, team_id)
        if workspace is None and not create_local:
            raise WorkspaceError(f"no workspace {team_id} here")
        return workspace or ensure_workspace(session=session, team_id=team_id)
    workspaces = list(session.scalars(select(Workspace).order_by(Workspace.id).limit(11)))
    real = [w for w in workspaces if w.team_id != LOCAL_TEAM_ID]
    if len(real) == 1:
        return real[0]
    if len(real) > 1:
        names = ", ".join(f"{w.team_id} ({w.name or 'unnamed'})" for w in real[:10])
        raise WorkspaceError(f"several workspaces are set up; choose one with --team: {names}")
    if workspaces:
        return workspaces[0]
    if not create_local:
        raise WorkspaceError("no workspace is set up yet")
    return ensure_workspace(session=session, team_id=LOCAL_TEAM_ID, name="Local")


def workspace_admins(session: Session, workspace: Workspace) -> list[str]:
    """Who hears about the workspace's roadmap: its roadmap admins, else its Slack admins."""
    from sqlalchemy import select

    from models import Member

    if workspace.admin_user_ids:
        return list(workspace.admin_user_ids)
    return list(
        session.scalars(
            select(Member.user_id)
            .where(Member.workspace_id == workspace.id, Member.is_slack_admin.is_(True))
            .order_by(Member.user_id)
        )
    )
