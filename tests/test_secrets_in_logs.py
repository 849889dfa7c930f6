"""No token or secret reaches the log, at any level: an OAuth install, a command and a clock
tick at DEBUG, with the handler filter `configure_logging` installs."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

from bot import redact
from bot.scheduling.tick import tick
from models import utcnow
from tests.conftest import SIGNING_SECRET
from tests.test_oauth import CLIENT_SECRET, KEY, OAuthApp, oauth_settings, teams  # noqa: F401


def test_no_secret_reaches_the_log_at_debug(oauth_settings, teams, fake_slack):  # noqa: F811
    acme, _globex = teams
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    redact.install([handler], [SIGNING_SECRET, CLIENT_SECRET, KEY])
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    app = OAuthApp(oauth_settings, fake_slack)
    try:
        with app._server:
            page, status = app.install(acme)
            assert status == 200, page
            outcome = app.command(acme, "list")
            assert outcome.status == 200
            tick(app.runtime, now=utcnow() + timedelta(days=8))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        app.runtime.close()
    logged = stream.getvalue()
    assert "oauth.v2.access" in logged, "the DEBUG log shows the install's Web API calls"
    bot_tokens = [t for t, info in fake_slack._tokens.items() if info.team_id == acme.id]
    assert bot_tokens, "the install made a token"
    for secret in [*bot_tokens, SIGNING_SECRET, CLIENT_SECRET, KEY]:
        assert secret not in logged
    for mark in ("xoxb-", "xoxp-", "xoxe."):
        assert mark not in logged
    assert "[redacted]" in logged


def test_redact_hides_tokens_and_given_secrets_only():
    text = "token xoxb-123-456-abc, app xapp-1-A0-9, api rmb_abcdefghijklmnopqrstu, word secretive"
    assert redact.redact(text, ["secretive"]) == (
        "token [redacted], app [redacted], api [redacted], word [redacted]"
    )
    assert redact.redact("nothing to hide here", ["short", ""]) == "nothing to hide here"
