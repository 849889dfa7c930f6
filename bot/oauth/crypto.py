"""Tokens at rest: Fernet encryption with ROADMAP_ENCRYPTION_KEY (several keys: rotation)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import ConfigError

GENERATE_KEY_COMMAND = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
KEY_HINT = (
    "Generate a key with: " + GENERATE_KEY_COMMAND + " and set it as ROADMAP_ENCRYPTION_KEY. "
    "To rotate, put the new key first (NEW,OLD), run `python -m bot rotate-key`, "
    "then drop the old key."
)


class TokenCipherError(ValueError):
    """A stored value cannot be decrypted with any configured key."""


MISSING_KEY = (
    "ROADMAP_ENCRYPTION_KEY is not set. With SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth, many "
    "workspaces) every workspace's tokens are stored encrypted with it. " + KEY_HINT
)


def _keys(value: str | None) -> list[str]:
    return [k.strip() for k in (value or "").split(",") if k.strip()]


def encryption_key_problems(value: str | None) -> list[str]:
    """What is wrong with a ROADMAP_ENCRYPTION_KEY value (empty list: usable), for
    configuration checks that want to report every problem at once."""
    keys = _keys(value)
    if not keys:
        return [MISSING_KEY]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            problems.append(
                f"ROADMAP_ENCRYPTION_KEY: key {position} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes). " + KEY_HINT
            )
    return problems


def missing_key_error() -> ConfigError:
    return ConfigError([MISSING_KEY])


class TokenCipher:
    """Encrypts with the first key, decrypts with any: keys can be rotated without downtime."""

    def __init__(self, keys: list[str]):
        problems = encryption_key_problems(",".join(keys))
        if problems:
            raise ConfigError(problems)
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    @classmethod
    def from_setting(cls, value: str | None) -> TokenCipher:
        """Keys from the environment variable: comma-separated, the first one encrypts."""
        return cls(_keys(value))

    def seal(self, value: str | None) -> str | None:
        """Ciphertext of `value`; a value already sealed with one of our keys is kept."""
        if value is None or self.is_sealed(value):
            return value
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, value: str | None) -> str | None:
        """The plain text of a sealed value. Raises TokenCipherError for a foreign value."""
        if value is None:
            return None
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise TokenCipherError(
                "a stored token cannot be decrypted with ROADMAP_ENCRYPTION_KEY "
                "(was the key that encrypted it removed?)"
            ) from None

    def rotate(self, value: str | None) -> str | None:
        """Re-encrypt with the first key (plain text left from before encryption is sealed)."""
        if value is None:
            return None
        if not self.is_sealed(value):
            return self.seal(value)
        return self._fernet.rotate(value.encode()).decode()

    def is_sealed(self, value: str) -> bool:
        try:
            self._fernet.decrypt(value.encode())
        except InvalidToken:
            return False
        return True
