"""Workspace settings changed with `/roadmap config`, and the people the bot knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, require_admin
from bot.services.channels import is_channel_id
from bot.services.errors import InvalidInput
from bot.services.people import is_user_id
from bot.services.workspaces import validate_timezone
from models import GOAL_STATUSES, AuditEntry, Member, Workspace
from models.base import insert_ignoring_conflicts

DEFAULT_REACTIONS = {
    "large_green_circle": "on-track",
    "+1": "on-track",
    "large_yellow_circle": "at-risk",
    "warning": "at-risk",
    "red_circle": "off-track",
    "rotating_light": "off-track",
    "no_entry": "blocked",
    "white_check_mark": "done",
    "tada": "done",
}
DEFAULTS = {
    "checkins": "dm",  # where prompts go: each owner's DM, or the roadmap channel
    "mentions": "off",  # whether digests @-mention people
    "digest_images": "off",  # whether the weekly digest adds a picture of the metrics
    "retention_days": 30,  # how long an uninstalled workspace's data is kept
    "chase_after_hours": 24,  # None: no reminders
    "reactions": DEFAULT_REACTIONS,
}
MEMBER_CACHE = timedelta(hours=24)
SETTINGS = (
    "timezone",
    "channel",
    "admins",
    "checkins",
    "holidays",
    "mentions",
    "retention",
    "reactions",
    "chase",
    "digest",
)
# The reactions every prompt carries: their meaning is printed on the prompt, so it is fixed.
PROMPT_REACTIONS = (
    "large_green_circle",
    "large_yellow_circle",
    "red_circle",
    "no_entry",
    "white_check_mark",
)


@dataclass(frozen=True)
class ConfigView:
    timezone: str
    channel_id: str | None
    admins: tuple[str, ...]
    checkins: str
    holidays: str | None
    mentions: str
    retention_days: int
    reactions: dict
    chase_after_hours: int | None
    digest_images: str = "off"


def setting(workspace: Workspace, name: str):
    return (workspace.settings or {}).get(name, DEFAULTS[name])


def config_view(workspace: Workspace) -> ConfigView:
    return ConfigView(
        timezone=workspace.timezone,
        channel_id=workspace.roadmap_channel_id,
        admins=tuple(workspace.admin_user_ids or ()),
        checkins=setting(workspace, "checkins"),
        holidays=workspace.holiday_region,
        mentions=setting(workspace, "mentions"),
        retention_days=int(setting(workspace, "retention_days")),
        reactions=dict(setting(workspace, "reactions")),
        chase_after_hours=setting(workspace, "chase_after_hours"),
        digest_images=setting(workspace, "digest_images"),
    )


def _set(workspace: Workspace, name: str, value) -> None:
    # Assign a new dict so SQLAlchemy sees the JSON column change.
    workspace.settings = {**(workspace.settings or {}), name: value}


def _one(values: tuple[str, ...], usage: str) -> str:
    if len(values) != 1:
        raise InvalidInput(f"Usage: /roadmap config {usage}")
    return values[0]


def change_config(
    *, session: Session, workspace: Workspace, actor: Actor, name: str, values: tuple[str, ...]
) -> ConfigView:
    require_admin(workspace, actor, "change the configuration")
    if name == "timezone":
        workspace.timezone = validate_timezone(_one(values, "timezone Europe/Berlin"))
    elif name == "channel":
        channel = _one(values, "channel #eng-roadmap")
        if not is_channel_id(channel):
            raise InvalidInput(f"I can't find a channel called {channel}.")
        workspace.roadmap_channel_id = channel
    elif name == "admins":
        users = [v for v in values if is_user_id(v)]
        if not users or len(users) != len(values):
            raise InvalidInput("Mention the admins, e.g. /roadmap config admins @alice @bob.")
        workspace.admin_user_ids = list(dict.fromkeys(users))
    elif name == "checkins":
        where = _one(values, "checkins dm|channel").lower()
        if where not in ("dm", "channel"):
            raise InvalidInput("Check-in prompts go to each owner's `dm` or to the `channel`.")
        if where == "channel" and not workspace.roadmap_channel_id:
            raise InvalidInput("Set the roadmap channel first: /roadmap config channel #channel.")
        _set(workspace, "checkins", where)
    elif name == "holidays":
        workspace.holiday_region = _holiday_region(_one(values, "holidays DE|US-NY|off"))
    elif name == "mentions":
        value = _one(values, "mentions on|off").lower()
        if value not in ("on", "off"):
            raise InvalidInput("Usage: /roadmap config mentions on|off")
        _set(workspace, "mentions", value)
    elif name == "retention":
        raw = _one(values, "retention 30")
        if not raw.isdigit() or not 1 <= int(raw) <= 3650:
            raise InvalidInput("Retention is a number of days from 1 to 3650.")
        _set(workspace, "retention_days", int(raw))
    elif name == "reactions":
        _set(workspace, "reactions", _reactions(setting(workspace, "reactions"), values))
    elif name == "chase":
        raw = _one(values, "chase 24|off").lower()
        if raw == "off":
            _set(workspace, "chase_after_hours", None)
        elif raw.isdigit() and 1 <= int(raw) <= 168:
            _set(workspace, "chase_after_hours", int(raw))
        else:
            raise InvalidInput("Remind after 1 to 168 hours, or off.")
    elif name == "digest":
        if (
            len(values) != 2
            or values[0].lower() != "images"
            or values[1].lower()
            not in (
                "on",
                "off",
            )
        ):
            raise InvalidInput("Usage: /roadmap config digest images on|off")
        _set(workspace, "digest_images", values[1].lower())
    elif name == "api-token":
        raise InvalidInput("The metrics API and its tokens are not available in this version yet.")
    else:
        raise InvalidInput(f"There is no setting '{name}'. Settings: {', '.join(SETTINGS)}.")
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id,
            action="config." + name,
            details={"values": list(values)},
        )
    )
    session.flush()
    return config_view(workspace)


def _reactions(current: dict, values: tuple[str, ...]) -> dict:
    """The reaction mapping after `reset`, `<emoji> <status>` or `<emoji> off`."""
    if values == ("reset",):
        return dict(DEFAULT_REACTIONS)
    if len(values) != 2:
        raise InvalidInput("Usage: /roadmap config reactions :emoji: <status>|off")
    emoji, status = values
    if emoji in PROMPT_REACTIONS:
        raise InvalidInput(
            f":{emoji}: is one of the reactions on every prompt, which say what they mean; "
            "map another emoji."
        )
    mapping = dict(current)
    if status == "off":
        if emoji not in mapping:
            raise InvalidInput(f":{emoji}: does not set a status now.")
        del mapping[emoji]
    elif status in GOAL_STATUSES:
        mapping[emoji] = status
    else:
        raise InvalidInput(f"'{status}' is not a status: {', '.join(GOAL_STATUSES)}.")
    return mapping


def _holiday_region(value: str) -> str | None:
    if value.lower() in ("off", "none", "no"):
        return None
    import holidays

    country, _, subdivision = value.upper().partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise InvalidInput(f"'{value}' is not a country code I know holidays for (e.g. DE, US).")
    if subdivision and subdivision not in supported[country]:
        raise InvalidInput(f"{country} has no region '{subdivision}'.")
    return value.upper()


def cached_member(session: Session, workspace_id: int, user_id: str, now: datetime):
    """The remembered person, or None when unknown or older than a day."""
    member = session.scalar(
        select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user_id)
    )
    if member is None or member.refreshed_at is None or now - member.refreshed_at > MEMBER_CACHE:
        return None
    return member


def remember_member(
    session: Session,
    workspace_id: int,
    user_id: str,
    *,
    now: datetime,
    name: str | None,
    timezone: str | None,
    is_slack_admin: bool,
) -> Member:
    insert_ignoring_conflicts(
        session,
        Member,
        {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "is_slack_admin": False,
            "created_at": now,
            "updated_at": now,
        },
        ["workspace_id", "user_id"],
    )
    member = session.scalar(
        select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user_id)
    )
    member.name, member.timezone = name, timezone
    member.is_slack_admin, member.refreshed_at = is_slack_admin, now
    session.flush()
    return member
