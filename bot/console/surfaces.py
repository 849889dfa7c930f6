"""What the console shows: messages, modals and Home tabs, and which buttons are on screen."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.console.render import Renderer, wrap
from bot.console.workspace import BOT_USER_ID, LocalWorkspace
from bot.fakeslack import Shown, SlackError

FILE_PREVIEW_LINES = 12
FILES_ENV = "ROADMAP_CONSOLE_FILES"  # where the console saves files the app uploads


def files_folder() -> Path:
    """$ROADMAP_CONSOLE_FILES, else `roadmap-console-files` in the system's temporary folder."""
    folder = Path(
        os.environ.get(FILES_ENV) or Path(tempfile.gettempdir()) / "roadmap-console-files"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_file(folder: Path, name: str, content: bytes) -> Path:
    """Write `content` as `name` in `folder` (name-2.png, name-3.png… when taken)."""
    safe = Path(name).name or "file"
    path, stem, suffix, n = folder / safe, Path(safe).stem, Path(safe).suffix, 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    path.write_bytes(content)
    return path


def _is_text(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in content


@dataclass(frozen=True)
class Surface:
    """Where a numbered control lives: a message (in a channel) or a view."""

    message: dict[str, Any] | None = None
    channel: str | None = None
    ephemeral: bool = False
    view: dict[str, Any] | None = None


class SurfacePrinter:
    """Prints surfaces and keeps the console's picture of the screen: buttons, modals, Home."""

    def __init__(self, renderer: Renderer, slack: LocalWorkspace, out: TextIO):
        self.renderer = renderer
        self.slack = slack
        self.out = out
        self.control_surfaces: list[Surface] = []
        self.modals: list[dict[str, Any]] = []
        self.homes_shown = 0
        self.bot_messages: list[tuple[str, str]] = []  # (channel, ts), oldest first
        self.fresh = True  # the next surface with controls replaces the numbered ones
        self.home_requested = False  # `:home` asked for the Home tab: show it in full

    def print(self, text: str) -> None:
        try:
            self.out.write(text + "\n")
        except UnicodeEncodeError:  # a terminal that cannot show box-drawing characters
            encoding = getattr(self.out, "encoding", None) or "ascii"
            self.out.write(text.encode(encoding, "replace").decode(encoding) + "\n")
        self.out.flush()

    def error(self, text: str) -> None:
        self.print(f"! {text}")

    def _frame(self, label: str) -> None:
        self.print(self.renderer.dim(f"── {label} ──"))

    def _draw(self, surface: Surface, draw: Callable[[], list[str]]) -> None:
        """Render a surface, numbering its controls after (or instead of) those shown before."""
        previous = self.renderer.controls
        if self.fresh:
            self.renderer.controls = []
        before = len(self.renderer.controls)
        lines = draw()
        added = len(self.renderer.controls) - before
        if added:
            if self.fresh:
                self.control_surfaces = []
            self.control_surfaces += [surface] * added
            self.fresh = False
        elif self.fresh:
            self.renderer.controls = previous  # nothing new to press: the old buttons stay
        if lines:
            self.print(wrap(lines))

    def show_message(
        self, message: dict[str, Any], label: str, *, channel: str | None, ephemeral: bool
    ) -> None:
        self._frame(label)
        surface = Surface(message=message, channel=channel, ephemeral=ephemeral)
        self._draw(surface, lambda: self.renderer.message(message))

    def show_view(self, view: dict[str, Any], label: str) -> None:
        self._frame(label)
        self._draw(Surface(view=view), lambda: self.renderer.view(view))

    def view_title(self, view: dict[str, Any]) -> str:
        title = self.renderer.text(view.get("title")) or view.get("callback_id") or "modal"
        return f"the modal {title!r}"

    def input_keys(self, view: dict[str, Any]) -> list[str]:
        keys = []
        for block in view.get("blocks") or []:
            if block.get("type") == "input":
                element = block.get("element") or {}
                keys.append(block.get("block_id") or element.get("action_id") or "?")
        return keys

    # --- what the app did ----------------------------------------------------------------------

    def show_ack(self, body: str, response_url: str) -> None:
        """The app's immediate answer to a command or an action: Slack shows a message body as
        it shows a post to the request's response_url (the fake's observers print it)."""
        if not body.strip():
            return
        try:
            data = json.loads(body) if body.lstrip().startswith("{") else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self._frame("reply (only you can see this)")
            self.print(body)
            return
        if not {"text", "blocks", "attachments"} & data.keys():
            self._frame("the app answered")
            self.print(json.dumps(data, indent=2))
            return
        try:
            self.slack.fake.command_reply(response_url, data)
        except SlackError as error:
            self.error(f"Slack would not show the app's reply: {error.error}")

    def last_bot_message_seen_by(self, user_id: str) -> tuple[str, str] | None:
        """The bot's newest message this person can see: in a channel, or in their own DM
        (another member's DM prompt is not theirs to react to)."""
        own_dm = self.slack.fake.dm_channel(self.slack.team_id, BOT_USER_ID, user_id)
        for channel, ts in reversed(self.bot_messages):
            if not channel.startswith("D") or channel == own_dm:
                return channel, ts
        return None

    def who(self, user_id: str | None) -> str:
        if user_id == self.slack.user_id:
            return "you"
        return "@" + (self.slack.user_name(user_id or "") or str(user_id))

    def show_output(self, output: Shown) -> None:
        """One thing the app made visible through the Web API or a response_url."""
        data, channel = output.data, output.channel
        where = self.slack.channel_label(channel)
        if output.kind == "message":
            self.bot_messages.append((channel or self.slack.channel_id, data["ts"]))
            thread = " (in a thread)" if data.get("thread_ts") else ""
            label = f"roadmap posted in {where}{thread}"
            self.show_message(data, label, channel=channel, ephemeral=False)
        elif output.kind == "ephemeral":
            label = f"roadmap, only visible to {self.who(output.user)}, in {where}"
            self.show_message(data, label, channel=channel, ephemeral=True)
        elif output.kind == "update":
            label = f"roadmap updated its message in {where}"
            self.show_message(data, label, channel=channel, ephemeral=output.user is not None)
        elif output.kind == "delete":
            self._frame(f"roadmap deleted its message in {where}")
            if (channel, data.get("ts")) in self.bot_messages:
                self.bot_messages.remove((channel, data.get("ts")))
        elif output.kind == "modal":
            self._track_modal(data, output.action)
            self.show_view(data, f"modal ({output.action})")
        elif output.kind == "home":
            self.homes_shown += 1
            who = self.slack.user_name(output.user or "") or output.user
            if self.home_requested and output.user == self.slack.user_id:
                self.show_view(data, f"Home tab of @{who}")
            else:  # a refresh after a change: a note, so the reply keeps the numbered buttons
                whose = "your" if output.user == self.slack.user_id else f"@{who}'s"
                self.print(
                    self.renderer.dim(f"({whose} Home tab was refreshed; :home shows yours)")
                )
        elif output.kind == "error":
            method, error = data.get("method"), data.get("error")
            self.print(self.renderer.dim(f"(Slack answered the app's {method}: {error})"))
        elif output.kind == "file":
            self._show_file(data, where)
        elif output.kind == "reaction":
            verb = "reacted with" if output.action == "added" else "removed its"
            self.print(self.renderer.dim(f"(roadmap {verb} :{data.get('name')}: in {where})"))
        else:
            self.print(self.renderer.dim(f"({output.kind}: {json.dumps(data)[:200]})"))

    def _track_modal(self, view: dict[str, Any], action: str) -> None:
        if action == "open":
            self.modals = [view]
        elif action == "push":
            self.modals.append(view)
        else:
            ids = [v.get("id") for v in self.modals]
            if view.get("id") in ids:
                self.modals[ids.index(view.get("id"))] = view

    def _show_file(self, data: dict[str, Any], where: str) -> None:
        self._frame(f"roadmap shared a file in {where}")
        if data.get("initial_comment"):
            self.print(wrap(self.renderer.mrkdwn(data["initial_comment"]).splitlines()))
        self.print(f"📎 {data.get('title')} ({data.get('name')}, {data.get('size', 0)} bytes)")
        content = (self.slack.fake.files.get(str(data.get("id"))) or {}).get("content")
        if content is not None:
            path = save_file(files_folder(), str(data.get("name") or "file"), bytes(content))
            self.print(f"   saved to {path}")
            if not _is_text(bytes(content)):
                return
        lines = str(data.get("content", "")).splitlines()
        for line in lines[:FILE_PREVIEW_LINES]:
            self.print(self.renderer.dim("  │ " + line))
        if len(lines) > FILE_PREVIEW_LINES:
            self.print(self.renderer.dim(f"  │ … {len(lines) - FILE_PREVIEW_LINES} more lines"))

    def after_submission(self, view: dict[str, Any], answer: dict[str, Any]) -> None:
        """Apply a view_submission ack: errors, update, push, clear, or close the modal.

        The fake applies it to the user's modal stack; a view it updates or pushes reaches the
        console through the fake's observers."""
        action = answer.get("response_action")
        try:
            self.slack.fake.user_submitted_view(
                self.slack.team_id, self.slack.user_id, str(view.get("id")), answer
            )
        except SlackError as error:
            self.error(f"Slack rejected the app's answer to the submission: {error.error}")
            return
        if action == "errors":
            labels = {
                b.get("block_id"): self.renderer.text(b.get("label"))
                for b in view.get("blocks") or []
            }
            self.print("The modal stays open; the app pointed out:")
            for key, message in (answer.get("errors") or {}).items():
                self.print(f"  ✗ {labels.get(key) or key} ({key}): {message}")
        elif action in ("update", "push"):
            pass  # shown as the fake reports it
        elif action == "clear":
            self.modals = []
            self.print(self.renderer.dim("(all modals closed)"))
        else:
            if view in self.modals:
                self.modals.remove(view)
            elif self.modals:
                self.modals.pop()
            self.print(self.renderer.dim(f"(submitted and closed {self.view_title(view)})"))


def json_body(body: str) -> dict[str, Any]:
    """An ack body as a JSON object; {} for empty or plain-text bodies."""
    if not body.strip().startswith("{"):
        return {}
    try:
        decoded = json.loads(body)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
