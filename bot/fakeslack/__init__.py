"""A faithful fake of Slack's Web API, served over real HTTP on 127.0.0.1.

The tests run the app against it, and so does the console (`python -m bot console`), which
seeds a local workspace into it and prints what observers report (see bot/console/).

    with FakeSlack() as fake:
        team = fake.add_team(name="Acme")
        alice = fake.add_user(team["id"], name="alice")
        token = fake.install_bot(team["id"])
        chan = fake.add_channel(team["id"], "eng-roadmap", members=[alice["id"]])
        fake.join(chan["id"], fake.bot_user_id(token))
        client = WebClient(token=token, base_url=fake.api_url)
        client.chat_postMessage(channel=chan["id"], text="hi")
        assert fake.messages(chan["id"])[0]["text"] == "hi"

Helpers accept ids or the dicts returned by add_team/add_user/add_channel.

Seeding: add_team, add_user, add_channel, install_bot (bot is in no channel until join()),
revoke_token, join, leave, archive_channel, bot_user_id(token), members(channel).
Simulated humans: user_post, user_react, user_unreact, user_close_modal.
Interactivity: trigger_id (single use, 3 s), response_url (5 posts, 30 min), responses(url).
Inspection: calls, calls_to, reset_calls, messages, message, dm_channel, ephemerals, views,
home_view, files, team_info, rate_limited_count, connections_opened (TCP connections
accepted: keep-alive is served), internal_errors (bugs of the fake itself).
Faults: fail(method, error=..., status=..., retry_after=..., delay=..., apply=..., body=...),
clear_faults, rate_limit(method, per_channel_per_second, per_team_per_minute).
Simulated humans, for the console: user_submitted_view, user_close_view, open_dm,
command_reply (a command's ack body, shown like a response_url post).
Observers: fake.observers.append(callback) gets a Shown for everything the app makes visible
(messages, ephemerals, updates, deletions, reactions, modals, Home tabs, files) and for every
error Slack answers it with; see observe.py.
Time: fake.clock (default time.time) drives ts, trigger/response_url expiry and rate limits.
"""

from .faults import Fault
from .observe import Shown
from .server import FakeSlack
from .state import (
    DEFAULT_BOT_SCOPES,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_BLOCKS,
    MAX_MODAL_TITLE,
    MAX_SECTION_TEXT,
    MAX_TEXT,
    MAX_VIEW_BLOCKS,
    MAX_VIEW_STACK,
    RESPONSE_URL_MAX_POSTS,
    RESPONSE_URL_TTL,
    TRIGGER_TTL,
    Call,
    SlackError,
)

__all__ = [
    "DEFAULT_BOT_SCOPES",
    "MAX_HEADER_TEXT",
    "MAX_MESSAGE_BLOCKS",
    "MAX_MODAL_TITLE",
    "MAX_SECTION_TEXT",
    "MAX_TEXT",
    "MAX_VIEW_BLOCKS",
    "MAX_VIEW_STACK",
    "RESPONSE_URL_MAX_POSTS",
    "RESPONSE_URL_TTL",
    "TRIGGER_TTL",
    "Call",
    "FakeSlack",
    "Fault",
    "Shown",
    "SlackError",
]
