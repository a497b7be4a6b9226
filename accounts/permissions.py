"""Token scopes: `read` allows safe methods, `write` allows everything."""

from rest_framework import permissions

from accounts.exceptions import InsufficientScope
from accounts.models import Token

READ = "read"
WRITE = "write"
SCOPES = (READ, WRITE)


def required_scope(method: str) -> str:
    return READ if method in permissions.SAFE_METHODS else WRITE


class TokenHasScope(permissions.BasePermission):
    """Refuse a request whose token lacks the scope its method needs.

    Only token-authenticated requests are limited: a browser session (the
    browsable API) carries the user's full rights, like the password does.
    """

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, Token):
            return True
        scope = required_scope(request.method)
        # `write` means everything, so a write-only token may also read.
        if token.has_scope(scope) or token.has_scope(WRITE):
            return True
        # Raised rather than returned, so the 403 names the missing scope (RFC 6750 3.1).
        raise InsufficientScope(scope)
