"""API throttling: requests authenticated by a token (integrators' programs) are limited per
user to ``settings.API_TOKEN_THROTTLE_RATE``; the answer is a 429 in the API's error shape
(``{"error": {"code": "throttled", ...}}``) with ``Retry-After``.

The console's requests (session cookie) are not throttled: its agents passed the sign-in
lockout, and its bursts (a resync, a catch-up after a lost connection) must not fail. The
rate is read from the settings on each request, so a test or a deployment can change it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.authentication import TokenAuthentication
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str | None:
        return getattr(settings, "API_TOKEN_THROTTLE_RATE", None) or None

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            return None  # sessions (the console) and anonymous requests (refused anyway)
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
