"""OAuth mode over real HTTP against the fake Slack: installs into several workspaces, tokens
encrypted at rest, token rotation, Enterprise Grid, uninstall, retention and purge."""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlencode

import pytest
import yaml
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, inspect, select, text, update

from bot.app import create_app
from bot.config import ConfigError, Settings
from bot.fakeslack import m_oauth
from bot.oauth.flow import BOT_SCOPES
from bot.runtime import Runtime
from bot.scheduling.planner import plan
from bot.services.installations import purge_expired
from bot.web import create_wsgi_app
from models import Delivery, Schedule, Workspace, utcnow
from models.installation import SlackBot, SlackInstallation
from tests.conftest import SIGNING_SECRET
from tests.harness import AppServer, SlackDriver, http_request, run_command
from tests.signing import event_body

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef"
KEY = Fernet.generate_key().decode()
TOKEN_MARKS = ("xoxb-", "xoxp-", "xoxe-", "xoxe.")


@dataclass
class Team:
    id: str
    installer: str
    member: str
    channel: str
    enterprise_id: str | None = None


def _team(fake, name: str, tz: str, enterprise_id: str | None = None) -> Team:
    team = fake.add_team(name=name, enterprise_id=enterprise_id)
    installer = fake.add_user(team, name=f"{name.lower()}-admin", tz=tz, is_admin=True)
    member = fake.add_user(team, name=f"{name.lower()}-dev", tz="UTC")
    channel = fake.add_channel(team, name="roadmap", members=[installer, member])
    return Team(team["id"], installer["id"], member["id"], channel["id"], enterprise_id)


@pytest.fixture
def teams(fake_slack) -> tuple[Team, Team]:
    m_oauth.register_app(fake_slack, CLIENT_ID, CLIENT_SECRET)
    return _team(fake_slack, "Acme", "Europe/Berlin"), _team(fake_slack, "Globex", "Asia/Tokyo")


@pytest.fixture
def oauth_settings(database_url, fake_slack) -> Settings:
    return Settings(
        database_url=database_url,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        encryption_key=KEY,
    )


class OAuthApp:
    """The app in OAuth mode on 127.0.0.1, and what the tests do to it."""

    def __init__(self, settings: Settings, fake):
        self.fake = fake
        self.runtime = Runtime.from_settings(settings)
        self._server = AppServer(create_wsgi_app(create_app(settings, self.runtime), self.runtime))
        self.url = self._server.url

    def install(self, team: Team, **grant) -> tuple[str, int]:
        """Install page, then Slack's redirect with a code; returns (page, status)."""
        page = http_request(f"{self.url}/slack/install")
        assert page.status == 200, page.text
        cookie = {k.lower(): v for k, v in page.headers.items()}["set-cookie"]
        state = re.search(r"slack-app-oauth-state=([^;]+)", cookie)[1]
        assert f"state={state}" in unquote(page.text)
        code = m_oauth.install_code(self.fake, team.id, team.installer, **grant)
        done = http_request(
            f"{self.url}/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}",
            headers={"Cookie": f"slack-app-oauth-state={state}"},
        )
        return done.text, done.status

    def driver(self, team: Team) -> SlackDriver:
        driver = SlackDriver(self.url, SIGNING_SECRET, self.fake, team.id)
        driver.runtime = self.runtime
        return driver

    def command(self, team: Team, text: str = "list"):
        return run_command(self.driver(team), text, user_id=team.member, channel_id=team.channel)

    def event(self, team: Team, event: dict, *, org_wide: bool = False, at: int | None = None):
        body = json.loads(event_body(event, team_id=team.id, event_id=_event_id(), event_time=at))
        if team.enterprise_id:
            body["enterprise_id"] = team.enterprise_id
            body["authorizations"][0].update(
                enterprise_id=team.enterprise_id,
                team_id=None if org_wide else team.id,
                is_enterprise_install=org_wide,
            )
        result = self.driver(team).post(json.dumps(body).encode(), "application/json")
        assert result.status == 200, result.text
        assert self.runtime.listener_executor.wait_idle(15)

    def uninstall(self, team: Team, *, order=("app_uninstalled", "tokens_revoked"), **kw):
        """What Slack does: revoke the tokens, then send the two events."""
        owner = team.enterprise_id if kw.get("org_wide") else team.id
        m_oauth.revoke_app(self.fake, owner)
        bot_user = self.fake.bot_user_id(m_oauth.issued_tokens(self.fake, owner)[-1])
        events = {
            "app_uninstalled": {"type": "app_uninstalled"},
            "tokens_revoked": {"type": "tokens_revoked", "tokens": {"bot": [bot_user]}},
        }
        for name in order:
            self.event(team, events[name], **kw)


_event_ids = itertools.count(1)


def _event_id() -> str:
    return f"EvOAUTH{next(_event_ids):06d}"


@pytest.fixture
def oauth_app(oauth_settings, fake_slack, teams):
    app = OAuthApp(oauth_settings, fake_slack)
    with app._server:
        yield app
    app.runtime.close()


def _workspace(app: OAuthApp, team: Team) -> Workspace:
    with app.runtime.session_factory() as session:
        return Workspace.by_team(session, team.id)


def _rows(app: OAuthApp, model, **where) -> list:
    with app.runtime.engine.connect() as connection:
        query = select(model.__table__)
        for name, value in where.items():
            query = query.where(model.__table__.c[name] == value)
        return list(connection.execute(query).mappings())


def _give_a_reminder(session, team) -> None:
    """Without a roadmap or a channel nothing of the defaults is due: a daily reminder in the
    team's channel is."""
    workspace = session.scalar(select(Workspace).where(Workspace.team_id == team.id))
    workspace.roadmap_channel_id = team.channel
    session.add(
        Schedule(
            workspace_id=workspace.id,
            kind="reminder",
            rule="every day 09:00",
            text="Update your goals",
            options={},
        )
    )


def _planned_for(session, now) -> set[int]:
    """The workspaces the planner made deliveries for, up to `now`."""
    report = plan(session, now)
    return {session.get(Schedule, sid).workspace_id for sid, _ in report.pending + report.missed}


def _stored_strings(engine) -> list[tuple[str, str, str]]:
    """Every text value in every table, as a database dump would show it."""
    found = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for column, value in row.items():
                    if isinstance(value, dict | list):
                        value = json.dumps(value)
                    if isinstance(value, str):
                        found.append((table, column, value))
    return found


def _dm_texts(fake, team: Team, token: str) -> list[str]:
    channel = fake.dm_channel(team.id, team.installer, fake.bot_user_id(token))
    return [m["text"] for m in fake.messages(channel)] if channel else []


def test_install_page_state_cookie_and_bad_redirects(oauth_app, teams):
    page = http_request(f"{oauth_app.url}/slack/install")
    assert page.status == 200
    link = unquote(page.text)
    assert f"{oauth_app.fake.url}oauth/v2/authorize?" in link
    assert f"client_id={CLIENT_ID}" in link and "commands" in link
    state = re.search(r"state=([0-9a-f-]{36})", link)[1]
    redirect = f"{oauth_app.url}/slack/oauth_redirect?code=nope&state={state}"
    assert http_request(redirect).status == 400  # no state cookie: another browser
    cookie = {"Cookie": f"slack-app-oauth-state={state}"}
    assert http_request(redirect, headers=cookie).status == 401  # a code Slack never issued
    assert http_request(redirect, headers=cookie).status == 401  # the state was used up
    assert _rows(oauth_app, SlackInstallation) == []


def test_two_workspaces_installed_used_uninstalled_and_purged(oauth_app, teams):
    acme, globex = teams
    fake = oauth_app.fake
    for team, grant in ((acme, {"rotating": True}), (globex, {})):
        page, status = oauth_app.install(team, **grant)
        assert status == 200 and "Thank you!" in page
    tokens = {t.id: m_oauth.issued_tokens(fake, t.id)[-1] for t in teams}
    for team, zone in ((acme, "Europe/Berlin"), (globex, "Asia/Tokyo")):
        workspace = _workspace(oauth_app, team)
        assert workspace.installed_at and workspace.timezone == zone  # the installer's zone
        with oauth_app.runtime.session_factory() as session:
            kinds = session.scalars(
                select(Schedule.kind).where(Schedule.workspace_id == workspace.id)
            )
            assert sorted(kinds) == ["checkin_prompt", "quarterly_digest", "weekly_digest"]
        (welcome,) = _dm_texts(fake, team, tokens[team.id])
        for step in ("/roadmap import", "/roadmap config channel", "/roadmap help"):
            assert step in welcome
    assert len(_rows(oauth_app, SlackBot)) == 2

    # Both are used, each with its own token.
    for team in teams:
        fake.reset_calls()
        outcome = oauth_app.command(team)
        assert outcome.status == 200 and outcome.responses, outcome
        used = {c.token for c in fake.calls if c.token}
        assert used == {tokens[team.id]}, (team.id, used)

    # No token in a dump: only ciphertext that opens with the key.
    stored = _stored_strings(oauth_app.runtime.engine)
    leaks = [(t, c) for t, c, v in stored if any(mark in v for mark in TOKEN_MARKS)]
    assert leaks == []
    (bot,) = _rows(oauth_app, SlackBot, team_id=acme.id)
    assert Fernet(KEY).decrypt(bot["bot_token"].encode()).decode() == tokens[acme.id]
    assert Fernet(KEY).decrypt(bot["bot_refresh_token"].encode()).decode().startswith("xoxe-1-")

    # A week of deliveries is planned for both and waits to be sent; then acme uninstalls.
    later = utcnow() + timedelta(days=8)
    with oauth_app.runtime.session_factory() as session, session.begin():
        for team in teams:
            _give_a_reminder(session, team)
        session.flush()
        plan(session, later)
        session.execute(update(Delivery).values(state="pending"))
    oauth_app.uninstall(acme)
    gone, kept = _workspace(oauth_app, acme), _workspace(oauth_app, globex)
    assert gone.uninstalled_at and gone.purge_after - gone.uninstalled_at == timedelta(days=30)
    assert kept.uninstalled_at is None and kept.purge_after is None
    assert _rows(oauth_app, SlackBot, team_id=acme.id) == []
    assert _rows(oauth_app, SlackInstallation, team_id=acme.id) == []
    assert len(_rows(oauth_app, SlackBot, team_id=globex.id)) == 1
    with oauth_app.runtime.session_factory() as session, session.begin():
        states = dict(
            session.execute(
                select(Delivery.workspace_id, func.count())
                .where(Delivery.state == "pending")
                .group_by(Delivery.workspace_id)
            ).all()
        )
        assert gone.id not in states and states[kept.id] >= 1  # acme's posts are cancelled
        assert _planned_for(session, later + timedelta(days=7)) == {kept.id}  # acme is skipped
    refused = oauth_app.command(acme)
    assert "not installed" in refused.text
    assert oauth_app.runtime.client_for(gone).token is None  # the clock posts nothing there
    assert oauth_app.runtime.client_for(kept).token == tokens[globex.id]

    # Retention over: the clock's purge deletes acme's data; globex is untouched.
    assert purge_expired(oauth_app.runtime.session_factory, utcnow() + timedelta(days=29)) == []
    purged = purge_expired(oauth_app.runtime.session_factory, utcnow() + timedelta(days=31))
    assert purged == [acme.id]
    assert _workspace(oauth_app, acme) is None
    assert _rows(oauth_app, Schedule, workspace_id=gone.id) == []
    assert _rows(oauth_app, Delivery, workspace_id=gone.id) == []
    assert _workspace(oauth_app, globex) is not None
    assert (
        len(_rows(oauth_app, Schedule, workspace_id=kept.id)) == 4
    )  # the defaults and the reminder
    assert oauth_app.command(globex).responses


@pytest.mark.parametrize(
    "order",
    [("app_uninstalled", "tokens_revoked"), ("tokens_revoked", "app_uninstalled")],
    ids=["uninstalled-first", "revoked-first"],
)
def test_uninstall_events_in_either_order_twice_then_reinstall(oauth_app, teams, order):
    acme, _ = teams
    oauth_app.install(acme)
    oauth_app.uninstall(acme, order=order)
    first = _workspace(oauth_app, acme)
    assert first.uninstalled_at is not None
    oauth_app.uninstall(acme, order=order)  # both again, in the same order
    again = _workspace(oauth_app, acme)
    assert (again.uninstalled_at, again.purge_after) == (first.uninstalled_at, first.purge_after)
    assert _rows(oauth_app, SlackBot, team_id=acme.id) == []

    oauth_app.install(acme)  # re-install: resumes cleanly, with a new token
    back = _workspace(oauth_app, acme)
    assert back.uninstalled_at is None and back.purge_after is None
    new_token = m_oauth.issued_tokens(oauth_app.fake, acme.id)[-1]
    assert len(_dm_texts(oauth_app.fake, acme, new_token)) == 2  # welcomed back
    with oauth_app.runtime.session_factory() as session, session.begin():
        _give_a_reminder(session, acme)
        session.flush()
        assert _planned_for(session, utcnow() + timedelta(days=8)) == {back.id}
    assert oauth_app.command(acme).responses
    # A retry of the old event arriving after the re-install changes nothing.
    stale = int(time.time()) - 120
    oauth_app.event(acme, {"type": "app_uninstalled"}, at=stale)
    assert _workspace(oauth_app, acme).uninstalled_at is None
    assert oauth_app.runtime.client_for(back).token == new_token


def test_expiring_token_is_refreshed_with_the_refresh_token(oauth_app, teams):
    acme, _ = teams
    fake = oauth_app.fake
    oauth_app.install(acme, rotating=True, expires_in=60)  # expires within Bolt's 120 minutes
    first = m_oauth.issued_tokens(fake, acme.id)[-1]
    fake.reset_calls()
    assert oauth_app.command(acme).responses
    refreshes = [c for c in fake.calls_to("oauth.v2.access")]
    assert [c.params.get("grant_type") for c in refreshes] == ["refresh_token"]
    fresh = m_oauth.issued_tokens(fake, acme.id)[-1]
    assert fresh != first and fresh.startswith("xoxe.xoxb-")
    assert {c.token for c in fake.calls_to("users.info")} == {fresh}
    (bot,) = _rows(oauth_app, SlackBot, team_id=acme.id)
    assert Fernet(KEY).decrypt(bot["bot_token"].encode()).decode() == fresh
    fake.reset_calls()
    oauth_app.command(acme)  # the fresh token lasts 12 hours: no refresh this time
    assert fake.calls_to("oauth.v2.access") == []
    assert oauth_app.runtime.client_for(_workspace(oauth_app, acme)).token == fresh


def test_the_clock_refreshes_an_expiring_token_too(oauth_app, teams):
    acme, _ = teams
    oauth_app.install(acme, rotating=True, expires_in=60)
    client = oauth_app.runtime.client_for(_workspace(oauth_app, acme))
    assert client.token == m_oauth.issued_tokens(oauth_app.fake, acme.id)[-1]
    assert len(m_oauth.issued_tokens(oauth_app.fake, acme.id)) == 2
    assert client.base_url == oauth_app.fake.api_url
    client.chat_postMessage(channel=acme.installer, text="from the clock")


def test_org_wide_install_serves_every_workspace_of_the_enterprise(oauth_app, fake_slack):
    east = _team(fake_slack, "Initech", "America/Chicago", enterprise_id="E0ORG00001")
    west = _team(fake_slack, "Initrode", "America/Denver", enterprise_id="E0ORG00001")
    page, status = oauth_app.install(east, org_wide=True)
    assert status == 200, page
    (bot,) = _rows(oauth_app, SlackBot)
    assert (bot["enterprise_id"], bot["team_id"], bot["is_enterprise_install"]) == (
        "E0ORG00001",
        None,
        True,
    )
    token = m_oauth.issued_tokens(fake_slack, "E0ORG00001")[-1]
    assert len(_dm_texts(fake_slack, east, token)) == 1
    for team in (east, west):
        fake_slack.reset_calls()
        outcome = _org_command(oauth_app, team)
        assert outcome and {c.token for c in fake_slack.calls if c.token} == {token}
        assert _workspace(oauth_app, team).enterprise_id == "E0ORG00001"  # made on first use
    oauth_app.uninstall(east, org_wide=True)
    assert _workspace(oauth_app, east).uninstalled_at and _workspace(oauth_app, west).uninstalled_at
    assert _rows(oauth_app, SlackBot) == [] and _rows(oauth_app, SlackInstallation) == []


def _org_command(app: OAuthApp, team: Team) -> list:
    """/roadmap list from a workspace of an org-wide install (enterprise fields set)."""
    response_url = app.fake.response_url(team.id, team.channel, team.member)
    fields = {
        "team_id": team.id,
        "enterprise_id": team.enterprise_id,
        "is_enterprise_install": "true",
        "channel_id": team.channel,
        "user_id": team.member,
        "command": "/roadmap",
        "text": "list",
        "api_app_id": "A0000000001",
        "response_url": response_url,
        "trigger_id": app.fake.trigger_id(team.id, team.member),
    }
    result = app.driver(team).post(urlencode(fields).encode(), "application/x-www-form-urlencoded")
    assert result.status == 200 and app.runtime.listener_executor.wait_idle(15)
    return app.fake.responses(response_url)


def test_rotate_key_reencrypts_every_token_with_the_first_key(
    oauth_app, oauth_settings, teams, monkeypatch, tmp_path
):
    for team in teams:
        oauth_app.install(team, rotating=True)
    new = Fernet.generate_key().decode()
    assert _cli(monkeypatch, tmp_path, oauth_settings, ["rotate-key"], key=f"{new},{KEY}") == 0
    for bot in _rows(oauth_app, SlackBot):
        for column in ("bot_token", "bot_refresh_token"):
            Fernet(new).decrypt(bot[column].encode())
            with pytest.raises(InvalidToken):
                Fernet(KEY).decrypt(bot[column].encode())
    # The old key can go: an app with the new key alone still answers both workspaces.
    oauth_app.runtime.close()
    rekeyed = OAuthApp(replace(oauth_settings, encryption_key=new), oauth_app.fake)
    with rekeyed._server:
        for team in teams:
            assert rekeyed.command(team).responses
    rekeyed.runtime.close()


def test_refuses_to_start_without_a_usable_key(oauth_settings, monkeypatch, tmp_path):
    for key in (None, "not-a-key"):
        with pytest.raises(ConfigError) as error:
            create_app(replace(oauth_settings, encryption_key=key))
        assert "ROADMAP_ENCRYPTION_KEY" in str(error.value)
        assert "Fernet.generate_key()" in str(error.value)
    assert _cli(monkeypatch, tmp_path, oauth_settings, ["rotate-key"], key="") == 2


def test_purge_command_deletes_a_workspace_at_once(
    oauth_app, oauth_settings, teams, monkeypatch, tmp_path
):
    acme, globex = teams
    for team in teams:
        oauth_app.install(team)
    args = ["purge", "--team", acme.id]
    assert _cli(monkeypatch, tmp_path, oauth_settings, args, key=KEY) == 0
    assert _workspace(oauth_app, acme) is None
    assert _rows(oauth_app, SlackBot, team_id=acme.id) == []
    assert _rows(oauth_app, SlackInstallation, team_id=acme.id) == []
    assert _workspace(oauth_app, globex) is not None
    assert len(_rows(oauth_app, SlackBot, team_id=globex.id)) == 1
    assert _cli(monkeypatch, tmp_path, oauth_settings, args, key=KEY) == 1  # nothing left


def _cli(monkeypatch, tmp_path, settings: Settings, argv: list[str], *, key: str) -> int:
    """`python -m bot ...` in-process, with the environment the settings stand for."""
    import bot.cli as cli

    if "bot.cli.installs" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "bot.cli.installs"))
    monkeypatch.chdir(tmp_path)  # no .env file
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("ROADMAP_ENCRYPTION_KEY", key)
    return cli.main(argv)


def test_install_asks_for_the_manifest_scopes():
    manifest = yaml.safe_load((Path(__file__).parent.parent / "manifest.yml").read_text())
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])


def test_revoked_user_tokens_leave_the_install_alone(oauth_app, teams):
    acme, _ = teams
    oauth_app.install(acme)
    oauth_app.event(acme, {"type": "tokens_revoked", "tokens": {"oauth": [acme.installer]}})
    assert _workspace(oauth_app, acme).uninstalled_at is None
    assert _rows(oauth_app, SlackInstallation, team_id=acme.id) == []  # the installer's row
    assert len(_rows(oauth_app, SlackBot, team_id=acme.id)) == 1
    assert oauth_app.command(acme).responses


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
def test_single_token_mode_stops_sending_after_an_uninstall(
    running_app, slack, roadmap, caplog, event
):
    """One SLACK_BOT_TOKEN: the workspace is inactive (not uninstalled: its data stays and a
    restart with a new token resumes it); its pending deliveries are parked and the next
    tick calls nothing. The log says so once, however often the events come."""
    from datetime import UTC, datetime

    from bot.scheduling.tick import tick
    from models import Delivery
    from tests.test_scheduling import schedule

    caplog.set_level(logging.WARNING)
    runtime = running_app.runtime
    schedule(runtime, roadmap, "every monday 09:00", tz="UTC", channel=slack.channel)
    payload = {"type": event, "tokens": {"bot": [slack.bot_user_id]}}
    for _ in range(2):
        result = running_app.event(payload)
        assert result.status == 200 and runtime.listener_executor.wait_idle(15)
    with runtime.session_factory() as session:
        workspace = Workspace.by_team(session, slack.team_id)
        assert workspace.uninstalled_at is None
        assert (workspace.inactive_since is not None, workspace.inactive_reason) == (True, event)
    slack.fake.revoke_token(slack.bot_token)  # what Slack does on an uninstall
    before = len(slack.fake.calls)
    report = tick(runtime, now=datetime(2025, 3, 3, 9, 0, 30, tzinfo=UTC))
    assert report.planned and not report.sent.sent and not report.sent.failed
    # The process's first tick asks once whether the token works again; nothing is posted.
    assert [c.method for c in slack.fake.calls[before:]] == ["auth.test"]
    with runtime.session_factory() as session:
        states = set(session.scalars(select(Delivery.state)))
    assert states == {"parked"}
    told = [r for r in caplog.records if "was uninstalled from" in r.getMessage()]
    assert len(told) == 1


def test_a_refused_token_waits_for_the_next_install(oauth_app, teams):
    """OAuth mode: Slack refuses a workspace's token (revoked without an event reaching us):
    its deliveries park and nothing more is called there; the next install sends the ones
    still useful, once."""
    from datetime import UTC, datetime, timedelta

    from bot.scheduling.tick import tick
    from tests.test_scheduling import no_pacing, schedule

    acme, _ = teams
    oauth_app.install(acme)
    runtime = oauth_app.runtime
    workspace_id = _workspace(oauth_app, acme).id
    now = datetime.now(UTC).replace(microsecond=0)
    due = now + timedelta(minutes=2)
    schedule(
        runtime,
        workspace_id,
        f"every day {due:%H:%M}",
        tz="UTC",
        channel=acme.channel,
        created=(now - timedelta(days=1)).isoformat(),
        text="Standup notes, please",
    )
    m_oauth.revoke_app(oauth_app.fake, acme.id)
    tick(runtime, now=due + timedelta(seconds=30), pacer=no_pacing())
    workspace = _workspace(oauth_app, acme)
    assert workspace.inactive_reason == "token_revoked" and workspace.uninstalled_at is None
    before = len(oauth_app.fake.calls)
    tick(runtime, now=due + timedelta(minutes=1), pacer=no_pacing())
    assert len(oauth_app.fake.calls) == before  # not one call

    oauth_app.install(acme)  # a new token
    assert _workspace(oauth_app, acme).inactive_since is None
    tick(runtime, now=due + timedelta(minutes=5), pacer=no_pacing())
    tick(runtime, now=due + timedelta(minutes=6), pacer=no_pacing())
    posted = [
        m for m in oauth_app.fake.messages(acme.channel) if "Standup notes" in m.get("text", "")
    ]
    assert len(posted) == 1
    with runtime.session_factory() as session:
        states = list(session.scalars(select(Delivery.state)))
    assert states.count("sent") == 1 and "parked" not in states  # (yesterday's: missed)


def test_the_installer_is_the_first_roadmap_admin_and_a_reinstall_keeps_the_admins(
    oauth_app, teams
):
    acme, _ = teams
    oauth_app.install(acme)
    assert _workspace(oauth_app, acme).admin_user_ids == [acme.installer]

    driver = oauth_app.driver(acme)
    refused = run_command(
        driver, "config timezone Europe/Berlin", user_id=acme.member, channel_id=acme.channel
    )
    assert "Only roadmap admins can" in refused.text and f"<@{acme.installer}>" in refused.text
    done = run_command(
        driver, "config timezone Europe/Berlin", user_id=acme.installer, channel_id=acme.channel
    )
    assert "Only roadmap admins" not in done.text

    # Uninstalled, then installed again by the other member: the admins chosen stay.
    oauth_app.uninstall(acme)
    page, status = oauth_app.install(replace(acme, installer=acme.member))
    assert status == 200 and "Thank you!" in page
    assert _workspace(oauth_app, acme).admin_user_ids == [acme.installer]
