"""The /roadmap slash command: parse the text, run the command's flow.

Each subcommand is declared once in handlers.grammar (grammar, help, permission, flow).
Help and parse errors need no database: they are the ack itself. Everything else is acked at
once and answered through the response_url by the flow's outcome.
"""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.message import Message
from bot.blocks.replies import HelpEntry, command_help, help_message, problem
from bot.flows.commands import CommandCall, Help
from bot.flows.outcome import Outcome
from handlers import grammar as g
from handlers.common import Invocation, listener

INTRO = (
    "Keep the team's roadmap alive here: list and update goals, check in, record metrics. "
    "Replies are private unless you end a command with `share`."
)


def register(app: App) -> None:
    app.command("/roadmap")(listener(roadmap_command))


def help_reply(topic: str | None) -> Message:
    if topic:
        spec = g.command_spec(topic)
        if spec is None:  # the parser already refused unknown topics; be safe anyway
            return problem(f"There is no command `{topic}`.", usage="/roadmap help")
        return command_help(spec.name, spec.usage, spec.help, spec.examples)
    entries = [HelpEntry(s.usage, s.summary, s.group) for s in g.COMMANDS.values()]
    return help_message(entries, intro=INTRO)


def roadmap_command(command: dict) -> Invocation | Outcome:
    try:
        parsed = g.parse_command(command.get("text") or "")
    except g.CommandError as error:
        return Outcome(reply=problem(error.message, usage=error.usage, suggestion=error.suggestion))
    if isinstance(parsed.command, Help):
        return Outcome(reply=help_reply(parsed.command.topic), share=parsed.share)
    spec = g.COMMANDS[parsed.name]
    call = CommandCall(
        parsed.command,
        share=parsed.share,
        trigger_id=command.get("trigger_id"),
        response_url=command.get("response_url"),
    )
    usage = g.usage_for(spec.usage, command.get("text") or "")
    return Invocation(spec.flow, call, command["user_id"], usage=usage)
