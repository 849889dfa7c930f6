"""/roadmap config api-token: created privately (even with `share`), usable, revocable."""

from __future__ import annotations

import json
import re

import pytest

from tests.harness import http_request, run_command

pytestmark = pytest.mark.usefixtures("frozen_time", "roadmap")


def test_token_from_the_slash_command_writes_readings_until_revoked(running_app, slack):
    def ask(text, user=slack.admin):
        return run_command(running_app, text, user_id=user, channel_id=slack.channel)

    refused = ask("config api-token create ci", user=slack.alice)
    assert "Only roadmap admins" in refused.text
    created = ask("config api-token create ci share")
    assert all(m.get("response_type", "ephemeral") == "ephemeral" for m in created.messages)
    token = re.search(r"rmb_[A-Za-z0-9_\-]+", created.text).group(0)

    def post(value):
        return http_request(
            f"{running_app.app_url}/api/v1/metrics/coverage/readings",
            data=json.dumps({"value": value}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )

    assert post(86.5).status == 201
    assert "86.5%" in ask("metrics").text
    assert "revoked" in ask("config api-token revoke ci").text.lower()
    assert post(87).status == 401
