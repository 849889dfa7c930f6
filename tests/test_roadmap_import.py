"""Importing the real roadmap document, re-importing edits, dry runs, failures and exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import String, Text, func, select

from bot.blocks.imports import report_message
from bot.cli import main
from bot.cli.roadmap import format_report
from bot.services.roadmap_document import RoadmapParseError, parse_roadmap
from bot.services.roadmap_export import export_roadmap
from bot.services.roadmap_import import _Importer, import_roadmap
from bot.services.workspaces import ensure_workspace
from models import (
    Base,
    Category,
    Checkin,
    Goal,
    GoalOwner,
    Metric,
    Period,
    Schedule,
)

SAMPLE_PATH = Path(__file__).parent.parent / "examples" / "backend-engineering-2025.md"
SAMPLE = SAMPLE_PATH.read_bytes()


@pytest.fixture
def workspace_id(session) -> int:
    workspace = ensure_workspace(session=session, team_id="T0000000001")
    session.commit()
    return workspace.id


def _import(session, workspace_id, text=SAMPLE, **kwargs):
    report = import_roadmap(session=session, workspace_id=workspace_id, text=text, **kwargs)
    session.commit()
    return report


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _row_counts(session) -> dict[str, int]:
    return {
        t.name: session.execute(select(func.count()).select_from(t)).scalar()
        for t in Base.metadata.sorted_tables
    }


def test_sample_imports_whole(session, workspace_id):
    report = _import(session, workspace_id)
    assert len(report.added) == 36 and not report.updated and not report.warnings
    periods = session.scalars(select(Period).order_by(Period.position)).all()
    assert [(p.label, p.start_date.isoformat(), p.end_date.isoformat()) for p in periods] == [
        ("Q1 2025", "2025-01-01", "2025-03-31"),
        ("Q2 2025", "2025-04-01", "2025-06-30"),
        ("Q3-Q4 2025", "2025-07-01", "2025-12-31"),
    ]
    per_period = dict(
        session.execute(
            select(Period.label, func.count(Goal.id)).join(Goal).group_by(Period.label)
        ).all()
    )
    assert per_period == {"Q1 2025": 13, "Q2 2025": 11, "Q3-Q4 2025": 12}
    categories_per_period = session.execute(
        select(Goal.period_id, func.count(func.distinct(Goal.category_id))).group_by(Goal.period_id)
    ).all()
    assert [n for _, n in categories_per_period] == [3, 3, 3]
    assert _count(session, Category) == 3
    assert [g.ref for g in session.scalars(select(Goal).order_by(Goal.number))][:3] == [
        "G1",
        "G2",
        "G3",
    ]


def test_metrics_are_typed(session, workspace_id):
    _import(session, workspace_id)
    metrics = {m.key: m for m in session.scalars(select(Metric))}
    assert len(metrics) == 10
    kinds = [m.kind for m in metrics.values()]
    assert kinds.count("technical") == 5 and kinds.count("team") == 5
    uptime = metrics["uptime"]
    assert (uptime.baseline, uptime.target, uptime.comparator, uptime.unit) == (
        99.9,
        99.99,
        ">=",
        "%",
    )
    assert uptime.text == "99.9% → 99.99%"
    latency = metrics["api-response-time"]
    assert (latency.target, latency.comparator, latency.unit, latency.qualifier) == (
        200,
        "<",
        "ms",
        "average",
    )
    assert (metrics["code-coverage"].target, metrics["code-coverage"].comparator) == (85, ">")
    assert (metrics["mean-time-to-recovery"].target, metrics["mean-time-to-recovery"].unit) == (
        1,
        "hours",
    )
    assert (metrics["employee-satisfaction"].target, metrics["employee-satisfaction"].unit) == (
        4.5,
        "/5",
    )
    assert metrics["deployment-frequency"].cadence == "daily"
    assert metrics["knowledge-sharing-sessions"].cadence == "monthly"
    assert metrics["cross-team-collaboration"].target == 50


def test_uptime_goals_carry_each_periods_milestone(session, workspace_id):
    _import(session, workspace_id)
    uptime = session.scalar(select(Metric).where(Metric.key == "uptime"))
    milestones = session.execute(
        select(Period.label, Goal.target_value, Goal.target_comparator)
        .join(Goal, Goal.period_id == Period.id)
        .where(Goal.metric_id == uptime.id)
        .order_by(Period.position)
    ).all()
    assert milestones == [
        ("Q1 2025", 99.9, ">="),
        ("Q2 2025", 99.95, ">="),
        ("Q3-Q4 2025", 99.99, ">="),
    ]
    onboard = session.scalar(select(Goal).where(Goal.title.like("Onboard 2%")))
    assert (onboard.target_value, onboard.target_kind, onboard.target_unit) == (
        2,
        "count",
        "engineers",
    )


def test_rituals_become_proposed_schedules(session, workspace_id):
    report = _import(session, workspace_id)
    imported = session.scalars(select(Schedule).where(Schedule.source == "import")).all()
    assert sorted(s.kind for s in imported) == ["knowledge_sharing", "retrospective"]
    assert len(report.schedules_proposed) == 2
    # Next to the defaults every new workspace gets, and the team metrics' (the sample roadmap
    # has a satisfaction metric: the pulse survey; and the daily refresh of automatic readings).
    defaults = session.scalars(select(Schedule.kind).where(Schedule.source == "default")).all()
    assert sorted(defaults) == [
        "checkin_prompt",
        "pulse",
        "quarterly_digest",
        "team_metrics",
        "weekly_digest",
    ]
    _import(session, workspace_id)
    assert _count(session, Schedule) == 7


def test_a_reimport_proposing_other_rituals_says_the_schedules_were_kept(session, workspace_id):
    _import(session, workspace_id)
    before = {s.kind: s.rule for s in session.scalars(select(Schedule))}
    edited = SAMPLE + b"\n## Rituals\n\n- Retrospective every 2 weeks on Tuesday\n"
    for dry_run in (True, False):
        report = _import(session, workspace_id, edited, dry_run=dry_run)
        assert report.schedules_proposed == []
        (kept,) = report.schedules_kept
        assert kept.startswith(f"retrospective: kept {before['retrospective']!r}")
        assert "(the document says 'every 2 weeks on Tuesday at 14:00')" in kept
        assert "`/roadmap schedule edit " in kept
        shown = report_message(report).text + str(report_message(report).blocks)
        assert "Schedules kept" in shown
        assert f"Schedules kept (a re-import never changes one):\n  {kept}" in format_report(report)
    assert {s.kind: s.rule for s in session.scalars(select(Schedule))} == before
    # Unchanged rituals are not mentioned.
    assert _import(session, workspace_id).schedules_kept == []


def test_no_mojibake_anywhere_in_the_database(session, workspace_id):
    _import(session, workspace_id)
    for table in Base.metadata.sorted_tables:
        text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        for column in text_columns:
            if table.name == "roadmaps" and column.name == "source_document":
                continue  # the document is stored exactly as given
            values = session.scalars(select(column)).all()
            assert not any("â" in (v or "") for v in values), (table.name, column.name)


def test_importing_twice_changes_nothing(session, workspace_id):
    first = _import(session, workspace_id)
    assert first.summary().endswith("(36 added, 0 updated, 0 unchanged, 0 not in the document), "
                                    "10 metrics added.")  # fmt: skip
    before = _row_counts(session)
    report = _import(session, workspace_id)
    assert _count(session, Goal) == 36
    assert (len(report.added), len(report.updated), len(report.unchanged)) == (0, 0, 36)
    # The metrics were there and unchanged, not absent.
    assert report.summary().endswith("not in the document), 10 metrics unchanged.")
    after = _row_counts(session)
    after["audit_log"] -= 1
    assert after == before


def test_edited_copy_reports_rename_addition_and_removal(session, workspace_id):
    _import(session, workspace_id)
    edited = (
        SAMPLE.replace(b"- Complete API Gateway Redesign", b"- Complete the API Gateway Redesign")
        .replace(b"- Establish incident response procedures\n", b"")
        .replace(
            b"- Launch Machine Learning Pipeline\n",
            b"- Launch Machine Learning Pipeline\n- Adopt OpenTelemetry tracing\n",
        )
    )
    report = _import(session, workspace_id, edited)
    assert report.summary().endswith("10 metrics unchanged.")
    assert [c.title for c in report.added] == ["Adopt OpenTelemetry tracing"]
    assert [(c.ref, c.title) for c in report.updated] == [
        ("G1", "Complete the API Gateway Redesign")
    ]
    assert "renamed from" in report.updated[0].detail
    assert [c.title for c in report.missing] == ["Establish incident response procedures"]
    assert len(report.unchanged) == 34
    assert report.archived == []
    assert _count(session, Goal) == 37  # kept, not archived, unless asked

    again = _import(session, workspace_id, edited, archive_missing=True)
    assert [c.title for c in again.archived] == ["Establish incident response procedures"]
    archived = session.scalar(select(Goal).where(Goal.archived.is_(True)))
    assert archived.title == "Establish incident response procedures"


def test_owners_and_checkins_survive_a_reimport(session, workspace_id):
    _import(session, workspace_id)
    goal = session.scalar(select(Goal).where(Goal.number == 1))
    goal.owners = [GoalOwner(workspace_id=workspace_id, owner="U0123ABCD")]
    goal.status, goal.progress = "at-risk", 40
    session.add(
        Checkin(
            workspace_id=workspace_id,
            goal_id=goal.id,
            cycle="2025-W10",
            user_id="U0123ABCD",
            status="at-risk",
            source="command",
        )
    )
    session.commit()
    _import(session, workspace_id)
    session.expire_all()
    goal = session.scalar(select(Goal).where(Goal.number == 1))
    assert [o.owner for o in goal.owners] == ["U0123ABCD"]
    assert (goal.status, goal.progress) == ("at-risk", 40)
    assert _count(session, Checkin) == 1


def test_dry_run_writes_nothing(session, workspace_id):
    before = _row_counts(session)
    report = _import(session, workspace_id, dry_run=True)
    assert len(report.added) == 36 and report.dry_run
    assert _row_counts(session) == before


def test_a_failure_midway_leaves_the_database_as_it_was(session, workspace_id, monkeypatch):
    _import(session, workspace_id)
    before = _row_counts(session)

    def explode(self, report):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(_Importer, "_schedules", explode)
    edited = SAMPLE.replace(b"Q2 2025 Goals", b"Q2 2026 Goals")
    with pytest.raises(RuntimeError):
        import_roadmap(session=session, workspace_id=workspace_id, text=edited)
    session.commit()
    assert _row_counts(session) == before


def test_a_document_without_a_roadmap_is_refused_with_its_line(session, workspace_id):
    with pytest.raises(RoadmapParseError) as caught:
        import_roadmap(session=session, workspace_id=workspace_id, text=b"# Notes\n\nJust prose.\n")
    assert caught.value.line is not None
    assert _count(session, Goal) == 0


def test_markdown_export_reimports_to_the_same_roadmap(session, workspace_id):
    _import(session, workspace_id)
    goal = session.scalar(select(Goal).where(Goal.number == 2))
    goal.owners = [
        GoalOwner(workspace_id=workspace_id, owner="U0123ABCD", position=0),
        GoalOwner(workspace_id=workspace_id, owner="@alice", position=1),
    ]
    goal.status, goal.progress = "at-risk", 60
    goal.due_date = parse_roadmap(SAMPLE).periods[0].end
    session.commit()
    markdown = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
    assert "â" not in markdown

    other = ensure_workspace(session=session, team_id="T0000000002")
    session.commit()
    report = _import(session, other.id, markdown.encode())
    assert len(report.added) == 36
    again = export_roadmap(session=session, workspace_id=other.id, fmt="md")
    assert again == markdown
    copied = session.scalar(select(Goal).where(Goal.workspace_id == other.id, Goal.number == 2))
    assert [o.owner for o in copied.owners] == ["U0123ABCD", "@alice"]
    assert (copied.status, copied.progress, copied.due_date) == ("at-risk", 60, goal.due_date)

    original = parse_roadmap(SAMPLE)
    exported = parse_roadmap(markdown)
    assert [
        (p.label, [(c.name, [g.title for g in c.goals]) for c in p.categories])
        for p in exported.periods
    ] == [
        (p.label, [(c.name, [g.title for g in c.goals]) for c in p.categories])
        for p in original.periods
    ]
    assert [(m.name, m.text, m.target) for m in exported.metrics] == [
        (m.name, m.text, m.target) for m in original.metrics
    ]


def test_json_export_shape(session, workspace_id):
    _import(session, workspace_id)
    data = json.loads(export_roadmap(session=session, workspace_id=workspace_id, fmt="json"))
    assert set(data) == {
        "format", "version", "workspace", "roadmap", "periods", "categories", "goals", "metrics",
        "schedules", "checkins", "team", "innovation",
    }  # fmt: skip
    assert (data["format"], data["version"]) == ("roadmap-bot", 2)
    assert data["periods"][0] == {
        "label": "Q1 2025", "start": "2025-01-01", "end": "2025-03-31", "theme": None,
        "status": None,
    }  # fmt: skip
    goal = data["goals"][0]
    assert {"ref", "title", "period", "category", "status", "progress", "owners", "due"} <= set(
        goal
    )
    assert goal["ref"] == "G1" and goal["period"] == "Q1 2025"
    metric = data["metrics"][0]
    assert {
        "name",
        "kind",
        "baseline",
        "target",
        "comparator",
        "unit",
        "cadence",
        "readings",
    } <= set(metric)
    assert len(data["goals"]) == 36 and len(data["metrics"]) == 10


def test_csv_export(session, workspace_id):
    _import(session, workspace_id)
    rows = list(
        csv.DictReader(
            io.StringIO(export_roadmap(session=session, workspace_id=workspace_id, fmt="csv"))
        )
    )
    goals = [r for r in rows if r["record"] == "goal"]
    assert len(goals) == 36 and goals[0]["ref"] == "G1"
    assert len([r for r in rows if r["record"] == "metric"]) == 10


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_env(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return database_url


def test_cli_import_then_export(cli_env, capsys, tmp_path, session):
    assert main(["import", str(SAMPLE_PATH)]) == 0
    out = capsys.readouterr().out
    assert "36 goals (36 added" in out
    assert main(["import", str(SAMPLE_PATH), "--dry-run"]) == 0
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert main(["export", "--format", "json", "-o", str(tmp_path / "r.json")]) == 0
    assert len(json.loads((tmp_path / "r.json").read_text())["goals"]) == 36
    assert main(["export", "--format", "md"]) == 0
    assert "## Q1 2025 Goals" in capsys.readouterr().out


def test_cli_malformed_document_exits_non_zero_with_its_line(cli_env, capsys, tmp_path, session):
    assert main(["import", str(SAMPLE_PATH)]) == 0
    before = _row_counts(session)
    bad = tmp_path / "bad.md"
    bad.write_text("# Team notes\n\nNothing planned here.\n\n## Risks\n- vendor lock-in\n")
    assert main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line " in err and "bad.md" in err
    session.expire_all()
    assert _row_counts(session) == before


def test_cli_dry_run_on_an_empty_database_creates_nothing(cli_env, session):
    assert main(["import", str(SAMPLE_PATH), "--dry-run"]) == 0
    assert all(n == 0 for n in _row_counts(session).values() if n is not None)


VARIATIONS = {
    "deeper headings, other bullets, checkboxes and annotations": (
        "# Plan\n#### Q2 2026\n##### Platform\n* [x] Ship it\n"
        "+ [ ] Test it (@alice, due 2026-05-01)\n"
        "1. Fix it <@U0123ABCD> [at risk]\n"
    ),
    "CRLF, BOM, tabs and duplicate lines": (
        "\ufeff# Plan\r\n## H1 2026\r\n### Ops\r\n-\tShip it\r\n-\tShip it\r\n\r\n- Test it\r\n"
    ),
    "a bare quarter takes the document's year": "# Plan 2026\n## Q3\n### Ops\n- Ship it\n",
    "year first": "# Plan\n## 2026 Q2\n### Ops\n- Ship it\n- Test it\n",
    "mojibake": (
        "# Plan\n## Q1 2026\n### Ops\n- Ship it â€“ fast\n## Metrics\n- Uptime: 99% â†’ 99.9%\n"
    ),
}


@pytest.mark.parametrize("name", VARIATIONS)
def test_each_variation_imports_into_the_database(session, workspace_id, name):
    report = _import(session, workspace_id, VARIATIONS[name].encode("utf-8"))
    goals = session.scalars(select(Goal).order_by(Goal.number)).all()
    assert goals and len(report.added) == len(goals)
    assert all("â" not in g.title and "\t" not in g.title for g in goals)
    if name.startswith("deeper"):
        assert [(g.title, g.status) for g in goals] == [
            ("Ship it", "done"),
            ("Test it", "not-started"),
            ("Fix it", "at-risk"),
        ]
        assert goals[1].due_date.isoformat() == "2026-05-01"
        assert [o.owner for o in goals[1].owners] == ["@alice"]
        assert [o.owner for o in goals[2].owners] == ["U0123ABCD"]
    if name.startswith("CRLF"):
        assert [g.title for g in goals] == ["Ship it", "Test it"]
        assert report.skipped  # the duplicate line is reported
    if name.startswith("a bare"):
        period = session.scalar(select(Period))
        assert (period.label, period.start_date.isoformat()) == ("Q3 2026", "2026-07-01")
    if name == "mojibake":
        assert session.scalar(select(Metric.text)) == "99% → 99.9%"


def test_cli_dry_run_lists_the_owners_it_could_not_resolve(cli_env, capsys, tmp_path, session):
    doc = tmp_path / "r.md"
    doc.write_text("# R\n\n## Q1 2025 Goals\n\n### Tech\n- Ship it (@zed)\n- Tidy up (@zed)\n")
    assert main(["import", str(doc), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Owners not found in the workspace (1), would be kept as written:" in out
    assert "  @zed (Ship it, Tidy up)" in out and "nothing was written" in out.lower()
