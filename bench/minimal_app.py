"""The baseline: a minimal Bolt app answering the same requests with constant replies, served
by the same gunicorn configuration as `python -m bot serve`."""

from __future__ import annotations

import sys

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings
from bot.runtime import make_web_client
from bot.web import serve


def minimal_wsgi_app(settings: Settings):
    app = App(
        client=make_web_client(settings, settings.slack_bot_token),
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=False,
    )

    @app.command("/roadmap")
    def command(ack):
        ack(text="ok")

    @app.event("reaction_added")
    def reaction(ack):
        ack()

    @app.event("app_home_opened")
    def home(ack):
        ack()

    return SlackRequestHandler(app)


if __name__ == "__main__":
    port = int(sys.argv[1])
    serve(Settings.from_env(), host="127.0.0.1", port=port, app_factory=minimal_wsgi_app)
