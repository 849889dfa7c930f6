"""Errors services raise for bad requests: the message is meant for the person who asked."""

from __future__ import annotations


class ServiceError(ValueError):
    """A request that cannot be carried out; `str()` is a sentence for the user."""


class NotFound(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass
