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
    TokenLimitReached,
    www_authenticate,
)


def exception_handler(exc, context):
    """DRF's handler, plus the RFC 6750 error attribute for token failures."""
    if isinstance(exc, TokenLimitReached):
        # Raised by the manager for login, token creation and commands alike.
        exc = PermissionDenied(str(exc), code="token_limit")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, InvalidToken) and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = www_authenticate("invalid_token")
    elif isinstance(exc, InsufficientScope):
        response["WWW-Authenticate"] = www_authenticate("insufficient_scope", scope=exc.scope)
    elif isinstance(exc, MalformedAuthorization):
        response["WWW-Authenticate"] = www_authenticate("invalid_request")
    return response
