"""Keep secrets out of every log line: Slack tokens, our API tokens, and the configured
secrets, whatever logger wrote them and at whatever level (slack_sdk logs whole Web API
responses at DEBUG, and oauth.v2.access answers with the new bot token)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Slack's tokens (bot, user, app-level, refresh, configuration) and the metrics API's.
TOKEN_PATTERN = re.compile(
    r"\b(?:xox[abpesr]|xoxe\.xox[a-z]|xapp)-[A-Za-z0-9-]+|\brmb_[A-Za-z0-9_-]{16,}"
)
HIDDEN = "[redacted]"
MIN_SECRET_LENGTH = 8  # shorter values are too likely to occur as ordinary words


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every token and each of `secrets` replaced by [redacted]."""
    text = TOKEN_PATTERN.sub(HIDDEN, text)
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, HIDDEN)
    return text


class RedactSecrets(logging.Filter):
    """A handler filter: formats the record's message once, redacted."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install(handlers: Iterable[logging.Handler], secrets: Iterable[str | None]) -> None:
    """Add one RedactSecrets filter to each handler (once)."""
    for handler in handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets(secrets))
