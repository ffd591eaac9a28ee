"""Where a webhook may go (B5): http(s) only, and no loopback, private, link-local or
otherwise non-public address unless ``INTEGRATIONS_ALLOW_PRIVATE_URLS`` allows it.

Checked when a subscription is saved (the URL as written) and again before every delivery
(the host resolved then: a name that pointed outside may point inside later). Redirects
are never followed, so a public receiver cannot bounce a delivery inward either.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext

SCHEMES = ("http", "https")


def _non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def private_allowed() -> bool:
    return bool(getattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_URLS", False))


def url_refusal(url: str, *, resolve: bool = False) -> str | None:
    """Why ``url`` may not receive deliveries, or None. With ``resolve``, every address
    the host resolves to now must be public (a name that does not resolve is refused)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return gettext("the URL cannot be read")
    if parts.scheme.lower() not in SCHEMES:
        return gettext("only http:// and https:// URLs can receive webhooks")
    host = parts.hostname
    if not host:
        return gettext("the URL has no host")
    if parts.username or parts.password:
        return gettext("the URL may not carry a user name or password (the secret signs the deliveries)")
    if private_allowed():
        return None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return gettext("%(host)s is not a public address") % {"host": host} if _non_public(literal) else None
    if host.lower() == "localhost" or host.lower().endswith((".localhost", ".local", ".internal")):
        return gettext("%(host)s is not a public host") % {"host": host}
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(
            host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        return gettext("%(host)s does not resolve") % {"host": host}
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _non_public(address):
            return gettext("%(host)s resolves to %(address)s, which is not a public address") % {
                "host": host,
                "address": address,
            }
    return None
