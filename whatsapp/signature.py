"""``X-Hub-Signature-256``: HMAC-SHA256 of the raw body with the Meta app secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """Return the header value Meta would send for ``body`` (used by the sandbox and tests)."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def matching_secret(body: bytes, header: str, secrets: Iterable[str]) -> str | None:
    """Return the app secret that produced ``header`` over ``body``, or None.

    Every candidate is compared in constant time, so timing tells nothing about which
    secret (or how much of a digest) matched.
    """
    if not header.startswith(PREFIX):
        return None
    given = header[len(PREFIX) :].strip().lower().encode()
    found = None
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        if hmac.compare_digest(expected, given) and found is None:
            found = secret
    return found
