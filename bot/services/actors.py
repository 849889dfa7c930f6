"""Who is acting, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import object_session

from bot.services.errors import PermissionDenied
from bot.services.people import is_user_id
from models import Goal, Member, Workspace


@dataclass(frozen=True)
class Actor:
    """A person acting through Slack; `is_slack_admin` comes from users.info."""

    user_id: str
    is_slack_admin: bool = False


def is_roadmap_admin(workspace: Workspace, actor: Actor) -> bool:
    """Workspace admins and owners, and the people named with `/roadmap config admins`."""
    return actor.is_slack_admin or actor.user_id in (workspace.admin_user_ids or [])


SLACK_ADMINS_NAMED = 5


def admins_phrase(workspace: Workspace) -> str:
    """Who to ask, by name: "<@U1> or a workspace admin (<@U2>, <@U3>)". The workspace's
    admins are the ones the team roster knows (users.list); none known: "a workspace admin"."""
    named = list(workspace.admin_user_ids or [])
    session = object_session(workspace)
    known = []
    if session is not None:
        known = session.scalars(
            select(Member.user_id)
            .where(
                Member.workspace_id == workspace.id,
                Member.is_slack_admin.is_(True),
                Member.deleted.is_(False),
                Member.is_bot.is_(False),
            )
            .order_by(Member.user_id)
        ).all()
    known = [u for u in known if u not in named]
    slack_admins = "a workspace admin"
    if known:
        shown = ", ".join(f"<@{u}>" for u in known[:SLACK_ADMINS_NAMED])
        more = (
            f" and {len(known) - SLACK_ADMINS_NAMED} more"
            if len(known) > SLACK_ADMINS_NAMED
            else ""
        )
        slack_admins += f" ({shown}{more})"
    return " or ".join([*(f"<@{u}>" for u in named), slack_admins])


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
