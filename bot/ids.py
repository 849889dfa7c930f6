"""Block, action and callback ids shared by builders and handlers."""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    HOME_REFRESH = "home_refresh"


class Callback(enum.StrEnum):
    pass
