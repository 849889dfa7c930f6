"""create_app(settings): the Bolt app with its middleware and every listener registered."""

from __future__ import annotations

import logging
import uuid

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError

from bot.config import Settings
from bot.runtime import Runtime
from bot.slack_guard import ShortBodies
from bot.telemetry import counting

log = logging.getLogger(__name__)

# Credentials used when none are configured, so the app can still be built and serve /healthz.
# No request signed by Slack can match a random secret, so nothing reaches the listeners.
_OFFLINE_SECRET = "offline-" + uuid.uuid4().hex
_OFFLINE_TOKEN = "xoxb-offline"


def bolt_logger() -> logging.Logger:
    """Bolt's logger, with forged request bodies cut short in its signature-failure line."""
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, ShortBodies) for f in logger.filters):
        logger.addFilter(ShortBodies())
    return logger


def create_app(settings: Settings, runtime: Runtime | None = None) -> App:
    """Build the Bolt app: signature verification on, Web API calls to SLACK_API_URL."""
    runtime = runtime or Runtime.from_settings(settings)
    if settings.oauth_enabled:
        # Many workspaces: tokens come from the installation store, per request.
        from bot.oauth.flow import oauth_app_arguments

        mode = oauth_app_arguments(runtime)
    else:
        # Startup must not need Slack: the token is checked lazily by the first API call.
        mode = {
            "client": runtime.web_client(settings.slack_bot_token or _OFFLINE_TOKEN),
            "token_verification_enabled": False,
        }
    app = App(
        signing_secret=settings.slack_signing_secret or _OFFLINE_SECRET,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=True,
        listener_executor=runtime.listener_executor,
        logger=bolt_logger(),
        **mode,
    )
    app.runtime = runtime  # type: ignore[attr-defined]

    @app.middleware
    def attach_database_session(context, next):
        # One session per request. Sessions are lazy: nothing connects until a listener
        # uses it, and the listener wrapper in handlers.common commits and closes it.
        context["runtime"] = runtime
        context["db"] = runtime.session_factory()
        if context.get("client") is not None:  # its calls count on GET /metrics
            context["client"] = counting(context["client"])
        next()

    @app.error
    def on_error(error: Exception, body: dict, logger: logging.Logger) -> BoltResponse:
        if isinstance(error, BoltUnhandledRequestError):
            if body.get("type") == "event_callback":
                # An event we subscribe to but do not act on: ack it so Slack does not retry.
                return BoltResponse(status=200, body="")
            log.warning("no listener for %s", body.get("type") or body.get("command"))
            return BoltResponse(status=404, body="")
        error_id = uuid.uuid4().hex[:8]
        log.error("unhandled error %s", error_id, exc_info=error)
        return BoltResponse(
            status=200,
            body=f":warning: Sorry, something went wrong on our side (error id {error_id}).",
        )

    from handlers import register_all

    register_all(app)
    return app
