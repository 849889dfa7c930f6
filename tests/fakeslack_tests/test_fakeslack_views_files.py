"""views.* (triggers, stacks, hashes, validation) and files (files_upload_v2 end to end)."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.fakeslack import MAX_VIEW_BLOCKS
from tests.fakeslack_tests.conftest import Env


def modal(title: str = "Roadmap", n_blocks: int = 1, **extra: Any) -> dict[str, Any]:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"b{i}"}} for i in range(n_blocks)
    ]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks,
        **extra,
    }


def error_of(call: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value


def test_views_open_shape_and_single_use_trigger(env: Env) -> None:
    trigger = env.fake.trigger_id(env.team, env.alice)
    assert re.fullmatch(r"\d+\.\d+\.[0-9a-f]{32}", trigger)
    view = env.client.views_open(
        trigger_id=trigger, view=modal(callback_id="cb", private_metadata="pm")
    )["view"]
    assert re.fullmatch(r"V[A-Z0-9]{10}", view["id"])
    assert view["team_id"] == "T0000000001" and view["type"] == "modal"
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["state"] == {"values": {}} and view["hash"] and view["callback_id"] == "cb"
    assert view["private_metadata"] == "pm" and view["blocks"][0]["block_id"]
    assert env.fake.views[-1]["user"] == env.alice["id"]
    assert env.fake.views[-1]["method"] == "views.open"
    err = error_of(env.client.views_open, trigger_id=trigger, view=modal())
    assert err.response["error"] == "exchanged_trigger_id"
    err = error_of(env.client.views_open, trigger_id="123.456.abc", view=modal())
    assert err.response["error"] == "invalid_trigger_id"


def test_trigger_expires_after_three_seconds(env: Env) -> None:
    fresh = env.fake.trigger_id(env.team, env.alice)
    stale = env.fake.trigger_id(env.team, env.alice)
    env.clock.advance(2.9)
    assert env.client.views_open(trigger_id=fresh, view=modal())["ok"]
    env.clock.advance(0.2)
    err = error_of(env.client.views_open, trigger_id=stale, view=modal())
    assert err.response["error"] == "expired_trigger_id"


@pytest.mark.parametrize(
    ("view", "message"),
    [
        (
            modal(n_blocks=MAX_VIEW_BLOCKS + 1),
            "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]",
        ),
        (
            modal(title="x" * 25),
            "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
        ),
        (
            {"type": "modal", "blocks": []},
            "missing required field: text [json-pointer:/view/title]",
        ),
        (
            {"title": {"type": "plain_text", "text": "t"}, "blocks": []},
            "missing required field: type",
        ),
        (
            modal(blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]),
            "[json-pointer:/view/blocks/0/text/text]",
        ),
        (
            modal(
                blocks=[
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "L"},
                        "element": {"type": "plain_text_input", "action_id": "a"},
                    }
                ]
            ),
            "submit",
        ),
        ({"type": "home", "blocks": []}, "must be one of: modal"),
    ],
)
def test_view_validation(env: Env, view: dict[str, Any], message: str) -> None:
    trigger = env.fake.trigger_id(env.team, env.alice)
    err = error_of(env.client.views_open, trigger_id=trigger, view=view)
    assert err.response["error"] == "invalid_arguments"
    assert any(message in m for m in err.response["response_metadata"]["messages"])


def test_modal_with_exactly_100_blocks_is_fine(env: Env) -> None:
    trigger = env.fake.trigger_id(env.team, env.alice)
    assert env.client.views_open(trigger_id=trigger, view=modal(n_blocks=MAX_VIEW_BLOCKS))["ok"]


def test_push_update_hash_and_close(env: Env) -> None:
    root = env.client.views_open(
        trigger_id=env.fake.trigger_id(env.team, env.alice), view=modal(external_id="ext-1")
    )["view"]
    pushed = env.client.views_push(
        trigger_id=env.fake.trigger_id(env.team, env.alice), view=modal("Step 2")
    )["view"]
    assert pushed["root_view_id"] == root["id"] and pushed["previous_view_id"] == root["id"]
    env.client.views_push(trigger_id=env.fake.trigger_id(env.team, env.alice), view=modal("3"))
    err = error_of(
        env.client.views_push, trigger_id=env.fake.trigger_id(env.team, env.alice), view=modal("4")
    )
    assert err.response["error"] == "push_limit_reached"
    env.clock.advance(1)
    updated = env.client.views_update(view_id=root["id"], hash=root["hash"], view=modal("Updated"))[
        "view"
    ]
    assert updated["id"] == root["id"] and updated["hash"] != root["hash"]
    assert updated["title"]["text"] == "Updated" and updated["external_id"] == "ext-1"
    err = error_of(env.client.views_update, view_id=root["id"], hash=root["hash"], view=modal())
    assert err.response["error"] == "hash_conflict"
    by_ext = env.client.views_update(external_id="ext-1", view=modal("By ext"))["view"]
    assert by_ext["id"] == root["id"]
    err = error_of(
        env.client.views_open,
        trigger_id=env.fake.trigger_id(env.team, env.bob),
        view=modal(external_id="ext-1"),
    )
    assert err.response["error"] == "duplicate_external_id"
    env.fake.user_close_modal(env.alice)
    err = error_of(env.client.views_update, view_id=root["id"], view=modal())
    assert err.response["error"] == "not_found"
    assert [v["method"] for v in env.fake.views] == [
        "views.open",
        "views.push",
        "views.push",
        "views.update",
        "views.update",
    ]


def test_publish_home(env: Env) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    first = env.client.views_publish(user_id=env.alice["id"], view=home)["view"]
    assert first["type"] == "home" and first["close"] is None and first["submit"] is None
    env.clock.advance(1)
    second = env.client.views_publish(
        user_id=env.alice["id"], view={**home, "blocks": []}, hash=first["hash"]
    )["view"]
    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    latest = env.fake.home_view(env.alice)
    assert latest is not None and latest["blocks"] == [] and latest["user"] == env.alice["id"]
    assert env.fake.home_view(env.bob) is None
    pub = env.client.views_publish
    assert (
        error_of(pub, user_id=env.alice["id"], view=home, hash=first["hash"]).response["error"]
        == "hash_conflict"
    )
    assert error_of(pub, user_id="U0000000000", view=home).response["error"] == "user_not_found"
    too_big = {"type": "home", "blocks": [{"type": "divider"}] * (MAX_VIEW_BLOCKS + 1)}
    err = error_of(pub, user_id=env.alice["id"], view=too_big)
    assert err.response["error"] == "invalid_arguments"
    assert err.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
    ]
    assert error_of(pub, user_id=env.alice["id"], view=modal()).response["error"] == (
        "invalid_arguments"
    )


def test_files_upload_v2_content_end_to_end(env: Env) -> None:
    res = env.client.files_upload_v2(
        channel=env.chan,
        content=b"roadmap!",
        filename="r.md",
        title="Roadmap",
        initial_comment="Here it is",
    )
    file_id = res["file"]["id"]
    assert re.fullmatch(r"F[A-Z0-9]{10}", file_id) and res["file"]["title"] == "Roadmap"
    stored = env.fake.files[file_id]
    assert stored["content"] == b"roadmap!" and stored["name"] == "r.md"
    assert stored["channels"] == [env.chan] and stored["initial_comment"] == "Here it is"
    msg = env.fake.messages(env.chan)[-1]
    assert msg["text"] == "Here it is" and msg["files"][0]["id"] == file_id
    info = env.client.files_info(file=file_id)["file"]
    assert info["size"] == 8 and info["channels"] == [env.chan] and info["name"] == "r.md"
    assert [c.method for c in env.fake.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "files.info",
    ]


def test_files_upload_v2_from_path_into_thread(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes(b"a,b\n1,2\n")
    parent = env.client.chat_postMessage(channel=env.chan, text="thread")["ts"]
    env.client.files_upload_v2(channel=env.chan, file=str(path), title="Plan", thread_ts=parent)
    (stored,) = env.fake.files.values()
    assert stored["content"] == b"a,b\n1,2\n" and stored["thread_ts"] == parent
    assert env.fake.messages(env.chan)[-1]["thread_ts"] == parent


def test_upload_url_accepts_multipart_and_file_errors(env: Env) -> None:
    got = env.client.files_getUploadURLExternal(filename="x.txt", length=3)
    assert got["upload_url"] == f"{env.fake.url}upload/{got['file_id']}"
    complete = env.client.files_completeUploadExternal
    err = error_of(complete, files=[{"id": got["file_id"]}], channel_id=env.chan)
    assert err.response["error"] == "file_not_found"  # nothing uploaded yet
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="x.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nabc\r\n--XyZ--\r\n"
    )
    req = urllib.request.Request(
        got["upload_url"],
        data=body,
        method="POST",
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    with urllib.request.urlopen(req) as resp:
        assert resp.read() == b"OK - 3"
    outside = env.fake.add_channel(env.team, "random")
    err = error_of(complete, files=[{"id": got["file_id"]}], channel_id=outside["id"])
    assert err.response["error"] == "not_in_channel"
    err = error_of(complete, files=[{"id": "F0000000000"}], channel_id=env.chan)
    assert err.response["error"] == "file_not_found"
    assert complete(files=[{"id": got["file_id"]}])["files"][0]["id"] == got["file_id"]
    assert env.fake.files[got["file_id"]]["content"] == b"abc"
    assert env.fake.files[got["file_id"]]["channels"] == []  # private: not shared anywhere
    err = error_of(env.client.files_getUploadURLExternal, filename="x", length=0)
    assert err.response["error"] == "invalid_arguments"
    err = error_of(env.client.files_info, file="F0000000000")
    assert err.response["error"] == "file_not_found"
    err = error_of(env.client.api_call, api_method="files.upload", params={"channels": env.chan})
    assert err.response["error"] == "method_deprecated"
