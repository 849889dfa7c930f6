"""`/roadmap config hook …`, `/roadmap config prometheus …` in-process, the sealing of their
secrets, and the incident rules as an invariant (hypothesis)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.flows.commands import CommandCall
from bot.services import hooks as hook_service
from bot.services import secrets, tool_events
from bot.services.workspaces import ensure_workspace
from handlers import grammar as g
from models import Hook, Metric, MetricReading, ToolEvent, Workspace
from tests.conftest import FROZEN_NOW, SIGNING_SECRET
from tests.flows import FlowRun, run
from tests.harness import _all_text

NOW = datetime.fromisoformat(FROZEN_NOW)


@pytest.fixture(autouse=True)
def keys():
    secrets.configure(encryption_key=None, signing_secret=SIGNING_SECRET)
    yield
    secrets.configure(encryption_key=None, signing_secret=SIGNING_SECRET)


@pytest.fixture
def ask(session_factory, slack, roadmap):
    users = {
        slack.alice: {"name": "alice", "tz": "Europe/Berlin"},
        slack.admin: {"name": "dana", "tz": "UTC", "is_admin": True},
    }

    def ask(text: str, user: str | None = None) -> FlowRun:
        parsed = g.parse_command(text)
        result = run(
            session_factory,
            g.COMMANDS[parsed.name].flow,
            CommandCall(parsed.command, parsed.share),
            team_id=slack.team_id,
            user_id=user or slack.admin,
            now=NOW,
            users=users,
            channel_id=slack.channel,
        )
        result.all_text = "\n".join(_all_text(m.to_dict()) for m in result.effects.replies)
        return result

    return ask


def hooks_in(session_factory) -> list[Hook]:
    with session_factory() as session:
        return list(session.scalars(select(Hook).order_by(Hook.created_at)))


def test_hooks_are_created_listed_and_revoked_by_admins(ask, session_factory, slack):
    refused = ask("config hook github create", user=slack.alice)
    assert "Only roadmap admins can create webhooks" in refused.all_text
    assert hooks_in(session_factory) == []

    created = ask("config hook github create")
    assert not created.outcome.share
    [hook] = hooks_in(session_factory)
    assert f"$ROADMAP_URL/api/v1/hooks/github/{hook.id}" in created.all_text
    secret = re.search(r"Secret:\n```([\w-]{40,})```", created.all_text).group(1)
    assert hook.secret != secret and secret not in hook.secret  # sealed, not stored as is
    assert secrets.open_secret(hook.secret) == secret
    assert "Deployment statuses" in created.all_text and "Deployment frequency" in created.all_text

    alerts = ask("config hook alertmanager create severity=page team=db")
    assert "credentials:" in alerts.all_text and "`severity=page`, `team=db`" in alerts.all_text
    listed = ask("config hook list")
    assert hook.id in listed.all_text and "Alertmanager" in listed.all_text
    assert secret not in listed.all_text
    assert "1 github hook" in ask("config hook github list").all_text

    assert "no active GitHub hook nope" in ask("config hook github revoke nope").all_text
    revoked = ask(f"config hook github revoke {hook.id}")
    assert "no longer works" in revoked.all_text
    [gone] = [h for h in hooks_in(session_factory) if h.id == hook.id]
    assert gone.revoked_at is not None
    assert hook.id not in ask("config hook github list").all_text


def test_a_hook_needs_its_metric_and_a_key(ask, session_factory, roadmap):
    with session_factory() as session, session.begin():
        session.execute(
            Metric.__table__.update()
            .where(Metric.workspace_id == roadmap, Metric.name.ilike("%deploy%"))
            .values(archived=True)
        )
    missing = ask("config hook gitlab create")
    assert "no deployment-frequency metric" in missing.all_text
    secrets.configure(encryption_key=None, signing_secret=None)
    no_key = ask("config hook alertmanager create")
    assert "set ROADMAP_ENCRYPTION_KEY" in no_key.all_text
    assert hooks_in(session_factory) == []


def test_the_prometheus_server_is_set_shown_and_forgotten(ask, session_factory, roadmap):
    assert "No Prometheus server is set" in ask("config prometheus").all_text
    shown = ask("config prometheus https://prom.internal:9090 token t0ps3cret")
    assert "https://prom.internal:9090" in shown.all_text and "t0ps3cret" not in shown.all_text
    with session_factory() as session:
        stored = session.get_one(Workspace, roadmap).settings
    assert stored["prometheus_token"] != "t0ps3cret"
    assert secrets.open_secret(stored["prometheus_token"]) == "t0ps3cret"
    assert "with a bearer token" in ask("config prometheus").all_text
    assert "No Prometheus server" in ask("config prometheus off").all_text


def test_secrets_sealed_with_the_derived_key_survive_a_new_encryption_key(
    session_factory, slack, roadmap
):
    from cryptography.fernet import Fernet

    admin = hook_service.Actor("UADMIN", is_slack_admin=True)
    with session_factory() as session, session.begin():
        workspace = session.get_one(Workspace, roadmap)
        created = hook_service.create_hook(session, workspace, admin, "github")
    key = Fernet.generate_key().decode()
    secrets.configure(encryption_key=key, signing_secret=SIGNING_SECRET)
    with session_factory() as session, session.begin():
        assert hook_service.find_hook(session, "github", created.view.id).secret == created.secret
        assert hook_service.rekey_secrets(session) == (1, 0)
    # Now the encryption key alone opens it.
    secrets.configure(encryption_key=key, signing_secret=None)
    with session_factory() as session:
        assert hook_service.find_hook(session, "github", created.view.id).secret == created.secret


# --- incidents: an invariant ------------------------------------------------------------------

START = datetime(2025, 3, 3, 9, tzinfo=UTC)
# (incident number, firing or resolved): Alertmanager re-sends both, in any order it likes.
deliveries = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["firing", "resolved"])), max_size=14
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=deliveries)
def test_incidents_are_counted_once_whatever_the_resends(session_factory, sent):
    with session_factory() as session:
        workspace = ensure_workspace(session=session, team_id="TINCIDENT")
        session.execute(ToolEvent.__table__.delete())
        session.execute(MetricReading.__table__.delete())
        if not session.scalar(select(Metric.id).where(Metric.workspace_id == workspace.id)):
            session.add(Metric(workspace_id=workspace.id, key="mttr", name="MTTR", unit="minutes"))
        session.flush()
        for _round in range(2):  # everything sent twice changes nothing the second time
            for number, status in sent:
                key, start = f"fp{number}", START + timedelta(hours=number)
                if status == "firing":
                    tool_events.open_incident(
                        session, workspace, source="alertmanager", key=key, at=start, now=NOW
                    )
                else:
                    tool_events.resolve_incident(
                        session,
                        workspace,
                        source="alertmanager",
                        key=key,
                        started_at=start,
                        resolved_at=start + timedelta(minutes=10 * (number + 1)),
                        now=NOW,
                    )
        incidents = session.scalar(select(func.count()).select_from(ToolEvent))
        readings = list(session.scalars(select(MetricReading).order_by(MetricReading.id)))
        resolved = {n for n, status in sent if status == "resolved"}
        assert incidents == len({n for n, _status in sent})
        assert len(readings) == len(resolved)  # one MTTR reading per resolution
        if resolved:  # the latest reading is the mean of every resolved incident
            mean = sum(10 * (n + 1) for n in resolved) / len(resolved)
            latest = max(readings, key=lambda r: (r.recorded_at, r.id))
            assert latest.value == pytest.approx(mean)
        session.rollback()
