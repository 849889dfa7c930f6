"""The HTTP API under /api/v1: metrics pushed by CI and monitoring with a workspace token."""

from bot.api.app import create_api_app
from bot.api.errors import ApiError, ErrorCode

__all__ = ["ApiError", "ErrorCode", "create_api_app"]
