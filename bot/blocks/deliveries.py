"""What the person who asked for a manual post is told once the sender is done with it."""

from __future__ import annotations

from bot.blocks.message import Message, simple
from bot.scheduling.manual import ManualReport


def _not_sent(what: str, report: ManualReport, delivery_id: int) -> Message:
    result = report.result(delivery_id)
    if result is None or result.state in ("sent", "claimed"):
        return simple(f"The {what} is already on its way (the clock picked it up).")
    if result.state == "parked":
        return simple(
            f":warning: Slack refused the bot's token, so I could not post the {what}. It will "
            "go out once the app is installed again (or restarted with a working token)."
        )
    if result.state == "failed":
        return simple(f":warning: I could not post the {what}: `{result.note}`.")
    return simple(f"I could not post the {what} yet (`{result.note}`); I'll try again shortly.")


def prompts_posted(delivery_id: int, report: ManualReport) -> Message:
    """The check-in run's summary ("Check-in 2025-W10: 4 prompts posted, …")."""
    result = report.result(delivery_id)
    if result is not None and report.sent_here(delivery_id):
        return simple(result.note or "Check-in prompts sent.")
    return _not_sent("check-in prompts", report, delivery_id)


def digest_posted(kind: str, delivery_id: int, report: ManualReport) -> Message:
    result = report.result(delivery_id)
    if result is not None and report.sent_here(delivery_id):
        return simple(f":newspaper: Posted the {kind} digest in <#{result.channel_id}>.")
    return _not_sent(f"{kind} digest", report, delivery_id)
