"""Token scopes as a DRF permission (accounts/tokens/scopes.py has the rule).

TokenAuthentication already applies the rule to every view, whatever its
permission_classes; this class stays for views that list it, and for the schema.
"""

from rest_framework import permissions

from accounts.tokens.models import Token
from accounts.tokens.scopes import INTROSPECT, READ, WRITE, check_view, user_scopes

__all__ = ["INTROSPECT", "READ", "WRITE", "TokenHasScope", "user_scopes"]


class TokenHasScope(permissions.BasePermission):
    """Refuse a request whose token lacks the scope its method and view need.

    Only token-authenticated requests are limited: a browser session (the
    browsable API) carries the user's full rights, like the password does.
    """

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, Token):
            # Raises rather than returns, so the 403 names the missing scope (RFC 6750 3.1).
            check_view(token, request.method, view)
        return True
