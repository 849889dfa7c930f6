"""Errors services raise for bad requests: the message is meant for the person who asked."""

from __future__ import annotations


class ServiceError(ValueError):
    """A request that cannot be carried out; `str()` is a sentence for the user. `field`
    names the input at fault ("title", "period", …) so a form can show it in the right place."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFound(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass
