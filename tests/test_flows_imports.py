"""Roadmap import from Slack, in-process: the paste modal, a shared file and its buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.flows.imports import (
    ImportConfirmed,
    ImportSubmitted,
    RoadmapFileShared,
    confirm_import,
    file_shared,
    roadmap_file,
    submit_import,
)
from bot.flows.outcome import Post
from bot.ids import Action, Field
from bot.slack_files import FileUnavailable
from models import Goal, ProcessedEvent
from tests.conftest import SAMPLE_ROADMAP
from tests.flows import run

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)
ADMIN = {"is_admin": True, "real_name": "Dana Admin", "tz": "UTC"}
DOCUMENT = SAMPLE_ROADMAP.read_text(encoding="utf-8")


def as_admin(factory, slack, flow, request, **kwargs):
    return run(
        factory, flow, request, team_id=slack.team_id, user_id=slack.admin, now=NOW,
        users={slack.admin: ADMIN}, **kwargs,
    )  # fmt: skip


def goal_count(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Goal))


def files(content: bytes = SAMPLE_ROADMAP.read_bytes()):
    """A stand-in for the Slack download: file id → content, and the ids asked for."""
    asked = []

    def fetch(file_id: str) -> bytes:
        asked.append(file_id)
        return content

    return fetch, asked


def test_a_pasted_dry_run_changes_nothing_and_the_import_reports(session_factory, slack):
    dry = as_admin(session_factory, slack, submit_import, ImportSubmitted(DOCUMENT, True))
    assert "Would import" in str(dry.effects.replies[0].to_dict())
    assert goal_count(session_factory) == 0
    done = as_admin(session_factory, slack, submit_import, ImportSubmitted(DOCUMENT, False))
    assert "36 goals (36 added" in done.text
    assert goal_count(session_factory) == 36


def test_a_malformed_paste_is_refused_on_the_field_with_its_line(session_factory, slack):
    request = ImportSubmitted("# Notes\n\nnothing planned\n", False)
    result = as_admin(session_factory, slack, submit_import, request)
    assert "line" in result.outcome.errors[Field.DOCUMENT]
    assert goal_count(session_factory) == 0


def test_a_non_admin_paste_is_refused(session_factory, slack):
    request = ImportSubmitted(DOCUMENT, False)
    result = run(
        session_factory, submit_import, request, team_id=slack.team_id, user_id=slack.carol
    )
    assert "Only roadmap admins" in str(result.error)
    assert goal_count(session_factory) == 0


def test_only_a_document_among_shared_files_is_a_roadmap(session_factory):
    shared = [{"id": "F1", "name": "photo.png"}, {"id": "F2", "name": "Roadmap.MD"}]
    assert roadmap_file(shared)["id"] == "F2"
    assert roadmap_file([{"id": "F1", "name": "photo.png"}]) is None


def shared(slack, fetch, file_id="F0001"):
    return RoadmapFileShared("D0001", "1.000", file_id, "roadmap.md", fetch)


def test_a_shared_file_shows_its_dry_run_with_buttons_once(session_factory, slack):
    fetch, asked = files()
    result = as_admin(
        session_factory, slack, file_shared, shared(slack, fetch),
        event_id="EvFile1", event_type="message",
    )  # fmt: skip
    (post,) = result.effects.of_type(Post)
    assert (post.channel, post.thread_ts) == ("D0001", "1.000")
    blocks = post.message.to_dict()["blocks"]
    assert "Would import" in str(blocks)
    buttons = blocks[-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (Action.IMPORT_CONFIRM, "F0001"),
        (Action.IMPORT_CANCEL, "F0001"),
    ]
    assert asked == ["F0001"] and goal_count(session_factory) == 0
    retry = as_admin(
        session_factory, slack, file_shared, shared(slack, fetch),
        event_id="EvFile1", event_type="message",
    )  # fmt: skip
    assert retry.effects.effects == [] and asked == ["F0001"]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_a_shared_file_from_a_non_admin_is_refused_in_its_thread(session_factory, slack):
    fetch, asked = files()
    result = run(
        session_factory, file_shared, shared(slack, fetch),
        team_id=slack.team_id, user_id=slack.carol, event_id="EvFile2",
    )  # fmt: skip
    (post,) = result.effects.of_type(Post)
    assert "I could not import roadmap.md: Only roadmap admins" in post.message.text
    assert asked == []  # refused before downloading anything


@pytest.mark.parametrize(
    "fetch",
    [
        lambda file_id: b"# Notes\n\nnothing planned\n",
        lambda file_id: (_ for _ in ()).throw(FileUnavailable("the file is larger than 512 KB")),
    ],
    ids=["not a roadmap", "too large"],
)
def test_a_shared_file_that_cannot_be_imported_says_why(session_factory, slack, fetch):
    result = as_admin(session_factory, slack, file_shared, shared(slack, fetch))
    (post,) = result.effects.of_type(Post)
    assert post.message.text.startswith(":warning: I could not import roadmap.md: ")


def test_confirming_imports_the_file_in_place_of_the_dry_run(session_factory, slack):
    fetch, asked = files()
    result = as_admin(session_factory, slack, confirm_import, ImportConfirmed("F0001", fetch))
    assert result.outcome.replace_original is True
    assert "Imported" in result.text
    assert goal_count(session_factory) == 36 and asked == ["F0001"]


def test_a_failed_confirmation_says_why_beside_the_dry_run(session_factory, slack):
    def gone(file_id):
        raise FileUnavailable("file_not_found")

    result = as_admin(session_factory, slack, confirm_import, ImportConfirmed("F0001", gone))
    assert result.outcome.replace_original is False
    assert "The import failed: file_not_found" in result.text
    refused = run(
        session_factory, confirm_import, ImportConfirmed("F0001", files()[0]),
        team_id=slack.team_id, user_id=slack.carol,
    )  # fmt: skip
    assert "The import failed: Only roadmap admins" in refused.text
    assert goal_count(session_factory) == 0


def test_the_form_says_longer_documents_come_as_a_shared_file():
    from bot.blocks.modals import DOCUMENT_LIMIT, import_modal

    view = str(import_modal().to_dict())
    assert "3,000 characters" in view and "share the `.md` file" in view
    assert DOCUMENT_LIMIT == 3000


def test_a_shared_file_longer_than_the_form_shows_what_was_understood(session_factory, slack):
    long_document = DOCUMENT + "".join(f"\n## Q{q} 2026: Wave {q}\n\n- Item {q}.{n} ✅\n"
                                       for q in range(1, 5) for n in range(40))  # fmt: skip
    assert len(long_document) > 3000
    fetch, _ = files(long_document.encode("utf-8"))
    request = RoadmapFileShared("D0ADMIN", "1.0", "F1", "long.md", fetch)
    result = as_admin(session_factory, slack, file_shared, request)
    (post,) = result.effects.of_type(Post)
    text = str(post.message.blocks)
    assert "Understood" in text and "Q1 2026 (line" in text and "theme 'Wave 1'" in text
    assert goal_count(session_factory) == 0
