"""`/roadmap digest weekly|quarterly [preview]`: post the digest now, or show it to me (with
its charts in my DM)."""

from __future__ import annotations

import functools

from bot.blocks.deliveries import digest_posted
from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.blocks.message import packed, simple
from bot.flows.commands import CommandCall, Digest
from bot.flows.context import FlowContext
from bot.flows.outcome import Effect, Outcome, RespondTo, RunDeliveries, Upload
from bot.scheduling.manual import manual_delivery
from bot.services.actors import require_admin
from bot.services.charts import draw, planned_charts
from bot.services.digests import quarterly_digest, weekly_digest
from bot.services.metrics import plural

MAX_RESPONSE_POSTS = 5  # Slack accepts five posts per response_url


def digest(call: CommandCall[Digest], ctx: FlowContext) -> Outcome:
    cmd = call.command
    if cmd.preview:
        return preview(call, ctx)
    require_admin(ctx.workspace, ctx.actor, "post a digest to the channel")
    # Posted as a delivery of the digest's schedule, in the roadmap channel (or here).
    delivery_id = manual_delivery(
        ctx.session,
        ctx.workspace,
        kind=f"{cmd.kind}_digest",
        user_id=ctx.actor.user_id,
        now=ctx.now,
        channel_id=ctx.workspace.roadmap_channel_id or ctx.channel_id,
    )
    report = functools.partial(digest_posted, cmd.kind, delivery_id)
    return Outcome(effects=[RunDeliveries((delivery_id,), report=report)])


def preview(call: CommandCall[Digest], ctx: FlowContext) -> Outcome:
    """Private: the summary, then as much detail as the response_url takes, then a note; the
    pictures the digest would upload go to the requester's DM."""
    if call.command.kind == "weekly":
        digest = weekly_digest(session=ctx.session, workspace=ctx.workspace, now=ctx.now)
        summary, details = weekly_digest_messages(digest)
    else:
        digest = quarterly_digest(
            session=ctx.session, workspace=ctx.workspace, period_label=None, now=ctx.now
        )
        summary, details = quarterly_digest_messages(digest)
    plans = planned_charts(digest)
    said = "That was a preview: only you can see it. Drop `preview` to post it."
    if plans:
        said += f" Its {plural(len(plans), 'chart')} went to your DM with me."
    note = simple(said)
    effects: list[Effect] = []
    if call.response_url:
        parts, left_out = packed(details, MAX_RESPONSE_POSTS - 2)
        if left_out:
            note = simple(f"{said} Too long to preview here: {', '.join(left_out)}.")
        more = [*parts, note]
        effects = [RespondTo(call.response_url, m, replace_original=False) for m in more]
    for plan in plans:
        effects.append(
            Upload(
                channel=ctx.actor.user_id,
                content=draw(plan, digest),
                filename=plan.filename,
                title=plan.title,
                initial_comment=f"Preview of the {call.command.kind} digest's chart: {plan.alt}",
            )
        )
    return Outcome(reply=summary, effects=effects)
