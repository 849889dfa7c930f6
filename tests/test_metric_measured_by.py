"""What measures a metric is stored on it: chosen from its name when the metric is created (and
said so), changed by an admin with `/roadmap metric source <name> <source>`, kept on
re-import, exported and restored; migration 0012 fills it for existing metrics."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text

from bot.db import alembic_config, create_db_engine
from bot.flows.commands import ExplainMetric, ListMetrics, MetricSourceCommand
from bot.services import team_metrics, tool_events
from bot.services.roadmap_csv import import_csv
from bot.services.roadmap_export import export_roadmap
from bot.services.roadmap_import import import_roadmap
from bot.services.roadmap_restore import restore_json
from bot.services.workspaces import ensure_workspace
from handlers.grammar import parse_command
from models import Metric, Workspace
from tests.conftest import SAMPLE_ROADMAP
from tests.test_database import _drop_database, _fresh_database_url, _insert_workspace_row
from tests.test_team_metrics import ask, said, world  # noqa: F401 (a fixture)


@pytest.fixture
def acme(world):  # noqa: F811
    """The fake team with the sample roadmap imported."""
    return world


def sources(session_or_factory) -> dict[str, tuple[str, bool]]:
    def read(session):
        return {
            m.name: (m.measured_by, m.measured_by_guessed)
            for m in session.scalars(select(Metric).order_by(Metric.position))
        }

    if callable(session_or_factory):
        with session_or_factory() as session:
            return read(session)
    return read(session_or_factory)


CHOSEN = {
    "System uptime": ("manual", True),
    "API response time": ("manual", True),
    "Code coverage": ("manual", True),
    "Deployment frequency": ("tools", True),
    "Mean time to recovery": ("tools", True),
    "Employee satisfaction": ("pulse", True),
    "Knowledge sharing sessions": ("rituals", True),
    "Cross-team collaboration": ("goals", True),
    "Career development": ("roster", True),
    "Innovation projects": ("checkins", True),
}


def test_an_import_chooses_each_source_from_the_name_and_says_so(session):
    workspace = ensure_workspace(session=session, team_id="T0000000001")
    report = import_roadmap(
        session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes()
    )
    session.commit()
    assert sources(session) == CHOSEN
    assert "Employee satisfaction: the pulse survey" in report.sources_chosen
    assert not any(line.startswith("System uptime") for line in report.sources_chosen)


def test_the_grammar_reads_a_source_and_keeps_the_prometheus_forms():
    def parsed(line):
        return parse_command(line).command

    assert parsed("metric source employee satisfaction roster") == MetricSourceCommand(
        "employee satisfaction", measured_by="roster"
    )
    assert parsed("metric source innovation projects check-ins") == MetricSourceCommand(
        "innovation projects", measured_by="checkins"
    )
    assert parsed("metric source uptime manual") == MetricSourceCommand("uptime", off=True)
    assert parsed("metric source uptime off") == MetricSourceCommand("uptime", off=True)
    assert parsed("metric source uptime") == MetricSourceCommand("uptime")
    assert parsed('metric source uptime prometheus "up"') == MetricSourceCommand(
        "uptime", query="up"
    )
    # A metric called "pulse" still takes a value.
    assert parsed("metric pulse 4").name == "pulse"


def test_an_admin_changes_the_source_and_a_reimport_keeps_it(session_factory, acme, roadmap):
    def source(name, what):
        return said(ask(session_factory, acme, MetricSourceCommand(name, measured_by=what)))

    explained = said(ask(session_factory, acme, ExplainMetric("innovation")))
    assert "measured by the check-in's innovation question, chosen from its name" in explained
    assert "/roadmap metric source Innovation projects pulse|roster|checkins" in explained

    off = said(ask(session_factory, acme, MetricSourceCommand("innovation", off=True)))
    assert "*Innovation projects* is now typed by people" in off
    assert sources(session_factory)["Innovation projects"] == ("manual", False)
    with session_factory() as session:
        workspace = session.get(Workspace, roadmap)
        # The check-in stops asking the innovation question.
        assert not team_metrics.has_metric(session, workspace.id, "checkins")
    listed = said(ask(session_factory, acme, ListMetrics()))
    assert "Innovation projects: *no reading yet* (target 20% of time allocation" in listed
    assert "innovation question" not in listed

    # Refused, with the reason, and nothing changes.
    before = sources(session_factory)
    refused = source("code coverage", "pulse")
    assert "Employee satisfaction is already measured by the pulse survey" in refused
    assert "System uptime is neither" in source("uptime", "tools")
    not_admin = ask(
        session_factory, acme, MetricSourceCommand("coverage", measured_by="goals"), user=acme.alice
    )
    assert "Only roadmap admins can change where metrics come from" in said(not_admin)
    assert sources(session_factory) == before

    # A last word that is not a source, after a metric's name: said so, not "no metric".
    banana = said(ask(session_factory, acme, MetricSourceCommand("satisfaction banana")))
    assert "`banana` is not a source: pulse, roster, checkins" in banana
    assert "no metric" not in banana
    assert "`/roadmap metric source Employee satisfaction` shows what measures" in banana
    assert "There is no metric 'flux banana'" in said(
        ask(session_factory, acme, MetricSourceCommand("flux banana"))
    )
    assert sources(session_factory) == before

    # Back to the check-ins: set by an admin now, measured at once.
    back = source("innovation", "checkins")
    assert "now measured by the check-in's innovation question (it was typed by people)" in back
    assert "nobody answered the innovation question in Q1 2025 yet" in back
    assert "set by an admin" in said(ask(session_factory, acme, ExplainMetric("innovation")))
    source("satisfaction", "manual")

    with session_factory() as session, session.begin():
        import_roadmap(session=session, workspace_id=roadmap, text=SAMPLE_ROADMAP.read_bytes())
    kept = sources(session_factory)
    assert kept["Innovation projects"] == ("checkins", False)
    assert kept["Employee satisfaction"] == ("manual", False)
    assert kept["Career development"] == ("roster", True)


def test_the_tools_feed_only_metrics_they_measure(session_factory, acme, roadmap):
    with session_factory() as session:
        assert tool_events.deploy_metric(session, roadmap).name == "Deployment frequency"
    ask(session_factory, acme, MetricSourceCommand("deployment frequency", off=True))
    with session_factory() as session:
        assert tool_events.deploy_metric(session, roadmap) is None
        assert tool_events.recovery_metric(session, roadmap).name == "Mean time to recovery"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_exports_keep_the_sources(session, fmt, tmp_path, sqlite_template):
    import shutil

    from bot.db import make_session_factory

    workspace = ensure_workspace(session=session, team_id="T0000000001")
    import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes())
    metric = session.scalar(select(Metric).where(Metric.key == "innovation-projects"))
    metric.measured_by, metric.measured_by_guessed = "manual", False
    coverage = session.scalar(select(Metric).where(Metric.key == "code-coverage"))
    coverage.measured_by, coverage.measured_by_guessed = "prometheus", False
    session.commit()
    expected = sources(session)
    exported = export_roadmap(session=session, workspace_id=workspace.id, fmt=fmt)
    path = tmp_path / "restored.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_db_engine(f"sqlite:///{path}")
    with make_session_factory(engine)() as target:
        restored = ensure_workspace(session=target, team_id="T0000000002")
        if fmt == "json":
            restore_json(session=target, workspace_id=restored.id, data=exported)
        else:
            import_csv(session=target, workspace_id=restored.id, data=exported)
        target.commit()
        assert sources(target) == expected
        assert export_roadmap(session=target, workspace_id=restored.id, fmt=fmt) == exported
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0012_fills_the_source_from_the_name(backend, tmp_path):
    url = _fresh_database_url(backend, tmp_path)
    try:
        config = alembic_config(url)
        command.upgrade(config, "0011")
        engine = create_db_engine(url)
        stamp = "2025-01-01 00:00:00+00:00"
        metrics = [
            (1, "employee-satisfaction", "Employee satisfaction"),
            (2, "uptime", "System uptime"),
            (3, "deployment-frequency", "Deployment frequency"),
            (4, "latency", "API latency"),  # bound to a Prometheus query
            (5, "innovation-projects", "Innovation projects"),
        ]
        with engine.begin() as connection:
            _insert_workspace_row(connection, stamp)
            for id_, key, name in metrics:
                connection.execute(
                    text(
                        "INSERT INTO metrics (id, workspace_id, key, name, aliases, kind, typed,"
                        " position, archived, created_at, updated_at) VALUES (:id, 1, :key,"
                        " :name, '[]', 'team', :yes, :id, :no, :at, :at)"
                    ),
                    {"id": id_, "key": key, "name": name, "at": stamp, "yes": True, "no": False},
                )
            connection.execute(
                text(
                    "INSERT INTO metric_sources (id, workspace_id, metric_id, kind, query,"
                    " created_at, updated_at) VALUES (1, 1, 4, 'prometheus', 'up', :at, :at)"
                ),
                {"at": stamp},
            )
        engine.dispose()
        command.upgrade(config, "head")
        engine = create_db_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT name, measured_by, measured_by_guessed FROM metrics ORDER BY id")
            ).all()
        engine.dispose()
        assert [(name, source, bool(guessed)) for name, source, guessed in rows] == [
            ("Employee satisfaction", "pulse", True),
            ("System uptime", "manual", True),
            ("Deployment frequency", "tools", True),
            ("API latency", "prometheus", False),
            ("Innovation projects", "checkins", True),
        ]
        command.downgrade(config, "0011")
        engine = create_db_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM metrics")).scalar() == 5
        engine.dispose()
        command.upgrade(config, "head")
        command.check(config)
    finally:
        _drop_database(url)
