"""The console loop: read a line, play Slack's part towards the app in-process, print the result."""

from __future__ import annotations

import contextlib
import queue
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot.console.payloads import (
    API_APP_ID,
    action_value,
    command_body,
    event_body,
    file_share_event,
    interaction_body,
    reaction_event,
    reply_event,
    signed_headers,
    state_values,
)
from bot.console.render import Renderer
from bot.console.surfaces import SurfacePrinter, isatty, json_body
from bot.console.workspace import BOT_USER_ID, LocalWorkspace
from bot.fakeslack import Shown, SlackError
from bot.runtime import Runtime

FORM = "application/x-www-form-urlencoded"
PROMPT = "roadmap> "
SETTLE_SECONDS = 20.0
HELP = """\
Console commands:
  /roadmap TEXT        run the slash command, as Slack would send it
  :home                open the bot's Home tab
  :click N [CHOICE]    press button N of what was shown last (menus and pickers need a CHOICE)
  :submit KEY=VALUE …  submit the open modal; keys are the inputs' key=… names (quote spaces)
  :close               close the open modal
  :react EMOJI         react to the bot's last message you can see; :unreact EMOJI takes it back
  :reply TEXT          reply in the thread of the bot's last message you can see
  :upload PATH [TEXT]  share a file with the bot in a DM (e.g. a roadmap to import)
  :as NAME|USER_ID     act as another member (e.g. :as ada), or as someone new (:as U0ALICE001)
  :help                this list;  :quit (or Ctrl-D) leaves"""


@dataclass
class ConsoleContext:
    """What a console session is built from."""

    app: App
    runtime: Runtime
    slack: LocalWorkspace
    outputs: queue.SimpleQueue[Shown]
    signing_secret: str


class Console(SurfacePrinter):
    """One console session over a built app and the running fake Slack."""

    def __init__(self, ctx: ConsoleContext, *, user_id: str, stdin: TextIO, stdout: TextIO):
        color = isatty(stdout)
        super().__init__(Renderer(user_name=ctx.slack.user_name, color=color), ctx.slack, stdout)
        self.ctx = ctx
        self.stdin = stdin
        self.user_id = user_id
        ctx.slack.ensure_person(user_id)
        ctx.slack.user_id = user_id

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> int:
        """Read and run lines until :quit or end of input; always exits 0."""
        while True:
            try:
                line = self._read_line()
            except KeyboardInterrupt:
                self.print("")
                continue
            if line is None:
                return 0
            try:
                if not self.handle(line.strip()):
                    return 0
            except KeyboardInterrupt:
                self.print("(interrupted)")
            except Exception as error:  # the console outlives any bug in the app or in itself
                self.error(f"{type(error).__name__}: {error}")

    def _read_line(self) -> str | None:
        """The next line; None at end of input. A terminal gets a prompt and line editing."""
        if not isatty(self.stdin):
            return self.stdin.readline() or None
        if self.stdin is sys.stdin and self.out is sys.stdout:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (history and editing for input())
            try:
                return input(PROMPT)
            except EOFError:
                self.print("")
                return None
        self.out.write(PROMPT)
        self.out.flush()
        return self.stdin.readline() or None

    def handle(self, line: str) -> bool:
        """Run one input line; False when the console should exit."""
        self.fresh = True
        if not line or line.startswith("#"):
            return True
        if line.startswith("/"):
            self.command(line)
            return True
        if not line.startswith(":"):
            self.print("Type a slash command such as /roadmap help, or :help for the console's.")
            return True
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        if name in (":quit", ":q", ":exit"):
            return False
        actions = {
            ":help": lambda: self.print(HELP),
            ":home": self.home,
            ":click": lambda: self.click(rest),
            ":submit": lambda: self.submit(rest),
            ":close": self.close_modal,
            ":react": lambda: self.react(rest, added=True),
            ":unreact": lambda: self.react(rest, added=False),
            ":reply": lambda: self.reply(rest),
            ":upload": lambda: self.upload(rest),
            ":as": lambda: self.switch_user(rest),
        }
        action = actions.get(name)
        if action is None:
            self.print(f"Unknown console command {name}; type :help to see what there is.")
        else:
            action()
        return True

    # --- dispatching ---------------------------------------------------------------------------

    def dispatch(self, body: str, content_type: str, *, what: str) -> BoltResponse | None:
        """Hand a signed request to the app; None when it raised (already reported)."""
        headers = signed_headers(self.ctx.signing_secret, body, content_type)
        try:
            response = self.ctx.app.dispatch(BoltRequest(body=body, headers=headers))
        except Exception as error:
            self.drain()
            self.error(f"the app failed on {what}: {type(error).__name__}: {error}")
            return None
        if response.status != 200:
            detail = f" ({response.body.strip()})" if response.body.strip() else ""
            self.error(f"the app answered {what} with HTTP {response.status}{detail}")
            if what.startswith("/"):
                self.print(f'Slack would show: {what} failed with the error "dispatch_failed"')
        return response

    def settle(self) -> None:
        """Wait for the listeners running after the ack, printing what they show as they go."""
        executor = self.ctx.runtime.listener_executor
        deadline = time.monotonic() + SETTLE_SECONDS
        while not executor.wait_idle(timeout=0.05):
            self.drain()
            if time.monotonic() > deadline:
                self.print(self.renderer.dim("(the app is still working in the background)"))
                break
        self.drain()

    def drain(self) -> None:
        while True:
            try:
                output = self.ctx.outputs.get_nowait()
            except queue.Empty:
                return
            try:
                self.show_output(output)
            except Exception as error:
                self.error(f"could not show a {output.kind}: {error}")

    def _who(self) -> dict[str, str]:
        name = self.ctx.slack.user_name(self.user_id) or self.user_id.lower()
        team = self.ctx.slack.team_id
        return {"id": self.user_id, "username": name, "name": name, "team_id": team}

    def _interaction(self, kind: str, **fields: Any) -> dict[str, Any]:
        slack = self.ctx.slack
        return {
            "type": kind,
            "user": self._who(),
            "api_app_id": API_APP_ID,
            "token": "console-verification-token",
            "team": {"id": slack.team_id, "domain": slack.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": slack.trigger_id(),
            **fields,
        }

    def _event(self, event: dict[str, Any], what: str) -> None:
        event = {"event_ts": self.ctx.slack.next_ts(), **event}
        body = event_body(event, team_id=self.ctx.slack.team_id, bot_user_id=BOT_USER_ID)
        if self.dispatch(body, "application/json", what=what) is not None:
            self.settle()

    # --- commands ------------------------------------------------------------------------------

    def command(self, line: str) -> None:
        slack = self.ctx.slack
        name, _, text = line.partition(" ")
        response_url = slack.response_url(slack.channel_id)
        body = command_body(
            command=name,
            text=text.strip(),
            team_id=slack.team_id,
            team_domain=slack.team_domain,
            user_id=self.user_id,
            user_name=slack.user_name(self.user_id) or self.user_id,
            channel_id=slack.channel_id,
            channel_name=slack.channel_name,
            response_url=response_url,
            trigger_id=slack.trigger_id(),
        )
        response = self.dispatch(body, FORM, what=name)
        if response is not None:
            if response.status == 200:
                self.show_ack(response.body, response_url)
            self.settle()

    def home(self) -> None:
        shown = self.homes_shown
        home = self.ctx.slack.home(self.user_id)
        event = {
            "type": "app_home_opened",
            "user": self.user_id,
            "channel": self.ctx.slack.dm_channel(self.user_id),
            "tab": "home",
        }
        if home:
            event["view"] = home
        self.home_requested = True
        try:
            self._event(event, "app_home_opened")
        finally:
            self.home_requested = False
        if self.homes_shown == shown:
            if home:
                self.show_view(home, "Home tab (unchanged)")
            else:
                self.print("(the app published no Home tab)")

    def click(self, args: str) -> None:
        number, _, choice = args.partition(" ")
        controls = self.renderer.controls
        if not number.isdigit() or not 0 < int(number) <= len(controls):
            shown = f"1 to {len(controls)}" if controls else "none are shown"
            self.print(f"Usage: :click N, where N is a button number ({shown}).")
            return
        control = controls[int(number) - 1]
        surface = self.control_surfaces[int(number) - 1]
        if control.element.get("type") != "button" and not choice.strip():
            self.print(f"Button {number} is a menu or picker: say which, e.g. :click {number} X")
            return
        action = action_value(control.element, choice.strip() or None)
        action["block_id"] = control.block_id or "console"
        if control.element.get("url"):
            self.print(self.renderer.dim(f"(opens {control.element['url']})"))
        slack = self.ctx.slack
        if surface.view is not None:
            fields: dict[str, Any] = {
                "container": {"type": "view", "view_id": surface.view.get("id")},
                "view": surface.view,
            }
        else:
            message = surface.message or {}
            channel = surface.channel or slack.channel_id
            fields = {
                "container": {
                    "type": "message",
                    "message_ts": message.get("ts"),
                    "channel_id": channel,
                    "is_ephemeral": surface.ephemeral,
                },
                "channel": {"id": channel, "name": slack.channel_name_of(channel)},
                "message": message,
                "response_url": slack.response_url(channel, message.get("ts")),
            }
        payload = self._interaction("block_actions", **fields, actions=[action])
        payload["state"] = {"values": {}}
        response = self.dispatch(interaction_body(payload), FORM, what="block_actions")
        if response is not None:
            if response.status == 200 and response.body.strip():
                ack_url = fields.get("response_url") or slack.response_url(slack.channel_id)
                self.show_ack(response.body, ack_url)
            self.settle()

    def submit(self, args: str) -> None:
        if not self.modals:
            self.print("No modal is open. Open one first (a command or a button that opens one).")
            return
        view = self.modals[-1]
        assignments: dict[str, str] = {}
        for token in shlex.split(args):
            key, sep, value = token.partition("=")
            if not sep or not key:
                self.print(f'Expected KEY=VALUE, got {token!r}; e.g. :submit title="Ship it"')
                return
            assignments[key] = value
        values, unknown = state_values(view, assignments)
        if unknown:
            keys = ", ".join(self.input_keys(view)) or "none"
            self.print(f"No input called {', '.join(unknown)} in this modal; its keys: {keys}")
            return
        submitted = view | {"state": {"values": values}}
        payload = self._interaction("view_submission", view=submitted, response_urls=[])
        response = self.dispatch(interaction_body(payload), FORM, what="view_submission")
        if response is None:
            return
        if response.status == 200:
            self.after_submission(view, json_body(response.body))
        self.settle()

    def close_modal(self) -> None:
        if not self.modals:
            self.print("No modal is open.")
            return
        view = self.modals.pop()
        self.ctx.slack.fake.user_close_view(self.ctx.slack.team_id, self.user_id, view.get("id"))
        self.print(self.renderer.dim(f"(closed {self.view_title(view)})"))
        if view.get("notify_on_close"):
            payload = self._interaction("view_closed", view=view, is_cleared=False)
            if self.dispatch(interaction_body(payload), FORM, what="view_closed") is not None:
                self.settle()

    def react(self, args: str, *, added: bool) -> None:
        name = args.strip().strip(":")
        target = self.last_bot_message_seen_by(self.user_id)
        if not name:
            self.print("Usage: :react EMOJI, e.g. :react white_check_mark")
            return
        if target is None:
            self.print("The bot has not posted a message you can see yet; nothing to react to.")
            return
        channel, ts = target
        fake = self.ctx.slack.fake
        try:
            if added:
                fake.user_react(channel, ts, self.user_id, name)
            else:
                fake.user_unreact(channel, ts, self.user_id, name)
        except SlackError as error:
            self.print(f"Slack would not do that: {error.error}")
            return
        verb = "reacted" if added else "took back"
        self.print(self.renderer.dim(f"(you {verb} :{name}: on the bot's last message)"))
        event = reaction_event(user=self.user_id, name=name, channel=channel, ts=ts, added=added)
        self._event(event, event["type"])

    def reply(self, text: str) -> None:
        if not text:
            self.print("Usage: :reply TEXT")
            return
        target = self.last_bot_message_seen_by(self.user_id)
        if target is None:
            self.print("The bot has not posted a message you can see yet; no thread to reply in.")
            return
        channel, ts = target
        slack = self.ctx.slack
        try:
            posted = slack.fake.user_post(channel, self.user_id, text, thread_ts=ts)
        except SlackError as error:
            self.print(f"Slack would not do that: {error.error}")
            return
        event = reply_event(user=self.user_id, text=text, channel=channel, ts=posted, thread_ts=ts)
        event["team"] = slack.team_id
        self._event(event, "message")

    def upload(self, args: str) -> None:
        """Share a file from this machine with the bot, in a DM, as a person would."""
        path, _, comment = args.partition(" ")
        try:
            content = Path(path).expanduser().read_bytes()
        except OSError as error:
            self.print(f"Usage: :upload PATH [COMMENT] ({path or 'no path'}: {error.strerror})")
            return
        slack = self.ctx.slack
        channel = slack.dm_channel(self.user_id)
        info, ts = slack.fake.user_share_file(
            channel, self.user_id, Path(path).name, content, comment
        )
        self.print(self.renderer.dim(f"(you shared {info['name']} with the bot in a DM)"))
        event = file_share_event(user=self.user_id, channel=channel, ts=ts, file=info, text=comment)
        self._event(event, "file_share")

    def switch_user(self, who: str) -> None:
        slack = self.ctx.slack
        user_id = slack.find_person(who)
        if user_id is None:
            people = ", ".join(slack.describe(p) for p in slack.people())
            self.print(f"Usage: :as NAME or :as USER_ID, e.g. :as ada. Members: {people}")
            return
        slack.ensure_person(user_id)
        self.user_id = slack.user_id = user_id
        self.print(f"(now acting as @{slack.user_name(user_id)} ({user_id}))")


__all__ = ["HELP", "Console", "ConsoleContext"]
