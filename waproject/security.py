"""Security headers Django 5.2 does not set itself (settings.py "Security headers").

Content-Security-Policy comes from django-csp (a kept library; Django 6.0's built-in CSP
follows its design, so moving to it later is a settings change): one policy for every
page, the console, the sandbox, the admin and the API docs, that allows no inline script
and no inline style. The pages were written for it: scripts and styles are files, and the
JavaScript changes styles through the CSSOM only. The Django admin (5.2) has no inline
script either (its constants travel in ``data-`` attributes). Two exceptions, narrower
than the policy they widen:

- the sandbox's phone page sets its own policy (``sandbox/views.py``): it shows media from
  any link a business sends;
- the browsable API's pages (DRF's template puts ``style="float: right"`` on two buttons)
  may use inline style *attributes* (``style-src-attr``), never inline scripts.

Permissions-Policy is one constant header, a few lines here rather than another package.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with style attributes allowed on the browsable API's pages."""

    def get_policy_parts(self, request: Any, response: Any, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path.startswith("/api/") and not request.path.startswith("/api/docs/"):
            parts.update = {**(parts.update or {}), "style-src-attr": ["'unsafe-inline'"]}
        return parts


class PermissionsPolicyMiddleware:
    """``Permissions-Policy``: the product uses no camera, microphone, location, payment or
    USB, so no page (nor anything injected into one) may ask for them."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        return self._add(self.get_response(request))

    async def __acall__(self, request: Any) -> Any:
        return self._add(await self.get_response(request))

    @staticmethod
    def _add(response: Any) -> Any:
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
