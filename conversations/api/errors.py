"""One error shape for the whole API: ``{"error": {"code": ..., "message": ..., "fields"?: ...}}``.

Also for what happens outside a DRF view: a path that matches no endpoint (or whose id is
out of range, see ``inputs.IdConverter``) and an unexpected server error answer in the same
shape under ``/api/`` (``handler404`` / ``handler500`` in the URL root).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from conversations.exceptions import DomainError

API_PREFIX = "/api/"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain refusals keep their status and code; DRF's and Django's errors get the same
    envelope, with a message (Django's Http404 has no ``detail``: it was an empty one)."""
    if isinstance(exc, DomainError):
        return Response({"error": {"code": exc.code, "message": exc.message, **exc.extra}}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_text(exc) or _("not found"), code="not_found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_text(exc) or _("not allowed"), code="permission_denied")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "error": {"code": "invalid", "message": _first_message(exc.detail), "fields": exc.detail}
        }
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": {"code": code, "message": str(detail)}}
    return response


def _text(exc: Exception) -> str:
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""


def _first_message(detail: Any, path: str = "") -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            return _first_message(value, f"{path}.{name}" if path and name else (name or path))
    if isinstance(detail, list) and detail:
        return _first_message(detail[0], path)
    return f"{path}: {detail}" if path else str(detail)


def error_response(code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"error": {"code": code, "message": message}}, status=http_status)


def not_found_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: under /api/, the error shape (a client reads JSON, not a page)."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {
                "error": {
                    "code": "not_found",
                    "message": _("no such endpoint, or the id in the path is not an id (1 to 2**63-1)"),
                }
            },
            status=404,
        )
    return defaults.page_not_found(request, exception)


def server_error_view(request: HttpRequest) -> HttpResponse:
    """``handler500``: under /api/, the error shape (the error itself is logged)."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"error": {"code": "server_error", "message": _("unexpected server error; it has been logged")}},
            status=500,
        )
    return defaults.server_error(request)
