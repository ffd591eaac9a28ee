"""Record supervisors opening interactions that are not theirs (X5), at the edge.

The reads to audit are the API routes that show an interaction's content (detail, the
console's view, transcript, messages, consultation); a successful GET of one by a
supervisor is recorded once per session and interaction (``interaction_read_record``).
Here rather than in each view: the views stay one line, and a new read route is audited
by adding its URL name below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from audit.services import interaction_read_record

AUDITED_READS = {
    "interaction-detail",
    "interaction-console",
    "interaction-transcript",
    "interaction-messages",
    "consultation",
}


class InteractionReadAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        interaction_id = getattr(request, "_audit_interaction_id", None)
        if interaction_id is not None and 200 <= response.status_code < 300:
            # DRF authenticated the request inside the view (a token) and set request.user.
            session = getattr(request, "session", None)
            interaction_read_record(
                user=request.user,
                interaction_id=interaction_id,
                session_key=getattr(session, "session_key", None),
            )
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        match = request.resolver_match
        if request.method == "GET" and match is not None and match.url_name in AUDITED_READS:
            request._audit_interaction_id = kwargs.get("pk")  # type: ignore[attr-defined]  # ours, read below
