"""Replies about metrics from the team's tools: hooks (URL and secret shown once), the
Prometheus server, a metric's binding, a refresh, and the admins' notice of failing queries."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn
from bot.services.hooks import CreatedHook, HookView
from bot.services.metrics import format_value
from bot.services.prometheus import BindingView, Evaluation

BASE_URL_PLACEHOLDER = "$ROADMAP_URL"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%-d %B %Y, %H:%M UTC") if moment else "never"


def _filter(view: HookView) -> str:
    if view.kind == "alertmanager":
        if not view.labels:
            return "every alert"
        return "alerts with " + ", ".join(f"`{k}={v}`" for k, v in view.labels.items())
    return f"successful deploys to `{escape_mrkdwn(view.environment or 'production')}`"


def _setup(view: HookView, url: str, secret: str) -> str:
    if view.kind == "github":
        return (
            "In GitHub: the repository's *Settings → Webhooks → Add webhook*. Payload URL: the "
            "URL above; Content type: `application/json`; Secret: the secret above; *Let me "
            "select individual events* → *Deployment statuses*."
        )
    if view.kind == "gitlab":
        return (
            "In GitLab: the project's *Settings → Webhooks → Add new webhook*. URL: the URL "
            "above; Secret token: the secret above; Trigger: *Deployment events*."
        )
    config = (
        "receivers:\n"
        "  - name: roadmap-bot\n"
        "    webhook_configs:\n"
        f"      - url: {url}\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        f"            credentials: {secret}"
    )
    return f"In alertmanager.yml (then route your alerts to it):\n```{escape_mrkdwn(config)}```"


def hook_created(created: CreatedHook, base_url: str | None = None) -> Message:
    """The new hook's URL and secret, once, with what to paste where."""
    view = created.view
    base = (base_url or BASE_URL_PLACEHOLDER).rstrip("/")
    url = f"{base}{view.path}"
    where = (
        f" (`{BASE_URL_PLACEHOLDER}`: where this bot is served)"
        if base == BASE_URL_PLACEHOLDER
        else ""
    )
    intro = (
        f":link: New {view.tool} hook `{view.id}`: {_filter(view)} feed "
        f"*{escape_mrkdwn(view.metric or '')}*. Copy the secret now: it is shown only this once."
    )
    return Message(
        text=f"New {view.tool} hook {view.id} (secret shown once).",
        blocks=[
            section(intro),
            section(f"URL{where}:\n```{escape_mrkdwn(url)}```"),
            section(f"Secret:\n```{created.secret}```"),
            section(_setup(view, url, created.secret)),
            context(
                f"List hooks: `/roadmap config hook {view.kind} list` · revoke this one: "
                f"`/roadmap config hook {view.kind} revoke {view.id}`"
            ),
        ],
    )


def hooks_list(views: list[HookView], kind: str | None = None) -> Message:
    what = f"{kind} hooks" if kind else "hooks"
    if not views:
        example = kind or "github"
        text = f"No {what} yet. Create one: `/roadmap config hook {example} create`."
        return Message(text=text, blocks=[section(text)])
    lines = [
        f"• {v.tool} `{v.id}`: {_filter(v)}"
        + (f" → {escape_mrkdwn(v.metric)}" if v.metric else "")
        + f" · created {_when(v.created_at)}"
        + (f" by <@{v.created_by}>" if v.created_by else "")
        + f" · last used {_when(v.last_used_at)}"
        for v in views
    ]
    return Message(
        text=f"{len(views)} {what}" if len(views) != 1 else f"1 {what[:-1]}",
        blocks=[
            section(f"*{what.capitalize()}*\n" + "\n".join(lines)),
            context("Revoke one: `/roadmap config hook &lt;kind&gt; revoke &lt;id&gt;`"),
        ],
    )


def hook_revoked(view: HookView) -> Message:
    text = f":wastebasket: Revoked the {view.tool} hook `{view.id}`; its URL no longer works."
    return Message(text=text, blocks=[section(text)])


def prometheus_config(url: str | None, has_token: bool) -> Message:
    if not url:
        text = (
            "No Prometheus server is set. Set one: "
            "`/roadmap config prometheus https://prom.internal:9090` (add `token <bearer token>` "
            "if it needs one)."
        )
        return Message(text=text, blocks=[section(text)])
    token = "with a bearer token (stored encrypted)" if has_token else "without a token"
    text = f":satellite_antenna: Prometheus: `{escape_mrkdwn(url)}`, {token}."
    return Message(
        text=text,
        blocks=[
            section(text),
            context(
                'Bind a metric: `/roadmap metric source uptime prometheus "&lt;PromQL&gt;"` · '
                "forget the server: `/roadmap config prometheus off`"
            ),
        ],
    )


def _last(view: BindingView) -> str:
    if view.last_run_at is None:
        return "Not evaluated yet: it runs daily at 06:00, or now with `/roadmap metric refresh`."
    if view.last_error:
        return f"Last run {_when(view.last_run_at)}: :warning: {escape_mrkdwn(view.last_error)}"
    value = escape_mrkdwn(format_value(view.last_value, view.unit))
    return f"Last run {_when(view.last_run_at)}: *{value}*"


def binding(metric_name: str, view: BindingView | None, server: str | None) -> Message:
    """What `/roadmap metric source <name>` shows."""
    name = escape_mrkdwn(metric_name)
    if view is None:
        text = (
            f"{name} is recorded by hand or through the API. Read it from Prometheus: "
            f'`/roadmap metric source {name} prometheus "&lt;PromQL&gt;"`.'
        )
        return Message(text=text, blocks=[section(text)])
    where = f"`{escape_mrkdwn(server)}`" if server else "no server set yet"
    head = (
        f":satellite_antenna: *{name}* is read from Prometheus ({where}) every day at 06:00:\n"
        f"```{escape_mrkdwn(view.query)}```"
    )
    return Message(
        text=f"{metric_name} is read from Prometheus.",
        blocks=[
            section(head),
            section(_last(view)),
            context(
                f"Read it now: `/roadmap metric refresh {name}` · stop: "
                f"`/roadmap metric source {name} off`"
            ),
        ],
    )


def binding_removed(view: BindingView) -> Message:
    text = (
        f"{escape_mrkdwn(view.metric_name)} is no longer read from Prometheus; its readings stay."
    )
    return Message(text=text, blocks=[section(text)])


def evaluation(result: Evaluation) -> Message:
    name = escape_mrkdwn(result.binding.metric_name)
    if result.error:
        text = f":warning: {name} was not recorded: {escape_mrkdwn(result.error)}"
    else:
        value = escape_mrkdwn(format_value(result.value, result.binding.unit))
        text = f":bar_chart: Recorded {name} = *{value}* from Prometheus."
    return Message(text=text, blocks=[section(text)])


def prometheus_errors_notice(failed: list[Evaluation]) -> Message:
    """The admins' daily notice of bound queries that gave no reading."""
    count = len(failed)
    head = (
        f":warning: {count} metric{'' if count == 1 else 's'} could not be read from "
        "Prometheus today, so nothing was recorded for "
        f"{'it' if count == 1 else 'them'}:"
    )
    lines = [
        f"• *{escape_mrkdwn(e.binding.metric_name)}*: {escape_mrkdwn(e.error or '')}"
        for e in failed[:20]
    ]
    return Message(
        text=head,
        blocks=[
            section(head + "\n" + "\n".join(lines)),
            context(
                "Check with `/roadmap metric source &lt;name&gt;`, try again with "
                "`/roadmap metric refresh &lt;name&gt;`. You hear of this once a day."
            ),
        ],
    )
