"""Cursor pagination whose cursor cannot be turned into a 500."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from conversations.api.inputs import parse_id
from conversations.exceptions import DomainError


def invalid_cursor() -> DomainError:
    """A cursor the server did not give: 400 ``invalid_cursor`` (DRF answered 404 "Invalid
    cursor", which reads as "no such list"). Without ``fields``: no schema states a cursor."""
    message = gettext("not a cursor of this list; follow the next or previous link of a page")
    return DomainError(f"cursor: {message}", code="invalid_cursor")


class IdCursorPagination(pagination.CursorPagination):
    """Newest first by id. A cursor is base64 the client may edit: its position must be
    an id (DRF passed any text on to the query, where ``p=abc`` failed as a ValueError)."""

    ordering = "-id"

    def decode_cursor(self, request: Request) -> Any:
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise invalid_cursor() from exc
        position = cursor.position if cursor is not None else None
        if position is not None and parse_id(str(position)) is None:  # DRF decodes it as text
            raise invalid_cursor()
        return cursor


#: The ``cursor`` query parameter of a paginated list, for its schema.
CURSOR_PARAMETER = OpenApiParameter("cursor", str, description="The pagination cursor value.")
