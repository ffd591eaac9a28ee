"""The one refusal of the media checks: a domain error, so the API answers it as a 400
``media_rejected`` with the message saying precisely what is wrong."""

from __future__ import annotations

from conversations.exceptions import DomainError


class MediaRejected(DomainError):
    code = "media_rejected"
