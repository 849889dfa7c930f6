"""The rules a digest's messages keep, as checks over what would be posted (see
bot.services.digests.invariants for the rules of the data): the summary announces exactly the
parts and pictures in its thread, people are named and never shown as raw ids when their
name is known, a reading older than the period carries its date, and a quarterly digest
names every category."""

from __future__ import annotations

from bot.blocks.digests.quarterly import quarterly_digest_messages
from bot.blocks.digests.style import announced, day
from bot.blocks.digests.text import digest_text
from bot.blocks.digests.weekly import weekly_digest_messages
from bot.blocks.message import Message
from bot.services.charts import planned_charts
from bot.services.digests import QuarterlyDigest, WeeklyDigest


def _everything(summary: Message, details: list[Message]) -> str:
    return "\n".join(str(m.to_dict()) for m in (summary, *details))


def message_violations(d: WeeklyDigest | QuarterlyDigest) -> list[str]:
    found: list[str] = []
    weekly = isinstance(d, WeeklyDigest)
    summary, details = weekly_digest_messages(d) if weekly else quarterly_digest_messages(d)
    if (d.overview.period if weekly else d.period) is None:
        return found
    parts, charts = announced(summary)
    posted = {m.key for m in details}
    if parts != posted:
        found.append(f"announced {sorted(parts)} but posts {sorted(posted)}")
    planned = {c.kind for c in planned_charts(d)}
    if charts != planned:
        found.append(f"announced charts {sorted(charts)} but uploads {sorted(planned)}")
    for message in (summary, *details):
        payload = message.to_dict()  # slack_sdk checks Slack's limits here
        if len(payload["blocks"]) > 50:
            found.append(f"{message.key}: more than 50 blocks")
    everything = _everything(summary, details)
    if not d.mentions:
        for user, name in d.people.items():
            if name and (user in everything):
                found.append(f"{user} shown as an id although they are {name}")
    text = digest_text(d)
    metrics = d.metrics
    for m in metrics:
        at = m.latest_at if weekly else m.value_at
        if m.stale and at is not None and m.cadence is None:
            shown = day(at.date(), d.today if weekly else d.now.date())
            if f"{m.name} " in text and f"on {shown}" not in text:
                found.append(f"{m.key}: a reading from before the period shown without its date")
    if not weekly:
        for category in d.categories[:15]:
            if category.name not in text:
                found.append(f"the category {category.name} is not named")
    return found
