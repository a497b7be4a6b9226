"""Token introspection (RFC 7662): whether a token works, and for whom, for other services.

Every answer costs the same: one indexed query by digest, run for malformed tokens too,
and never through the token cache (a cache hit would answer faster for a live token).
Anything that would not authenticate is `{"active": false}` and nothing more.
"""

from django.utils import timezone

from accounts.tokens import keys, last_used, lookup

INACTIVE = {"active": False}


def introspect(raw: str) -> dict:
    """RFC 7662's answer for the token `raw`."""
    well_formed = keys.is_well_formed(raw)
    # Queried even when the checksum already says no, so that timing tells nothing.
    row = lookup.fetch_row(keys.digest(raw))
    if row is None or not well_formed:
        return dict(INACTIVE)
    token = lookup.build(row)
    now = timezone.now()
    if not token.is_live(now) or not token.user.is_active:
        return dict(INACTIVE)
    answer = {
        "active": True,
        "scope": " ".join(token.scopes or ()),
        "token_type": "Bearer",
        "iat": int(token.created_at.timestamp()),
        "sub": str(token.user_id),
        "username": token.user.email,
        "token_id": token.pk,
    }
    # RFC 7662 makes exp a number when present: a token that never expires has none.
    if token.expires_at is not None:
        answer["exp"] = int(token.expires_at.timestamp())
    if token.allowed_ips:
        # Still active: the resource server applies the restriction to its own client.
        answer["allowed_ips"] = list(token.allowed_ips)
    # A use at another service keeps the token from idling out; written after the response,
    # without an address (the caller's is the service's, not the token holder's).
    last_used.schedule(token, now)
    return answer
