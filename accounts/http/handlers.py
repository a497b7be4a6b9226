"""The project's DRF exception handler.

Kept apart from exceptions.py, which DRF settings import early.
"""

from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.exceptions import (
    InsufficientScope,
    InvalidToken,
    MalformedAuthorization,
    ServiceUnavailable,
    TokenLimitReached,
    www_authenticate,
)
from accounts.http import outages


def exception_handler(exc, context):
    """DRF's handler, plus the RFC 6750 error attribute for token failures.

    An unreachable database or cache (from authentication, throttles, the view) is a
    503 with Retry-After, logged once per outage by accounts.http.outages.
    """
    if isinstance(exc, TokenLimitReached):
        # Raised by the manager for login, token creation and commands alike.
        exc = PermissionDenied(str(exc), code="token_limit")
    elif (kind := outages.kind_of(exc)) is not None:
        outages.begin(kind, exc)
        exc = ServiceUnavailable()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, InvalidToken) and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = www_authenticate("invalid_token")
    elif isinstance(exc, InsufficientScope):
        response["WWW-Authenticate"] = www_authenticate("insufficient_scope", scope=exc.scope)
    elif isinstance(exc, MalformedAuthorization):
        response["WWW-Authenticate"] = www_authenticate("invalid_request")
    elif isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = outages.retry_after()
        response["Cache-Control"] = "no-store"
    return response
