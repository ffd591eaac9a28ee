"""The signature of a delivery (B5), for the sender and for a receiver checking it.

``X-Signature-256: sha256=<hex>`` is HMAC-SHA256 of the raw body with the subscription's
secret (GitHub's form, so receivers' existing code applies). The body carries the event's
``id`` (the idempotency key, also ``X-Webhook-Id``) and ``occurred_at``; the attempt's
time is ``X-Webhook-Timestamp`` (Unix seconds).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature-256"
ID_HEADER = "X-Webhook-Id"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
EVENT_HEADER = "X-Webhook-Event"


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiver does: recompute over the bytes received, compare in constant time."""
    return bool(header) and hmac.compare_digest(signature(body, secret), str(header))
