"""The roadmap-end notice is looked for on every tick, in one statement that finds only the
workspaces whose notice may be due. Over a grid of zones, last days, later roadmaps and what
was already announced, that look never misses a workspace the whole rule would tell, the clock
tells exactly those, once, and an announced roadmap is not looked at again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.runtime import make_web_client
from bot.scheduling.notices import (
    NOTICE_KEY,
    latest_date_anywhere,
    notice_candidates,
    notice_due,
    roadmap_end_notices,
)
from bot.services.periods import roadmap_lifecycle
from bot.services.workspaces import ensure_workspace
from models import Period, Roadmap, Workspace

# 23:30 UTC: already the 11th on Kiritimati (UTC+14), still the 10th in Los Angeles and on
# Pago Pago (UTC-11), so the zones disagree about "today".
NOW = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
ZONES = ("Pacific/Kiritimati", "UTC", "America/Los_Angeles", "Pacific/Pago_Pago")
LAST_DAY_OFFSETS = (-40, -1, 0, 1, 13, 14, 15, 16, 40)  # days from NOW's UTC date
ANNOUNCED = ("never", "this last day", "an older one")
OLDER = "2020-12-31"  # the last day of a roadmap before this one, announced then


@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.timezones(),
)
def test_no_zone_is_on_a_later_date_than_the_latest_anywhere(now, zone):
    assert now.astimezone(zone).date() <= latest_date_anywhere(now)


def test_the_latest_date_anywhere_is_the_line_islands():
    assert latest_date_anywhere(NOW) == NOW.astimezone(ZoneInfo("Pacific/Kiritimati")).date()


def add_workspace(session, n: int, zone: str, periods: list[tuple[date, date]], announced):
    workspace = ensure_workspace(session=session, team_id=f"T0END{n:05d}", name=f"W{n}")
    workspace.timezone = zone
    last_day = max(end for _start, end in periods) if periods else None
    workspace.settings = {"language": "en"}  # another setting, to be kept
    if announced == "this last day":
        workspace.settings = {**workspace.settings, NOTICE_KEY: last_day.isoformat()}
    elif announced == "an older one":
        workspace.settings = {**workspace.settings, NOTICE_KEY: OLDER}
    roadmap = Roadmap(workspace_id=workspace.id, name=f"Roadmap {n}")
    session.add(roadmap)
    session.flush()
    for i, (start, end) in enumerate(periods):
        session.add(
            Period(
                workspace_id=workspace.id,
                roadmap_id=roadmap.id,
                label=f"P{i}",
                start_date=start,
                end_date=end,
                position=i,
            )
        )
    return workspace


def seed_grid(session) -> None:
    today = NOW.date()
    n = 0
    for zone in ZONES:
        for offset in LAST_DAY_OFFSETS:
            end = today + timedelta(days=offset)
            shapes = {
                "alone": [(end - timedelta(days=90), end)],
                "next roadmap imported": [
                    (end - timedelta(days=90), end),
                    (end + timedelta(days=1), end + timedelta(days=91)),
                ],
                "a longer period around it": [
                    (end - timedelta(days=90), end),
                    (end - timedelta(days=180), end + timedelta(days=3)),
                ],
            }
            for periods in shapes.values():
                for announced in ANNOUNCED:
                    add_workspace(session, n, zone, periods, announced)
                    n += 1
    add_workspace(session, n, "UTC", [], "never")  # nothing imported yet
    gone = add_workspace(session, n + 1, "UTC", [(date(2025, 1, 1), date(2025, 3, 31))], "never")
    gone.uninstalled_at = NOW - timedelta(days=3)


def the_whole_rule(session) -> set[int]:
    """Every installed workspace the notice is for, by the rule itself (no shortcut)."""
    installed = session.scalars(select(Workspace).where(Workspace.uninstalled_at.is_(None)))
    return {w.id for w in installed if notice_due(w, roadmap_lifecycle(session, w, NOW))}


def announced_days(session) -> dict[int, str | None]:
    return {w.id: (w.settings or {}).get(NOTICE_KEY) for w in session.scalars(select(Workspace))}


def test_the_one_look_finds_every_notice_due_and_each_is_told_once(session_factory, settings):
    with session_factory() as session, session.begin():
        seed_grid(session)
    with session_factory() as session:
        due = the_whole_rule(session)
        looked_at = {w.id for w in notice_candidates(session, NOW, frozenset())}
        before = announced_days(session)
    current = {id_ for id_, day in before.items() if day not in (None, OLDER)}
    assert due and due <= looked_at  # never fewer than the rule
    assert not looked_at & current  # a last day announced is not looked at again
    # The zones' margin and later periods leave a few more to the whole rule, not many.
    assert len(looked_at) < 2 * len(due)

    client = make_web_client(settings, settings.slack_bot_token)
    roadmap_end_notices(session_factory, lambda workspace: client, NOW)
    with session_factory() as session:
        after = announced_days(session)
        assert {id_ for id_ in after if after[id_] != before[id_]} == due
        assert not the_whole_rule(session)  # nothing left to tell
        assert not {w.id for w in notice_candidates(session, NOW, frozenset())} & due
        told = session.get(Workspace, min(due))
        assert told.settings["language"] == "en"  # the other settings kept


def test_the_skipped_teams_are_not_looked_at(session_factory):
    with session_factory() as session, session.begin():
        add_workspace(session, 0, "UTC", [(date(2025, 1, 1), date(2025, 3, 31))], "never")
        add_workspace(session, 1, "UTC", [(date(2025, 1, 1), date(2025, 3, 31))], "never")
    with session_factory() as session:
        found = notice_candidates(session, NOW, frozenset({"T0END00000"}))
        assert [w.team_id for w in found] == ["T0END00001"]
