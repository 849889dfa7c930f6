"""Small replies: metrics, config, help, errors and import reports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import HeaderBlock, MarkdownTextObject, SectionBlock

from bot.blocks.goals import person
from bot.blocks.message import Message, context, section, simple
from bot.blocks.text import escape_mrkdwn, truncate
from bot.services.measured_by import LABELS
from bot.services.metrics import MetricView, ReadingResult, format_value, plural
from bot.services.settings import ConfigView
from bot.services.team_metrics import AUTOMATIC_SOURCES, AutoReading
from models import MeasuredBy


@dataclass(frozen=True)
class HelpEntry:
    usage: tuple[str, ...]
    summary: str
    group: str


def metrics_list(metrics: list[MetricView]) -> Message:
    if not metrics:
        return Message(
            text="No metrics yet.",
            blocks=[section("No metrics yet. Import a roadmap or `/roadmap metric add`.")],
        )
    blocks = [HeaderBlock(text="Success metrics")]
    lines = []
    for kind in ("technical", "team"):
        rows = [m for m in metrics if m.kind == kind]
        if not rows:
            continue
        text = f"*{kind.title()}*\n" + "\n".join(metric_line(m) for m in rows)
        blocks.append(section(text))
        lines += [f"{m.name}: {m.latest_text}" for m in rows]
    blocks.append(context("Record a reading: `/roadmap metric uptime 99.95`"))
    return Message(text="Success metrics: " + escape_mrkdwn("; ".join(lines)), blocks=blocks)


def metric_line(metric: MetricView) -> str:
    mark = {
        True: ":white_check_mark:",
        False: ":small_red_triangle_down:",
        None: ":heavy_minus_sign:",
    }
    latest = "no reading yet"
    if metric.cadence is not None:
        latest = metric.cadence.text
    elif metric.latest is not None:
        latest = metric.latest_text
    goal = f" · this period {escape_mrkdwn(metric.milestone)}" if metric.milestone else ""
    return (
        f"{mark[metric.on_target]} {escape_mrkdwn(metric.name)}: *{escape_mrkdwn(latest)}* "
        f"(target {escape_mrkdwn(metric.target_text)}{goal}){source_note(metric)}"
    )


def source_note(metric: MetricView) -> str:
    """Team metrics (issue 20): where the latest number came from, when not typed by hand."""
    if metric.source and metric.source not in ("command", "modal"):
        note = f": {escape_mrkdwn(metric.note)}" if metric.note else ""
        return f" · _from {escape_mrkdwn(metric.source)}{note}_"
    if metric.measured_by and metric.latest is None:
        return f" · _measured by {LABELS[MeasuredBy(metric.measured_by)]}_"
    if metric.source and metric.measured_by in AUTOMATIC_SOURCES:  # typed over the bot's measure
        return f" · _typed by a person; measured by {LABELS[MeasuredBy(metric.measured_by)]}_"
    return ""


def reading_recorded(result: ReadingResult, measured: AutoReading | None = None) -> Message:
    """ "Recorded API response time = 200 ms — misses the < 200 ms target.", or for a cadence
    metric "Recorded 1 deploy: 4 deploys this week, daily asks 5." """
    metric = result.metric
    name = escape_mrkdwn(metric.name)
    if not result.recorded:
        text = f"That reading of {name} was already recorded."
    elif metric.cadence is not None:
        count = metric.cadence
        recorded = plural(max(0, round(result.value)), count.noun)
        text = f":bar_chart: Recorded {recorded} for {name}: {escape_mrkdwn(count.text)}."
    else:
        near = metric.verdict.goal.value if metric.verdict is not None else None
        value = escape_mrkdwn(format_value(result.value, metric.unit, near=near))
        verdict = ""
        if metric.verdict is not None:
            said = escape_mrkdwn(metric.verdict.text)
            verdict = f" :white_check_mark: {said}" if metric.verdict.met else f" — {said}"
        text = f":bar_chart: Recorded {name} = *{value}*{verdict}."
    # The rituals source counts typed sessions beside the held ones: a typed one just counts.
    if measured is not None and result.recorded and measured.source != MeasuredBy.RITUALS:
        text += " " + _typed_over_measure(result, measured)
    return Message(text=text, blocks=[section(text)])


def _typed_over_measure(result: ReadingResult, measured: AutoReading) -> str:
    """A typed reading of a metric the bot measures stands for today only: say so, what the
    bot measures now, and how to make the metric typed for good."""
    name = escape_mrkdwn(result.metric.name)
    label = LABELS[MeasuredBy(measured.source)]
    if measured.value is not None:
        now = format_value(measured.value, result.metric.unit)
        says = f": *{now}* now ({escape_mrkdwn(measured.note)})"
        until = "today only; tomorrow the bot's daily reading takes over"
    else:
        says = ""
        until = f"until {label} records the next one"
    return (
        f"{name} is measured by {label}{says}. Your reading stands for {until}. "
        f"To type it for good: `/roadmap metric source {name} manual`."
    )


def metric_added(metric: MetricView) -> Message:
    return simple(f":bar_chart: Metric *{escape_mrkdwn(metric.name)}* added.")


def config_message(config: ConfigView) -> Message:
    admins = " ".join(person(a) for a in config.admins)
    admins = f"{admins} (and workspace admins)" if admins else "workspace admins only"
    prompts = "in each owner’s DM" if config.checkins == "dm" else "in the roadmap channel"
    reactions = ", ".join(f":{name}: {status}" for name, status in config.reactions.items())
    rows = [
        f"*Time zone*: {escape_mrkdwn(config.timezone)}",
        f"*Roadmap channel*: {f'<#{config.channel_id}>' if config.channel_id else 'not set'}",
        f"*Roadmap admins*: {admins}",
        f"*Check-in prompts*: {prompts}",
        f"*Public holidays*: {escape_mrkdwn(config.holidays or 'not observed')}",
        f"*Mentions in digests*: {config.mentions}",
        f"*Metrics picture in the weekly digest*: {config.digest_images}",
        f"*Keep data after uninstall*: {config.retention_days} days",
        f"*Check-in reactions*: {reactions}",
        "*Reminder for unanswered prompts*: "
        + (f"after {config.chase_after_hours} hours" if config.chase_after_hours else "off"),
    ]
    text = "\n".join(rows)
    return Message(
        text="Roadmap settings",
        blocks=[
            HeaderBlock(text="Roadmap settings"),
            section(text),
            context("Change one: `/roadmap config timezone Europe/Berlin`"),
        ],
    )


def help_message(entries: Sequence[HelpEntry], *, intro: str) -> Message:
    blocks = [HeaderBlock(text="/roadmap"), section(intro)]
    groups: dict[str, list[HelpEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    for group, items in groups.items():
        lines = [f"`{code(item.usage[0])}` — {escape_mrkdwn(item.summary)}" for item in items]
        blocks.append(section(f"*{escape_mrkdwn(group)}*\n" + "\n".join(lines)))
    blocks.append(
        context("`/roadmap help &lt;command&gt;` for details · add `share` to post in the channel")
    )
    return Message(
        text="/roadmap commands: " + escape_mrkdwn(", ".join(e.usage[0] for e in entries)),
        blocks=blocks,
    )


def command_help(name: str, usage: Sequence[str], text: str, examples: Sequence[str]) -> Message:
    body = "\n".join(f"`{code(u)}`" for u in usage) + f"\n{escape_mrkdwn(text)}"
    if examples:
        body += "\n*Examples*\n" + "\n".join(f"`{code(e)}`" for e in examples)
    return Message(
        text=f"/roadmap {name}: {escape_mrkdwn(text)}",
        blocks=[HeaderBlock(text=f"/roadmap {name}"[:150]), section(body)],
    )


def code(text: str) -> str:
    """A usage line or an example for inside backticks: Slack parses `<…>` even there, so
    placeholders such as `<status>` are written `&lt;status&gt;`."""
    return escape_mrkdwn(text)


def neutralise(text: str) -> str:
    """Escape everything Slack would act on except user and channel mentions."""
    kept = re.compile(r"[@#][UWC][A-Z0-9]+(?:\|[^<>&]*)?")
    out, position = [], 0
    for match in re.finditer(r"<([^<>]*)>", text):
        out.append(escape_mrkdwn(text[position : match.start()]))
        inner = match.group(1)
        out.append(f"<{inner}>" if kept.fullmatch(inner) else escape_mrkdwn(match.group(0)))
        position = match.end()
    out.append(escape_mrkdwn(text[position:]))
    return "".join(out)


def problem(message: str, *, usage: str | None = None, suggestion: str | None = None) -> Message:
    """A specific, friendly answer to bad input (always ephemeral).

    Messages quote people's words back: `<!channel>`-style mentions and `<url|label>` links
    in them are neutralised. User mentions (`<@U…>`) stay: services name owners with them.
    """
    text = f":warning: {neutralise(message)}"
    blocks = [SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)))]
    hints = []
    if suggestion:
        hints.append(neutralise(suggestion))
    if usage:
        hints.append(f"Usage: `{code(usage)}`")
    if hints:
        blocks.append(context(" · ".join(hints)))
    fallback = text + "".join(f" {hint}" for hint in hints)
    return Message(text=fallback, blocks=blocks)


def import_report(summary: str, sections: Sequence[tuple[str, Sequence[str]]]) -> Message:
    blocks = [section(escape_mrkdwn(summary))]
    for title, lines in sections:
        if not lines:
            continue
        shown = "\n".join(f"• {escape_mrkdwn(line)}" for line in lines[:15])
        if len(lines) > 15:
            shown += f"\n…and {len(lines) - 15} more"
        blocks.append(section(f"*{escape_mrkdwn(title)}*\n{shown}"))
    return Message(text=escape_mrkdwn(summary), blocks=blocks[:45])


def apology(error_id: str) -> Message:
    """Something failed on our side: say so, with the id the log has it under."""
    return simple(
        f":warning: Sorry, something went wrong on our side. It has been logged as error "
        f"`{error_id}`; please try again, and mention that id if it keeps happening."
    )


def too_slow() -> Message:
    """Slack refused to open a form because its trigger expired (over 3 s) or was used."""
    return simple(
        ":hourglass: That took too long for Slack to open the form; run the command again."
    )
