"""People: Slack user ids, and telling them from other text."""

from __future__ import annotations

import re

# Slack user ids: U… for people (W… on Enterprise Grid), upper-case letters and digits.
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def is_user_id(text: str) -> bool:
    """True for a Slack user id ("U0123ABCD"), False for anything else ("@alice", "mine")."""
    return bool(USER_ID.fullmatch(text or ""))
