"""The requests of views that only signed-in users reach, typed so.

Django and DRF type ``request.user`` as ``User | AnonymousUser``: true before
authentication, not in a view behind ``IsAuthenticated`` (the API's default permission,
``REST_FRAMEWORK``), ``login_required`` or the admin (staff only). These say what those
views can count on, so the services' ``user: User`` needs no cast at every call. The two
classes are for the type checker only: at run time they are DRF's and Django's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.request import Request

if TYPE_CHECKING:

    class SignedInRequest(Request):
        """A DRF request past ``IsAuthenticated``."""

        @property
        def user(self) -> User: ...

        @user.setter
        def user(self, value: User) -> None: ...

    class SignedInHttpRequest(HttpRequest):
        """A Django request past ``login_required`` or the admin's staff check."""

        user: User

else:
    SignedInRequest = Request
    SignedInHttpRequest = HttpRequest


def signed_in_user(request: HttpRequest) -> User:
    """``request.user`` where only a signed-in user gets (the admin's pages: staff), for a
    method whose signature is Django's (an override cannot narrow its ``request``)."""
    user = request.user
    if not isinstance(user, User):  # unreachable behind the admin's staff check
        raise PermissionDenied(_("a signed-in user was expected"))
    return user


__all__ = ["SignedInHttpRequest", "SignedInRequest", "signed_in_user"]
