"""Secrets the bot must read back (webhook secrets, a Prometheus bearer token), sealed at rest.

A webhook secret cannot be stored as a hash like an API token: verifying GitHub's
`X-Hub-Signature-256` needs the secret itself. So it is encrypted with Fernet, as Slack tokens
are in OAuth mode (bot.oauth.crypto.TokenCipher), by the first key of:

1. ROADMAP_ENCRYPTION_KEY (comma-separated keys, the first encrypts; `python -m bot rotate-key`
   re-encrypts), when it is set;
2. otherwise a key derived (HKDF-SHA256) from SLACK_SIGNING_SECRET, so that single-token
   installs need no new variable and a copy of the database alone opens nothing. The derived
   key stays a decryption key after ROADMAP_ENCRYPTION_KEY is added, so nothing sealed before
   is lost; regenerating the signing secret without an encryption key means re-creating the
   hooks.

With neither (Socket Mode without a signing secret) nothing can be sealed and creating a hook
says so. The process's keys are set once, by bot.runtime.Runtime.from_settings.
"""

from __future__ import annotations

import base64
import threading

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.oauth.crypto import TokenCipher, TokenCipherError
from bot.services.errors import InvalidInput

__all__ = [
    "TokenCipherError",
    "configure",
    "derived_key",
    "open_secret",
    "rekey",
    "seal",
    "sealer",
]

NO_KEY = (
    "I can't store a secret safely here: set ROADMAP_ENCRYPTION_KEY (or SLACK_SIGNING_SECRET) "
    "for the bot, restart it, and try again."
)

_lock = threading.Lock()
_cipher: TokenCipher | None = None


def derived_key(signing_secret: str) -> str:
    """A Fernet key derived from the Slack signing secret (never stored anywhere)."""
    material = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"roadmap-bot", info=b"sealed-secrets v1"
    ).derive(signing_secret.encode())
    return base64.urlsafe_b64encode(material).decode()


def configure(*, encryption_key: str | None, signing_secret: str | None) -> None:
    """Set the process's keys (from the settings; see the module's docstring)."""
    global _cipher
    keys = [k.strip() for k in (encryption_key or "").split(",") if k.strip()]
    if signing_secret:
        keys.append(derived_key(signing_secret))
    with _lock:
        _cipher = TokenCipher(keys) if keys else None


def sealer() -> TokenCipher:
    """The process's cipher, or a clear complaint when no key is configured."""
    if _cipher is None:
        raise InvalidInput(NO_KEY)
    return _cipher


def rekey(value: str) -> tuple[str, bool]:
    """`value` sealed again with the first key, and whether it changed. A value no configured
    key opens is kept as it is (never sealed as if it were plain text)."""
    cipher = sealer()
    if open_secret(value) is None:
        return value, False
    rotated = cipher.rotate(value)
    return rotated, rotated != value


def seal(value: str) -> str:
    return sealer().seal(value)


def open_secret(value: str) -> str | None:
    """The plain text of a sealed value; None when no configured key opens it."""
    if _cipher is None:
        return None
    try:
        return _cipher.open(value)
    except TokenCipherError:
        return None
