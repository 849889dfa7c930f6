"""Words the bot uses everywhere: one plural for every message, service and builder."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

_IRREGULAR = {"person": "people", "reply": "replies", "entry": "entries", "category": "categories"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """ "1 goal", "2 goals", "0 goals"; "1 person", "3 people"; "10,000 goals"."""
    if count == 1:
        return f"{count} {noun}"
    many = (
        many
        or _IRREGULAR.get(noun)
        or (noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s")
    )
    return f"{count:,} {many}"


def day_text(
    day: date, today: date | None = None, *, weekday: bool = True, year: bool | None = None
) -> str:
    """The one way a date is written: "Thu 6 Mar" ("6 Mar" without `weekday`), with the year
    when it is not `today`'s year, or always with `year=True`: "Thu 6 Mar 2025"."""
    text = f"{day:%a} {day.day} {day:%b}" if weekday else f"{day.day} {day:%b}"
    if year is None:
        year = today is not None and day.year != today.year
    return f"{text} {day.year}" if year else text


def moment_text(
    instant: datetime, zone: str | None = None, today: date | None = None, *, named: bool = False
) -> str:
    """An instant in `zone` (UTC by default): "Thu 6 Mar 15:00", "… 15:00 (Europe/Berlin)"
    with `named`."""
    local = instant.astimezone(ZoneInfo(zone or "UTC"))
    text = f"{day_text(local.date(), today)} {local:%H:%M}"
    return f"{text} ({zone or 'UTC'})" if named else text


def slack_moment(instant: datetime, zone: str | None = None, today: date | None = None) -> str:
    """An instant as Slack shows it to each reader, in their own zone ("today 15:00",
    "Mar 6 3:00 PM"); the fallback is moment_text in `zone`. For mrkdwn only."""
    fallback = moment_text(instant, zone, today, named=True)
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
