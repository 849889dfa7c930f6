"""Safe re-import (owners changed since, renames, next year's roadmap, bad lines) and restoring
the JSON and CSV exports into an empty database."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.cli import main
from bot.db import create_db_engine, make_session_factory
from bot.services.innovation import week_of
from bot.services.partners import Partner, partners_of, replace_partners
from bot.services.roadmap_csv import import_csv
from bot.services.roadmap_export import export_roadmap
from bot.services.roadmap_import import import_roadmap
from bot.services.roadmap_match import Title, pair_renames
from bot.services.roadmap_restore import RestoreError, restore_json
from bot.services.workspaces import ensure_workspace
from models import (
    Checkin,
    Goal,
    GoalOwner,
    GoalPartner,
    InnovationAnswer,
    Member,
    Metric,
    MetricReading,
    PulseAnswer,
    PulseMarker,
    PulseRound,
    Schedule,
    TeamMember,
    Workspace,
)

SAMPLE = (Path(__file__).parent.parent / "examples" / "backend-engineering-2025.md").read_bytes()


@pytest.fixture
def workspace_id(session) -> int:
    workspace = ensure_workspace(session=session, team_id="T0000000001")
    session.commit()
    return workspace.id


def _import(session, workspace_id, text, **kwargs):
    report = import_roadmap(session=session, workspace_id=workspace_id, text=text, **kwargs)
    session.commit()
    return report


def _goal(session, number: int) -> Goal:
    return session.scalar(select(Goal).where(Goal.number == number))


# -- safe re-import ---------------------------------------------------------------------------

TEAM = b"# Team\n\n## Q1 2026\n\n- Ship the API (@alice)\n- Write the docs\n"


def test_reimport_after_owners_changed_never_crashes_and_keeps_them(session, workspace_id):
    _import(session, workspace_id, TEAM)
    goal = _goal(session, 1)
    goal.owners.append(GoalOwner(workspace_id=workspace_id, owner="@dave", position=1))
    session.commit()
    edited = TEAM.replace(b"(@alice)", b"(@bob, @alice)")
    dry = _import(session, workspace_id, edited, dry_run=True)
    assert [c.detail for c in dry.updated] == ["owners + @bob"]
    report = _import(session, workspace_id, edited)
    assert [c.detail for c in report.updated] == ["owners + @bob"]
    session.expire_all()
    assert [o.owner for o in _goal(session, 1).owners] == ["@alice", "@dave", "@bob"]
    again = _import(session, workspace_id, TEAM)
    assert len(again.unchanged) == 2  # the document's owner is there; the others are kept


def test_the_cli_dry_run_after_owners_changed_exits_zero(cli_env, tmp_path, capsys):
    document = tmp_path / "team.md"
    document.write_bytes(TEAM)
    assert main(["import", str(document)]) == 0
    engine = create_db_engine(cli_env)
    with make_session_factory(engine)() as session:
        goal = _goal(session, 1)
        goal.owners.append(GoalOwner(workspace_id=goal.workspace_id, owner="@dave", position=1))
        session.commit()
    engine.dispose()
    document.write_bytes(TEAM.replace(b"(@alice)", b"(@alice @dave @erin)"))
    capsys.readouterr()
    assert main(["import", str(document), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "G1 Ship the API [Q1 2026 / General] (owners + @erin)" in out
    assert "Understood:\n  Q1 2026 (line 3): 2 goals" in out


def test_renames_pair_similar_titles_one_to_one_and_never_unrelated_ones(session, workspace_id):
    titles = [f"Migrate service {n} to the {w} cluster" for n, w in enumerate(["east"] * 50)]
    titles += [f"Write postmortem {n}" for n in range(50)]
    document = "## Q1 2026\n\n" + "".join(f"- {t}\n" for t in titles)
    _import(session, workspace_id, document.encode())
    goal = _goal(session, 3)
    session.add(Checkin(workspace_id=workspace_id, goal_id=goal.id, cycle="2026-W02",
                        user_id="U0AAAAAAA", status="at-risk", source="command"))  # fmt: skip
    session.commit()
    renamed = document.replace(
        "Migrate service 2 to the east cluster", "Migrate service 2 to the east clusters"
    )
    renamed = renamed.replace("Write postmortem 7\n", "Hire a designer\n")
    for n in range(20, 30):  # unrelated titles replace related ones
        renamed = renamed.replace(f"Write postmortem {n}\n", f"Plan offsite number {n}\n")
    dry = _import(session, workspace_id, renamed.encode(), dry_run=True)
    assert dry.renames == [
        "G3 'Migrate service 2 to the east cluster' → 'Migrate service 2 to the east clusters'"
    ]
    report = _import(session, workspace_id, renamed.encode())
    assert len(report.added) == 11 and len(report.missing) == 11
    session.expire_all()
    goal = _goal(session, 3)
    assert goal.title == "Migrate service 2 to the east clusters"
    assert session.scalar(select(Checkin.goal_id)) == goal.id


def test_pairing_is_bounded_and_one_to_one():
    old = [Title("g", f"task {n} alpha beta") for n in range(3)]
    new = [Title("g", "task 1 alpha beta gamma"), Title("g", "task 1 alpha betas")]
    pairs = pair_renames(new, old)
    assert len({o for _, o, _ in pairs}) == len(pairs) == len({n for n, _, _ in pairs})
    assert pair_renames([Title("g", "completely different")], old) == []
    assert pair_renames([Title("other", "task 1 alpha beta")], old) == []


def test_next_years_roadmap_keeps_earlier_periods(session, workspace_id):
    _import(session, workspace_id, SAMPLE)
    report = _import(session, workspace_id, b"# Plan 2026\n\n## Q1 2026\n\n- New things\n")
    assert report.missing == [] and len(report.kept) == 36
    assert "36 kept from earlier periods" in report.summary()
    assert "not in the document" in report.summary()  # "0 not in the document"
    assert session.scalar(select(func.count()).where(Goal.archived.is_(True))) == 0


def test_long_titles_are_cut_and_bad_metric_lines_change_nothing(session, workspace_id):
    _import(session, workspace_id, SAMPLE)
    uptime = session.scalar(select(Metric).where(Metric.key == "uptime"))
    before = (uptime.text, uptime.target, uptime.typed)
    long_title = "Make it so " + "very " * 100_000
    text = (
        f"## Q1 2025 Goals\n\n### Technical Objectives\n\n- {long_title}\n- <!here> ping\n\n"
        "## Success Metrics\n\n### Technical Metrics\n- System uptime: banana\n"
    )
    report = _import(session, workspace_id, text.encode())
    session.expire_all()
    uptime = session.scalar(select(Metric).where(Metric.key == "uptime"))
    assert (uptime.text, uptime.target, uptime.typed) == before
    assert any("kept as it was" in str(w) for w in report.warnings)
    assert any("cut to 300 characters" in str(w) for w in report.warnings)
    titles = {c.title for c in report.added}
    assert "<!here> ping" in titles
    assert max(len(t) for t in titles) == 300


# -- restore ---------------------------------------------------------------------------------


def _rich_workspace(session, workspace_id) -> None:
    """The sample plus what people add in Slack: owners, statuses, readings, check-ins."""
    _import(session, workspace_id, SAMPLE)
    workspace = session.get(Workspace, workspace_id)
    workspace.timezone, workspace.admin_user_ids = "Europe/Berlin", ["U0ADMIN01"]
    workspace.settings = {"digest_day": "monday"}
    goal = _goal(session, 4)
    goal.status, goal.progress, goal.status_note = "at-risk", 60, "vendor late"
    goal.owners.append(GoalOwner(workspace_id=workspace_id, owner="U0123ABCD", position=0))
    _goal(session, 5).archived = True
    metric = session.scalar(select(Metric).where(Metric.key == "uptime"))
    at = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    session.add(MetricReading(workspace_id=workspace_id, metric_id=metric.id, value=99.95,
                              recorded_at=at, user_id="U0123ABCD", source="api"))  # fmt: skip
    session.add(
        Checkin(
            workspace_id=workspace_id, goal_id=goal.id, cycle="2025-W10", user_id="U0123ABCD",
            status="at-risk", progress=60, note="late", source="reaction", reaction="warning",
            created_at=at, updated_at=at,
        )
    )  # fmt: skip
    schedule = session.scalars(select(Schedule).order_by(Schedule.id)).first()
    schedule.options = {"lead_days": 2}
    replace_partners(session, _goal(session, 1), PARTNERS)  # issue 20: partner teams
    replace_partners(session, _goal(session, 4), PARTNERS[1:])
    _team(session, workspace_id, schedule)
    session.commit()


ROSTER = [  # user, role, joined, left, growth plan, link
    ("U0123ABCD", "lead", date(2024, 12, 2), None, True, "https://wiki/alice-plan"),
    ("U0BOB0001", None, date(2024, 12, 2), None, True, None),
    ("U0DAN0001", None, date(2024, 12, 2), date(2025, 1, 31), False, None),
    ("U0CAROL01", "senior", date(2025, 2, 10), None, False, None),
]
INNOVATION = [("U0123ABCD", "2025-W10", 20), ("U0BOB0001", "2025-W10", 10),
              ("U0123ABCD", "2025-W11", 30)]  # fmt: skip
SCORES = (2, 5, 3)  # a closed round's anonymous answers: nothing in any export


def _team(session, workspace_id, schedule) -> None:
    """A roster (one person left), what Slack told of each, innovation answers, and a
    pulse round with anonymous answers and an open round's markers."""
    workspace = session.get(Workspace, workspace_id)
    workspace.settings = {**workspace.settings, "team_channel": "C0TEAM001",
                          "pulse_min_answers": 4}  # fmt: skip
    for user, role, joined, left, plan, link in ROSTER:
        session.add(TeamMember(workspace_id=workspace_id, user_id=user, name=f"Name {user}",
                               role=role, joined_on=joined, left_on=left, growth_plan=plan,
                               growth_plan_link=link, source="channel"))  # fmt: skip
    session.add(Member(workspace_id=workspace_id, user_id="U0123ABCD", handle="alice",
                       timezone="Asia/Tokyo", is_slack_admin=True))  # fmt: skip
    session.add(Member(workspace_id=workspace_id, user_id="U0BOB0001", timezone="America/New_York"))
    for user, cycle, percent in INNOVATION:
        session.add(InnovationAnswer(workspace_id=workspace_id, user_id=user, cycle=cycle,
                                     week_start=week_of(cycle), percent=percent))  # fmt: skip
    session.flush()
    at = datetime(2025, 3, 3, 11, tzinfo=UTC)
    round_ = PulseRound(workspace_id=workspace_id, schedule_id=schedule.id, occurrence_key="k",
                        question="How happy?", opened_at=at, closes_at=at)  # fmt: skip
    session.add(round_)
    session.flush()
    for score in SCORES:
        session.add(PulseAnswer(workspace_id=workspace_id, round_id=round_.id, score=score))
    session.add(PulseMarker(workspace_id=workspace_id, round_id=round_.id, user_id="U0BOB0001",
                            asked_at=at, answered=True))  # fmt: skip


PARTNERS = [
    Partner("@platform-team", "S0PLATFORM"),
    Partner("Design (UX)"),
    Partner("S0NOHANDLE", "S0NOHANDLE"),
]


def _partners(session) -> dict[int, list[Partner]]:
    goals = {g.id: g.number for g in session.scalars(select(Goal))}
    return {goals[k]: v for k, v in partners_of(session, list(goals)).items()}


def _fresh_sqlite(tmp_path, sqlite_template, name: str):
    path = tmp_path / name
    shutil.copyfile(sqlite_template, path)
    engine = create_db_engine(f"sqlite:///{path}")
    return engine, make_session_factory(engine)


def test_json_export_restores_into_an_empty_database_identically(
    session, workspace_id, tmp_path, sqlite_template
):
    _rich_workspace(session, workspace_id)
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="json")
    engine, factory = _fresh_sqlite(tmp_path, sqlite_template, "restored.db")
    with factory() as target:
        restored = ensure_workspace(session=target, team_id="T0000000002")
        report = restore_json(session=target, workspace_id=restored.id, data=exported)
        target.commit()
        assert (report.goals, report.checkins, report.readings) == (36, 1, 1)
        assert (report.team, report.innovation) == (4, 3)
        assert "4 team members, 3 innovation answers." in report.summary()
        assert _roster(target) == ROSTER
        assert sorted(_innovation(target)) == sorted(INNOVATION)
        alice = target.scalar(select(Member).where(Member.user_id == "U0123ABCD"))
        assert (alice.handle, alice.timezone, alice.is_slack_admin) == ("alice", "Asia/Tokyo", True)
        assert target.scalar(select(func.count()).select_from(PulseAnswer)) == 0
        assert target.scalar(select(func.count()).select_from(PulseMarker)) == 0
        again = export_roadmap(session=target, workspace_id=restored.id, fmt="json")
        goal = target.scalar(select(Goal).where(Goal.number == 4))
        assert [o.owner for o in goal.owners] == ["U0123ABCD"]
        with pytest.raises(RestoreError, match="already has 36 goals"):
            restore_json(session=target, workspace_id=restored.id, data=exported)
        assert _partners(target) == {1: PARTNERS, 4: PARTNERS[1:]}
    engine.dispose()
    assert again == exported
    data = json.loads(exported)
    assert data["goals"][0]["partners"][0] == {"name": "@platform-team", "usergroup": "S0PLATFORM"}
    assert data["workspace"]["timezone"] == "Europe/Berlin"
    assert data["schedules"][0]["options"] == {"lead_days": 2}
    assert any(g["archived"] for g in data["goals"])
    settings = data["workspace"]["settings"]
    assert (settings["team_channel"], settings["pulse_min_answers"]) == ("C0TEAM001", 4)
    alice = data["team"][0]
    assert alice == {
        "user": "U0123ABCD", "name": "Name U0123ABCD", "handle": "@alice", "role": "lead",
        "joined": "2024-12-02", "left": None, "growth_plan": True,
        "growth_plan_link": "https://wiki/alice-plan", "source": "channel",
        "timezone": "Asia/Tokyo", "is_slack_admin": True,
    }  # fmt: skip
    assert data["innovation"][0] == {
        "user": "U0123ABCD", "cycle": "2025-W10", "week": "2025-03-03", "percent": 20
    }  # fmt: skip
    _no_pulse_answer_in(exported)


def _roster(session) -> list[tuple]:
    rows = session.scalars(select(TeamMember).order_by(TeamMember.joined_on, TeamMember.user_id))
    return [
        (m.user_id, m.role, m.joined_on, m.left_on, m.growth_plan, m.growth_plan_link) for m in rows
    ]


def _innovation(session) -> list[tuple]:
    rows = session.scalars(select(InnovationAnswer))
    return [(a.user_id, a.cycle, a.percent) for a in rows]


def _no_pulse_answer_in(exported: str) -> None:
    """Nothing of a pulse answer (a score beside anybody) and no marker's who-was-asked."""
    assert "How happy?" not in exported and "pulse_" not in exported.replace(
        "pulse_min_answers", ""
    )
    for word in ("score", "answered", "asked", "marker"):
        assert word not in exported.casefold()


def test_csv_export_restores_into_an_empty_database_identically(
    session, workspace_id, tmp_path, sqlite_template
):
    _rich_workspace(session, workspace_id)
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="csv")
    schedules = session.scalar(select(func.count()).select_from(Schedule))
    engine, factory = _fresh_sqlite(tmp_path, sqlite_template, "restored.db")
    with factory() as target:
        restored = ensure_workspace(session=target, team_id="T0000000002")
        report = import_csv(session=target, workspace_id=restored.id, data=exported)
        target.commit()
        again = export_roadmap(session=target, workspace_id=restored.id, fmt="csv")
        assert _partners(target) == {1: PARTNERS, 4: PARTNERS[1:]}
        # The whole workspace, as from the JSON: title, schedules, the team, settings.
        assert report.roadmap == "Team Roadmap - Backend Engineering Team"
        assert (report.schedules, report.team, report.innovation) == (schedules, 4, 3)
        assert _roster(target) == ROSTER
        assert sorted(_innovation(target)) == sorted(INNOVATION)
        options = target.scalars(select(Schedule.options).order_by(Schedule.id)).first()
        assert options == {"lead_days": 2}
        workspace = target.get(Workspace, restored.id)
        assert (workspace.timezone, workspace.admin_user_ids) == ("Europe/Berlin", ["U0ADMIN01"])
        assert workspace.settings["team_channel"] == "C0TEAM001"
        assert [o.owner for o in _goal(target, 4).owners] == ["U0123ABCD"]  # @alice is known
        tokyo = target.scalar(select(Member.timezone).where(Member.user_id == "U0123ABCD"))
        assert tokyo == "Asia/Tokyo"
        as_json = json.loads(export_roadmap(session=target, workspace_id=restored.id, fmt="json"))
    engine.dispose()
    # Metrics (text, kind, aliases, baseline, readings' notes) and goals' targets (what they
    # measure, relative or count) as the JSON has them: the digests read the same.
    original = json.loads(export_roadmap(session=session, workspace_id=workspace_id, fmt="json"))
    assert as_json["metrics"] == original["metrics"]
    kept = [g for g in original["goals"] if not g["archived"]]  # the CSV leaves archived out
    for field in ("target", "status_note"):
        assert [g[field] for g in as_json["goals"]] == [g[field] for g in kept]
    assert any(g["target"] and g["target"]["kind"] != "absolute" for g in original["goals"])
    assert again == exported
    rows = list(csv.DictReader(io.StringIO(exported)))
    (alice,) = [r for r in rows if r["record"] == "member" and r["user"] == "U0123ABCD"]
    assert (alice["role"], alice["joined"], alice["plan"], alice["owners"]) == (
        "lead", "2024-12-02", "yes https://wiki/alice-plan", "@alice",
    )  # fmt: skip
    assert [r["value"] for r in rows if r["record"] == "innovation"] == ["20%", "10%", "30%"]
    _no_pulse_answer_in(exported)
    assert "<!subteam^S0PLATFORM|@platform-team>, Design (UX), <!subteam^S0NOHANDLE>" in exported


def test_markdown_export_writes_partners_back_and_reimports_them_unchanged(
    session, workspace_id, tmp_path, sqlite_template
):
    _rich_workspace(session, workspace_id)
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
    assert (
        "- Complete API Gateway Redesign "
        "(with @platform-team, Design (UX), \\<!subteam^S0NOHANDLE>)" in exported
    )
    report = _import(session, workspace_id, exported.encode())
    assert report.partners_named == 2
    session.expire_all()
    assert _partners(session) == {1: PARTNERS, 4: PARTNERS[1:]}  # the ids kept
    assert _goal(session, 1).title == "Complete API Gateway Redesign"
    assert export_roadmap(session=session, workspace_id=workspace_id, fmt="md") == exported
    # Into another workspace the same teams come back; a handle's id is looked up again
    # (`/roadmap edit G1 with @platform-team`), a group without a handle keeps its id.
    engine, factory = _fresh_sqlite(tmp_path, sqlite_template, "restored.db")
    with factory() as target:
        restored = ensure_workspace(session=target, team_id="T0000000002")
        _import(target, restored.id, exported.encode())
        assert _partners(target)[1] == [Partner("@platform-team"), *PARTNERS[1:]]
    engine.dispose()


def test_a_partner_list_with_a_handle_after_a_comma_exports_as_written(session, workspace_id):
    """An owned goal worked on "with Design, @data-team": not escaped into "Design\\,
    \\@data\\-team", and the handle is a partner again on re-import, not an owner."""
    _rich_workspace(session, workspace_id)
    replace_partners(session, _goal(session, 4), [Partner("Design"), Partner("@data-team")])
    session.commit()
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
    (owned,) = [line for line in exported.splitlines() if "(@alice" in line]
    assert "(with Design, @data-team) (@alice" in owned, owned
    _import(session, workspace_id, exported.encode())
    session.expire_all()
    assert _partners(session)[4] == [Partner("Design"), Partner("@data-team")]
    assert [o.owner for o in _goal(session, 4).owners] == ["U0123ABCD"]
    assert export_roadmap(session=session, workspace_id=workspace_id, fmt="md") == exported


def test_a_spreadsheet_merge_reads_the_partners_column(session, workspace_id):
    _import(session, workspace_id, SAMPLE)
    sheet = (
        "Goal,Quarter,Team,Partner teams\n"
        'Complete API Gateway Redesign,Q1 2025,Technical Objectives,"@platform-team, Design"\n'
    )
    import_csv(session=session, workspace_id=workspace_id, data=sheet)
    session.commit()
    assert _partners(session) == {1: [Partner("@platform-team"), Partner("Design")]}


def test_csv_values_are_written_as_a_person_types_them(
    session, workspace_id, tmp_path, sqlite_template
):
    """ "99.95%", "≥ 99.9%"-style targets and "60%" progress, not "99.95" beside "%"; and
    they restore to the same numbers, comparators and units."""
    _rich_workspace(session, workspace_id)
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert "unit" not in rows[0]
    (reading,) = [r for r in rows if r["record"] == "reading"]
    assert reading["value"] == "99.95%"
    uptime = next(r for r in rows if r["record"] == "metric" and r["title"] == "System uptime")
    assert uptime["value"] == ">=99.99%"
    values = [r["value"] for r in rows if r["value"]]
    assert not [v for v in values if v.endswith(".0") or ".0%" in v or ".0 " in v]
    (g4,) = [r for r in rows if r["ref"] == "G4" and r["record"] == "goal"]
    (answer,) = [r for r in rows if r["record"] == "checkin"]
    assert g4["progress"] == answer["progress"] == "60%"
    engine, factory = _fresh_sqlite(tmp_path, sqlite_template, "typed.db")
    with factory() as target:
        restored = ensure_workspace(session=target, team_id="T0000000003")
        import_csv(session=target, workspace_id=restored.id, data=exported)
        target.commit()
        metric = target.scalar(select(Metric).where(Metric.key == "uptime"))
        value = target.scalar(select(MetricReading.value))
        assert (metric.target, metric.comparator, metric.unit, value) == (99.99, ">=", "%", 99.95)
    engine.dispose()


def test_damaged_exports_change_nothing(session, workspace_id):
    before = session.scalar(select(func.count()).select_from(Goal))
    for data, message in [
        ("{", "not JSON"),
        ('{"x": 1}', "not a roadmap export"),
        ('{"roadmap": {}, "goals": [{"ref": "G1"}]}', "missing 'category'"),
        ('{"roadmap": {}, "goals": [], "team": [{"user": "U1"}]}', "missing 'joined'"),
        (
            '{"roadmap": {}, "goals": [], "team": [{"user": "U1", "joined": "2025-01-06"},'
            ' {"user": "U1", "joined": "2025-02-03"}]}',
            "team member 'U1' is listed twice",
        ),
        (
            '{"roadmap": {}, "goals": [], "innovation": [{"user": "U1", "cycle": "2025-W02",'
            ' "percent": 150}]}',
            "not 0-100%",
        ),
    ]:
        with pytest.raises(RestoreError, match=message):
            restore_json(session=session, workspace_id=workspace_id, data=data)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Goal)) == before
    assert session.scalar(select(func.count()).select_from(TeamMember)) == 0


def test_a_spreadsheet_of_goals_imports_with_header_aliases(session, workspace_id):
    sheet = (
        "Goal,Quarter,Team,Assignee,State,Deadline\n"
        "Ship search,Q1 2026,Search,@alice,in progress,2026-03-15\n"
        "Ship billing,Q2 2026,Billing,bob,done,\n"
        ",Q2 2026,Billing,,,\n"
        "No period,,Billing,,,\n"
    )
    report = import_csv(session=session, workspace_id=workspace_id, data=sheet)
    session.commit()
    assert [(c.title, c.period, c.category) for c in report.added] == [
        ("Ship search", "Q1 2026", "Search"),
        ("Ship billing", "Q2 2026", "Billing"),
    ]
    assert [s.line for s in report.skipped] == [4, 5]
    goal = _goal(session, 1)
    assert (goal.status, goal.due_date.isoformat(), [o.owner for o in goal.owners]) == (
        "on-track", "2026-03-15", ["@alice"],
    )  # fmt: skip
    again = import_csv(session=session, workspace_id=workspace_id, data=sheet)
    assert len(again.unchanged) == 2


def test_a_spreadsheets_blocked_status_and_notes_become_the_goals_status_note(
    session, workspace_id
):
    sheet = (
        "Goal,Quarter,Status,Notes\n"
        "Ship search,Q1 2026,Blocked on legal review,\n"
        "Ship billing,Q1 2026,At risk,vendor is late\n"
    )
    import_csv(session=session, workspace_id=workspace_id, data=sheet)
    session.commit()
    assert [(g.title, g.status, g.status_note) for g in session.scalars(select(Goal))] == [
        ("Ship search", "blocked", "Blocked on legal review"),
        ("Ship billing", "at-risk", "vendor is late"),
    ]


@pytest.fixture
def cli_env(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return database_url


def test_cli_moves_a_workspace_with_two_commands(cli_env, tmp_path, monkeypatch, capsys):
    document = tmp_path / "team.md"
    document.write_bytes(SAMPLE)
    assert main(["import", str(document)]) == 0
    backup = tmp_path / "backup.json"
    assert main(["export", "--format", "json", "-o", str(backup)]) == 0
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'moved.db'}")
    capsys.readouterr()
    assert main(["import", str(backup)]) == 0
    assert "Restored 'Team Roadmap - Backend Engineering Team' from a JSON export" in (
        capsys.readouterr().out
    )
    assert main(["export", "--format", "json"]) == 0
    assert capsys.readouterr().out == backup.read_text(encoding="utf-8")


def test_only_a_team_after_with_is_a_partner_annotation(session, workspace_id):
    """`(with @platform-team)`, a user group, a capitalised name or one with a team word is a
    partner; `(with juniors)`, `(with care)`, `(with tests)` are part of the goal's title."""
    document = (
        "# Team\n\n## Q1 2026\n\n"
        "- Onboard new engineers (with juniors)\n"
        "- Refactor billing (with care)\n"
        "- Rewrite the parser (with tests)\n"
        "- Pair on incidents (with seniors and juniors)\n"
        "- Ship the API (with @platform-team)\n"
        "- Redesign the settings page (with Design (UX))\n"
        "- Harden the cluster (with platform team and SRE guild)\n"
    )
    report = _import(session, workspace_id, document.encode())
    titles = [g.title for g in session.scalars(select(Goal).order_by(Goal.number))]
    assert titles == [
        "Onboard new engineers (with juniors)",
        "Refactor billing (with care)",
        "Rewrite the parser (with tests)",
        "Pair on incidents (with seniors and juniors)",
        "Ship the API",
        "Redesign the settings page",
        "Harden the cluster",
    ]
    assert report.partners_named == 3
    assert _partners(session) == {
        5: [Partner("@platform-team")],
        6: [Partner("Design (UX)")],
        7: [Partner("platform team"), Partner("SRE guild")],
    }


def test_a_partner_typed_in_lower_case_is_quoted_in_the_markdown_and_reads_back(
    session, workspace_id
):
    _import(session, workspace_id, b"# Team\n\n## Q1 2026\n\n- Ship the API (with Design)\n")
    goal = _goal(session, 1)
    session.execute(update(GoalPartner).where(GoalPartner.goal_id == goal.id).values(name="design"))
    session.commit()
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
    assert '- Ship the API (with "design")' in exported
    _import(session, workspace_id, exported.encode())
    session.expire_all()
    assert _goal(session, 1).title == "Ship the API"
    assert _partners(session)[1] == [Partner("design")]


def test_a_damaged_team_row_in_a_csv_export_says_which_line_and_restores_nothing(
    session, workspace_id, tmp_path, sqlite_template
):
    _rich_workspace(session, workspace_id)
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="csv")
    line = 1 + exported.splitlines().index(
        next(r for r in exported.splitlines() if r.startswith("member,") and "alice" in r)
    )
    damaged = exported.replace("yes https://wiki/alice-plan", "maybe")
    engine, factory = _fresh_sqlite(tmp_path, sqlite_template, "damaged.db")
    with factory() as target:
        restored = ensure_workspace(session=target, team_id="T0000000004")
        target.commit()
        with pytest.raises(RestoreError, match=f"line {line}: plan 'maybe' is not yes or no"):
            import_csv(session=target, workspace_id=restored.id, data=damaged)
        no_date = exported.replace("2024-12-02", "")  # alice's is the first member row
        with pytest.raises(RestoreError, match=f"line {line}: a member row needs its joined cell"):
            import_csv(session=target, workspace_id=restored.id, data=no_date)
        target.commit()
        assert target.scalar(select(func.count()).select_from(TeamMember)) == 0
        assert target.scalar(select(func.count()).select_from(Goal)) == 0
    engine.dispose()
