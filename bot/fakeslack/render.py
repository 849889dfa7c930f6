"""Builders for the JSON shapes Slack returns (users, channels, messages, files, teams)."""

from __future__ import annotations

import copy
import mimetypes
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

_AVATAR = "https://secure.gravatar.com/avatar/{h}.jpg?s={s}&d=mp"
_TZ_LABELS = {
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "UTC": "Coordinated Universal Time",
    "WET": "Western European Time",
    "WEST": "Western European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "IST": "India Standard Time",
    "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
}
_FILETYPES = {
    "txt": ("text", "Plain Text"),
    "md": ("markdown", "Markdown (raw)"),
    "csv": ("csv", "CSV"),
    "json": ("json", "JSON"),
    "png": ("png", "PNG"),
    "jpg": ("jpg", "JPEG"),
    "jpeg": ("jpg", "JPEG"),
    "gif": ("gif", "GIF"),
    "pdf": ("pdf", "PDF"),
    "ics": ("ics", "iCalendar"),
    "html": ("html", "HTML"),
}


def images(seed: str) -> dict[str, str]:
    """image_24 ... image_512 avatar urls."""
    return {f"image_{s}": _AVATAR.format(h=seed.lower(), s=s) for s in (24, 32, 48, 72, 192, 512)}


def user_record(
    uid: str,
    team_id: str,
    *,
    name: str,
    real_name: str,
    tz: str,
    is_bot: bool,
    deleted: bool,
    is_admin: bool,
    is_owner: bool,
    is_primary_owner: bool,
    email: str | None,
    display_name: str,
    updated: int,
) -> dict[str, Any]:
    """Stored user (users.info `user` without tz_label / tz_offset)."""
    first, _, last = real_name.partition(" ")
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": real_name,
        "real_name_normalized": real_name,
        "display_name": display_name,
        "display_name_normalized": display_name,
        "fields": None,
        "status_text": "",
        "status_emoji": "",
        "status_emoji_display_info": [],
        "status_expiration": 0,
        "avatar_hash": "g" + uid[-11:].lower(),
        "first_name": first,
        "last_name": last,
        **images(uid),
        "status_text_canonical": "",
        "team": team_id,
    }
    if not is_bot:
        profile["email"] = email or f"{name}@example.com"
    return {
        "id": uid,
        "team_id": team_id,
        "name": name,
        "deleted": deleted,
        "color": "9f69e7",
        "real_name": real_name,
        "tz": tz,
        "profile": profile,
        "is_admin": is_admin,
        "is_owner": is_owner,
        "is_primary_owner": is_primary_owner,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": updated,
        "is_email_confirmed": not is_bot,
        "who_can_share_contact_card": "EVERYONE",
    }


def slackbot(team_id: str) -> dict[str, Any]:
    """Slackbot exists in every workspace; note `is_bot` is false, as on real Slack."""
    user = user_record(
        "USLACKBOT",
        team_id,
        name="slackbot",
        real_name="Slackbot",
        tz="America/Los_Angeles",
        is_bot=False,
        deleted=False,
        is_admin=False,
        is_owner=False,
        is_primary_owner=False,
        email=None,
        display_name="Slackbot",
        updated=0,
    )
    user["profile"].pop("email", None)
    user["is_email_confirmed"] = False
    return user


def user(record: dict[str, Any], now: float) -> dict[str, Any]:
    """users.info shape with tz_label / tz_offset for the instant `now`."""
    out = copy.deepcopy(record)
    local = datetime.fromtimestamp(now, ZoneInfo(record["tz"]))
    offset = local.utcoffset()
    abbr = local.tzname() or record["tz"]
    out["tz_label"] = _TZ_LABELS.get(abbr, abbr)
    out["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
    return out


def team(record: dict[str, Any]) -> dict[str, Any]:
    """team.info `team`."""
    out = {
        "id": record["id"],
        "name": record["name"],
        "url": record["url"],
        "domain": record["domain"],
        "email_domain": "",
        "icon": {
            "image_default": True,
            **{
                f"image_{s}": f"https://a.slack-edge.com/{s}.png"
                for s in (34, 44, 68, 88, 102, 132, 230)
            },
        },
        "avatar_base_url": "https://ca.slack-edge.com/",
        "is_verified": False,
        "lob_sales_home_enabled": False,
    }
    if record.get("enterprise_id"):
        out["enterprise_id"] = record["enterprise_id"]
        out["enterprise_name"] = record["enterprise_name"]
    return out


def channel(
    ch: dict[str, Any],
    members: list[str],
    viewer: str | None,
    other: dict[str, Any] | None,
    now: float,
) -> dict[str, Any]:
    """conversations.info `channel` (IM shape for DMs)."""
    if ch["is_im"]:
        return {
            "id": ch["id"],
            "created": ch["created"],
            "is_archived": False,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": ch["team_id"],
            "updated": int(now * 1000),
            "user": ch["user"],
            "is_user_deleted": bool(other and other["deleted"]),
            "priority": 0,
            "is_open": True,
            "last_read": "0000000000.000000",
        }
    topic = {"value": ch["topic"], "creator": ch["creator"] if ch["topic"] else "", "last_set": 0}
    purpose = {
        "value": ch["purpose"],
        "creator": ch["creator"] if ch["purpose"] else "",
        "last_set": 0,
    }
    return {
        "id": ch["id"],
        "name": ch["name"],
        "is_channel": not ch["is_mpim"],
        "is_group": bool(ch["is_mpim"]),
        "is_im": False,
        "is_mpim": ch["is_mpim"],
        "is_private": ch["is_private"],
        "created": ch["created"],
        "is_archived": ch["is_archived"],
        "is_general": ch["is_general"],
        "unlinked": 0,
        "name_normalized": ch["name"],
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": ch["team_id"],
        "updated": int(now * 1000),
        "parent_conversation": None,
        "creator": ch["creator"],
        "is_ext_shared": False,
        "shared_team_ids": [ch["team_id"]],
        "pending_connected_team_ids": [],
        "is_member": viewer in members,
        "topic": topic,
        "purpose": purpose,
        "previous_names": [],
    }


def bot_profile(bot: dict[str, Any]) -> dict[str, Any]:
    """`bot_profile` attached to messages posted by a bot."""
    return {
        "id": bot["id"],
        "deleted": bot["deleted"],
        "name": bot["name"],
        "updated": bot["updated"],
        "app_id": bot["app_id"],
        "icons": bot["icons"],
        "team_id": bot["team_id"],
    }


def message(msg: dict[str, Any], bot: dict[str, Any] | None) -> dict[str, Any]:
    """Message as the API returns it: bookkeeping nulls/empties dropped."""
    out: dict[str, Any] = {}
    for key, value in msg.items():
        if value is None or (value in ([], 0) and key in _DROP_IF_EMPTY):
            continue
        out[key] = copy.deepcopy(value)
    if bot is not None:
        out["bot_profile"] = bot_profile(bot)
    return out


_DROP_IF_EMPTY = {
    "reactions",
    "attachments",
    "files",
    "blocks",
    "reply_users",
    "reply_count",
    "reply_users_count",
}


def file_obj(
    f: dict[str, Any], team: dict[str, Any], shares: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """files.info `file`; its private URLs are served by this fake (with the bot's token)."""
    name = f["name"]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    filetype, pretty = _FILETYPES.get(ext, (ext or "binary", ext.upper() or "Binary"))
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    private = f"{base_url}files-pri/{team['id']}-{f['id']}/{name}"
    out = {
        "id": f["id"],
        "created": f["created"],
        "timestamp": f["created"],
        "name": name,
        "title": f["title"],
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": pretty,
        "user": f["user"],
        "user_team": team["id"],
        "editable": filetype in ("text", "markdown"),
        "size": len(f["content"]),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(shares.get("public")),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": private,
        "url_private_download": private.replace(f"/{name}", f"/download/{name}"),
        "permalink": f"{team['url']}files/{f['user']}/{f['id']}/{name}",
        "permalink_public": f"https://slack-files.com/{team['id']}-{f['id']}-{f['id'][-10:]}",
        "channels": [c for c in f["channels"] if c in shares.get("public", {})],
        "groups": [
            c for c in f["channels"] if c in shares.get("private", {}) and not c.startswith("D")
        ],
        "ims": [c for c in f["channels"] if c.startswith("D")],
        "comments_count": 0,
        "has_rich_preview": False,
        "file_access": "visible",
        "shares": shares,
    }
    if f.get("alt_txt"):
        out["alt_txt"] = f["alt_txt"]
    return out
