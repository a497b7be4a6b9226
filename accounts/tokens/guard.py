"""The token check for views outside DRF: the same lookup, scope rule, bodies and headers.

accounts/tokens/decorators.py (plain Django views) and accounts/tokens/ninja.py
(django-ninja) call it; DRF views get the same through TokenAuthentication.
"""

from django.http import JsonResponse
from rest_framework.exceptions import APIException, NotAuthenticated

from accounts.exceptions import (
    InsufficientScope,
    InvalidToken,
    MalformedAuthorization,
    www_authenticate,
)
from accounts.tokens import scopes
from accounts.tokens.authentication import TokenAuthentication

_authentication = TokenAuthentication()


def authenticate(request, required: scopes.Required = None, read_scope_methods=()) -> tuple:
    """Return (user, token) for the request's bearer token, or raise the API's exception.

    Raises NotAuthenticated without a token, InvalidToken (401), MalformedAuthorization
    (400) or InsufficientScope (403), as DRF views do.
    """
    result = _authentication.authenticate_bearer(request)
    if result is None:
        raise NotAuthenticated()
    scopes.check(result[1], request.method, required, read_scope_methods)
    return result


def challenge(exc: APIException) -> str | None:
    """The WWW-Authenticate value DRF's views send with `exc` (accounts/http/handlers.py)."""
    if isinstance(exc, InvalidToken):
        return www_authenticate("invalid_token")
    if isinstance(exc, InsufficientScope):
        return www_authenticate("insufficient_scope", scope=exc.scope)
    if isinstance(exc, MalformedAuthorization):
        return www_authenticate("invalid_request")
    if exc.status_code == 401:
        return www_authenticate()
    return None


def error_response(exc: APIException) -> JsonResponse:
    """`{"detail": ...}` with the status and WWW-Authenticate of a DRF view."""
    response = JsonResponse({"detail": str(exc.detail)}, status=exc.status_code)
    if header := challenge(exc):
        response["WWW-Authenticate"] = header
    return response
