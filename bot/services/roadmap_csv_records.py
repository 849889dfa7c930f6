"""The CSV export's rows beyond goals, metrics, readings and check-ins, so the one table restores
as fully as the JSON: `schedule` rows, the team (`member` rows: role, joined, left, growth plan,
time zone; `innovation` rows: a person's share of a week), and last the `roadmap` (title,
subtitle, year) and the `workspace` (name, time zone, holiday region, roadmap channel, admins,
settings such as the roster's synced channel and the pulse minimum). The `options` cell (JSON)
also carries what a goal's target measures and a metric's details. Pulse answers are in no
export (see roadmap_team_export)."""

from __future__ import annotations

import json

from bot.services.typed_values import percent

COLUMNS = [
    "role",
    "joined",
    "left",
    "plan",  # "yes https://wiki/plan", "yes" or "no", as `/roadmap team plan` takes it
    "timezone",
    "kind",
    "rule",
    "channel",
    "enabled",
    "holidays",
    "region",
    "options",  # JSON: a schedule's options, the workspace's settings
]
FIELDS = {name: (name,) for name in COLUMNS}
RECORDS = ("schedule", "member", "innovation", "roadmap", "workspace")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _json(value: dict) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""


# What a metric row's `options` cell holds beside its name, target (`value`), text (`note`)
# and what measures it (`source`).
METRIC_DETAILS = (
    "key",
    "aliases",
    "kind",
    "baseline",
    "qualifier",
    "cadence",
    "typed",
    "archived",
    "measured_by_guessed",
)


def metric_options(metric) -> str:
    details = {name: getattr(metric, name) for name in METRIC_DETAILS}
    details["aliases"] = list(details["aliases"] or [])
    return _json(details)


def metric_details(row: dict[str, str], line: int) -> dict:
    """A metric row's options cell (an export from before it had one: nothing)."""
    details = _options(row, line)
    return {name: details[name] for name in METRIC_DETAILS if name in details}


def goal_options(target: dict | None) -> str:
    """A goal row's options cell: what its target measures and how (relative, count)."""
    if not target:
        return ""
    return _json({"metric": target["metric"], "kind": target["kind"]})


def goal_details(row: dict[str, str], line: int) -> dict:
    details = _options(row, line)
    return {name: details[name] for name in ("metric", "kind") if details.get(name)}


def rows(snapshot) -> list[dict]:
    out: list[dict] = []
    for s in snapshot.schedules:
        out.append(
            {
                "record": "schedule",
                "kind": s.kind,
                "rule": s.rule,
                "timezone": s.timezone or "",
                "channel": s.channel_id or "",
                "enabled": _yes(s.enabled),
                "status": s.paused_reason or "",
                "note": s.text or "",
                "options": _json(s.options or {}),
                "holidays": s.holiday_policy,
                "source": s.source,
                "user": s.created_by or "",
            }
        )
    team = snapshot.team
    for m in team.members:
        person = team.people.get(m.user_id)
        plan = " ".join(filter(None, [_yes(m.growth_plan), m.growth_plan_link]))
        out.append(
            {
                "record": "member",
                "user": m.user_id,
                "title": m.name or "",
                "owners": team.handle(m.user_id) or "",
                "role": m.role or "",
                "joined": m.joined_on.isoformat(),
                "left": m.left_on.isoformat() if m.left_on else "",
                "plan": plan,
                "timezone": (person.timezone if person is not None else None) or "",
                "source": m.source,
            }
        )
    for a in team.innovation:
        out.append(
            {"record": "innovation", "user": a.user_id, "cycle": a.cycle, "value": f"{a.percent}%"}
        )
    roadmap, workspace = snapshot.roadmap, snapshot.workspace
    if roadmap is not None:
        out.append(
            {
                "record": "roadmap",
                "title": roadmap.name,
                "note": roadmap.subtitle or "",
                "period": roadmap.year or "",
            }
        )
    if workspace is not None:
        out.append(
            {
                "record": "workspace",
                "title": workspace.name or "",
                "timezone": workspace.timezone,
                "region": workspace.holiday_region or "",
                "channel": workspace.roadmap_channel_id or "",
                "owners": " ".join(workspace.admin_user_ids or []),
                "options": _json(workspace.settings or {}),
            }
        )
    return out


def _error(message: str) -> Exception:
    from bot.services.roadmap_restore import RestoreError  # it imports the export

    return RestoreError(message)


def _options(row: dict[str, str], line: int) -> dict:
    try:
        value = json.loads(row.get("options") or "{}")
    except json.JSONDecodeError as error:
        raise _error(f"line {line}: the options cell is not JSON ({error.msg})") from None
    if not isinstance(value, dict):
        raise _error(f"line {line}: the options cell is not a JSON object")
    return value


def read(record: str, row: dict[str, str], line: int, data: dict) -> None:
    """One of these rows into the JSON export's shape."""
    try:
        _read(record, row, line, data)
    except KeyError as error:
        raise _error(f"line {line}: a {record} row needs its {error.args[0]} cell") from None


def _read(record: str, row: dict[str, str], line: int, data: dict) -> None:
    if record == "schedule":
        data.setdefault("schedules", []).append(
            {
                "kind": row["kind"],
                "rule": row["rule"],
                "timezone": row.get("timezone"),
                "channel": row.get("channel"),
                "enabled": row.get("enabled", "yes") != "no",
                "paused_reason": row.get("status"),
                "text": row.get("note"),
                "options": _options(row, line),
                "holiday_policy": row.get("holidays"),
                "source": row.get("source"),
                "created_by": row.get("user"),
            }
        )
    elif record == "member":
        plan, _, link = (row.get("plan") or "no").partition(" ")
        if plan not in ("yes", "no"):
            raise _error(f"line {line}: plan {row['plan']!r} is not yes or no")
        data.setdefault("team", []).append(
            {
                "user": row["user"],
                "name": row.get("title"),
                "handle": row.get("owners"),
                "role": row.get("role"),
                "joined": row["joined"],
                "left": row.get("left"),
                "growth_plan": plan == "yes",
                "growth_plan_link": link.strip() or None,
                "source": row.get("source"),
                "timezone": row.get("timezone"),
            }
        )
    elif record == "innovation":
        try:
            share = percent(row.get("value"))
        except ValueError:
            share = None
        if share is None:
            raise _error(f"line {line}: {row.get('value')!r} is not a percentage")
        data.setdefault("innovation", []).append(
            {"user": row["user"], "cycle": row["cycle"], "percent": share}
        )
    elif record == "roadmap":
        year = row.get("period")
        data["roadmap"] = {
            "name": row.get("title"),
            "subtitle": row.get("note"),
            "year": int(year) if year and year.isdigit() else None,
        }
    elif record == "workspace":
        data.setdefault("schedules", [])  # a full export: its schedules replace the defaults
        data["workspace"] = {
            "name": row.get("title"),
            "timezone": row.get("timezone"),
            "holiday_region": row.get("region"),
            "roadmap_channel": row.get("channel"),
            "admins": (row.get("owners") or "").split(),
            "settings": _options(row, line),
        }
