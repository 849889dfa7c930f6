"""Who is acting, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.errors import PermissionDenied
from bot.services.people import is_user_id
from models import Goal, Workspace


@dataclass(frozen=True)
class Actor:
    """A person acting through Slack; `is_slack_admin` comes from users.info."""

    user_id: str
    is_slack_admin: bool = False


def is_roadmap_admin(workspace: Workspace, actor: Actor) -> bool:
    """Workspace admins and owners, and the people named with `/roadmap config admins`."""
    return actor.is_slack_admin or actor.user_id in (workspace.admin_user_ids or [])


def admins_phrase(workspace: Workspace) -> str:
    named = " ".join(f"<@{u}>" for u in workspace.admin_user_ids or [])
    return f"a workspace admin{' or ' + named if named else ''}"


def require_admin(workspace: Workspace, actor: Actor, what: str) -> None:
    if not is_roadmap_admin(workspace, actor):
        raise PermissionDenied(f"Only roadmap admins can {what}: ask {admins_phrase(workspace)}.")


def can_change_goal(workspace: Workspace, actor: Actor, goal: Goal) -> bool:
    return is_roadmap_admin(workspace, actor) or actor.user_id in {o.owner for o in goal.owners}


def require_goal_change(workspace: Workspace, actor: Actor, goal: Goal) -> None:
    if can_change_goal(workspace, actor, goal):
        return
    owners = " ".join(f"<@{o.owner}>" if is_user_id(o.owner) else o.owner for o in goal.owners)
    who = f"its owners ({owners}) or " if owners else ""
    raise PermissionDenied(f"Only {who}{admins_phrase(workspace)} can change {goal.ref}.")
