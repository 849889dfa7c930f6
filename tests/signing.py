"""Sign requests exactly as Slack does, and build the payloads Slack sends."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode


def slack_signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """`v0=` + HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, content_type: str, timestamp: int | None = None
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": slack_signature(secret, timestamp, body),
    }


def command_body(
    *,
    text: str,
    team_id: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str,
    command: str = "/roadmap",
    user_name: str = "someone",
    enterprise_id: str | None = None,
) -> bytes:
    fields = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "acme",
        "channel_id": channel_id,
        "channel_name": "eng-roadmap",
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": "A0000000001",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    if enterprise_id:
        fields["enterprise_id"] = enterprise_id
    return urlencode(fields).encode()


def event_body(event: dict, *, team_id: str, event_id: str, event_time: int | None = None) -> bytes:
    envelope = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": "A0000000001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode()


def interaction_body(payload: dict) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()
