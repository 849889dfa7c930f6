"""The first-day setup checklist an admin sees on the Home tab: the roadmap channel, the time
zone, public holidays, the roadmap admins, and a roadmap. Each item is done in place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.services.actors import Actor, require_admin
from bot.services.errors import InvalidInput
from bot.services.settings import change_config
from models import AuditEntry, Period, Schedule, Workspace

ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
# When the system has no zone.tab: the zones most teams use.
FALLBACK_COUNTRIES = {
    "Europe/Berlin": "DE",
    "Europe/London": "GB",
    "Europe/Paris": "FR",
    "Europe/Madrid": "ES",
    "Europe/Amsterdam": "NL",
    "Europe/Zurich": "CH",
    "Europe/Vienna": "AT",
    "America/New_York": "US",
    "America/Chicago": "US",
    "America/Denver": "US",
    "America/Los_Angeles": "US",
    "America/Toronto": "CA",
    "Asia/Tokyo": "JP",
    "Asia/Kolkata": "IN",
    "Australia/Sydney": "AU",
}
DECLINED = "holidays_declined"  # in workspace.settings: "no public holidays, thanks"
HOLIDAY_POLICY = "holiday_policy"  # in workspace.settings: new schedules' holiday policy


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    try:
        lines = ZONE_TAB.read_text(encoding="utf-8").splitlines()
    except OSError:
        return dict(FALLBACK_COUNTRIES)
    found = dict(FALLBACK_COUNTRIES)
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            found[parts[2]] = parts[0]
    return found


def proposed_holiday_region(timezone: str | None) -> str | None:
    """The country of a time zone whose public holidays the bot knows: "DE" for
    Europe/Berlin, "US" for America/New_York; None for UTC or an unknown zone."""
    country = _zone_countries().get(timezone or "")
    if not country:
        return None
    import holidays

    return country if country in holidays.list_supported_countries() else None


@dataclass(frozen=True)
class SetupChecklist:
    channel_id: str | None
    timezone: str
    suggested_timezone: str | None  # the viewer's, when it differs from the workspace's
    holiday_region: str | None
    proposed_region: str | None  # from the time zone's country
    holidays_declined: bool
    admins: tuple[str, ...]
    periods: int

    @property
    def items_done(self) -> list[bool]:
        return [
            bool(self.channel_id),
            self.timezone != "UTC" or self.suggested_timezone is None,
            bool(self.holiday_region) or self.holidays_declined,
            bool(self.admins),
            self.periods > 0,
        ]

    @property
    def complete(self) -> bool:
        return all(self.items_done)


def setup_checklist(
    *, session: Session, workspace: Workspace, viewer_timezone: str | None
) -> SetupChecklist:
    periods = session.scalar(
        select(func.count()).select_from(Period).where(Period.workspace_id == workspace.id)
    )
    suggested = viewer_timezone if viewer_timezone != workspace.timezone else None
    return SetupChecklist(
        channel_id=workspace.roadmap_channel_id,
        timezone=workspace.timezone or "UTC",
        suggested_timezone=suggested,
        holiday_region=workspace.holiday_region,
        proposed_region=proposed_holiday_region(workspace.timezone),
        holidays_declined=bool((workspace.settings or {}).get(DECLINED)),
        admins=tuple(workspace.admin_user_ids or ()),
        periods=periods or 0,
    )


def accept_holidays(
    *, session: Session, workspace: Workspace, actor: Actor, region: str | None
) -> int:
    """Use `region`'s public holidays (None: decline). Every schedule that went ahead on
    holidays now moves to the next working day, and so do schedules made later. Returns how
    many schedules changed."""
    require_admin(workspace, actor, "set the public holidays")
    if region is None:
        workspace.settings = {**(workspace.settings or {}), DECLINED: True}
        session.add(
            AuditEntry(workspace_id=workspace.id, actor=actor.user_id, action="setup.holidays.no")
        )
        return 0
    change_config(
        session=session, workspace=workspace, actor=actor, name="holidays", values=(region,)
    )
    if not workspace.holiday_region:
        raise InvalidInput(f"I have no public holidays for {region}.")
    workspace.settings = {
        **(workspace.settings or {}),
        HOLIDAY_POLICY: "next_working_day",
        DECLINED: False,
    }
    result = session.execute(
        update(Schedule)
        .where(Schedule.workspace_id == workspace.id, Schedule.holiday_policy == "none")
        .values(holiday_policy="next_working_day", next_due_at=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount or 0
