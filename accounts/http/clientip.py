"""The address a request came from, for rate limits and the security log."""

import contextvars
import ipaddress

from django.conf import settings

# The client IP of the request being served, set by ClientIPMiddleware, for security
# events whose signal carries no request (token issue and revoke).
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def client_ip(request) -> str:
    """Return the client's IP address.

    REMOTE_ADDR unless TRUSTED_PROXY_COUNT (env DJANGO_TRUSTED_PROXY_COUNT) says how
    many reverse proxies stand in front of the app. Each proxy appends the address
    it received the request from to X-Forwarded-For, so the client is the entry
    that many places from the right; anything to its left was written by the client
    and is ignored, so rotating X-Forwarded-For cannot reset a limit.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    candidate = remote
    if count:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        # Fewer entries than proxies: the request did not come through all of them.
        if len(forwarded) >= count:
            candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def rate_limit_key(ip: str) -> str:
    """The bucket an address counts against: the address, or its /64 for IPv6.

    One IPv6 subscriber usually holds a whole /64, so counting single addresses
    would let them rotate through billions of buckets.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
