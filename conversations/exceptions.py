"""Domain errors: every service refusal carries a stable code and a precise message."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; ``code`` is stable, ``message`` is for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        #: Machine-readable details beside the message (e.g. the conflicting interaction's id).
        self.extra = extra
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
