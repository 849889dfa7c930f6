"""/roadmap digest weekly|quarterly [preview]."""

from __future__ import annotations

from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.blocks.message import Message, simple
from bot.blocks.replies import problem
from bot.outbound.posting import NotInChannel
from bot.services.actors import require_admin
from bot.services.digests import quarterly_digest, weekly_digest
from handlers.context import RequestContext

MAX_RESPONSE_POSTS = 5  # Slack accepts five posts per response_url


def digest_command(cmd, ctx: RequestContext, command: dict, respond) -> Message | None:
    if cmd.preview:
        if cmd.kind == "weekly":
            digest = weekly_digest(session=ctx.session, workspace=ctx.workspace, now=ctx.now)
            summary, details = weekly_digest_messages(digest)
        else:
            digest = quarterly_digest(
                session=ctx.session, workspace=ctx.workspace, period_label=None, now=ctx.now
            )
            summary, details = quarterly_digest_messages(digest)
        # The preview is private: the summary, then as much detail as the response_url takes.
        for message in [summary, *details][: MAX_RESPONSE_POSTS - 1]:
            respond(response_type="ephemeral", replace_original=False, **message.to_dict())
        return simple("That was a preview: only you can see it. Drop `preview` to post it.")
    require_admin(ctx.workspace, ctx.actor, "post a digest to the channel")
    from sqlalchemy.orm import sessionmaker

    from bot.outbound.digests import post_quarterly_digest, post_weekly_digest

    channel = ctx.workspace.roadmap_channel_id or command["channel_id"]
    ctx.session.commit()
    factory = sessionmaker(bind=ctx.session.get_bind(), expire_on_commit=False)
    poster = post_weekly_digest if cmd.kind == "weekly" else post_quarterly_digest
    try:
        posted = poster(
            session_factory=factory,
            client=ctx.client,
            workspace_id=ctx.workspace.id,
            channel_id=channel,
            now=ctx.now,
        )
    except NotInChannel as error:
        return problem(str(error))
    return simple(
        f":newspaper: Posted the {cmd.kind} digest in <#{posted.channel}> "
        f"with {posted.thread_count} messages in its thread."
    )
