"""API errors for token authentication, with RFC 6750 `WWW-Authenticate` headers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

REALM = "api"


def www_authenticate(error: str | None = None, **params: str) -> str:
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    parts.extend(f'{key}="{value}"' for key, value in params.items())
    return "Bearer " + ", ".join(parts)


class InvalidToken(exceptions.AuthenticationFailed):
    """Any presented token that does not authenticate; one message for every cause."""

    default_detail = _("Invalid token.")
    default_code = "invalid_token"


class MissingKeyword(exceptions.AuthenticationFailed):
    """A bare token in the Authorization header, without the Bearer keyword."""

    default_detail = _(
        "The Authorization header is missing the Bearer keyword: send "
        "Authorization: Bearer <token>."
    )
    default_code = "missing_keyword"


class MalformedAuthorization(exceptions.APIException):
    """An Authorization header that names our scheme but cannot be parsed."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Invalid token header.")
    default_code = "invalid_request"


class InsufficientScope(exceptions.PermissionDenied):
    """A token that lacks the scope this request needs (RFC 6750 section 3.1)."""

    default_detail = _("This token does not have the scope needed for this request.")
    default_code = "insufficient_scope"

    def __init__(self, scope: str, detail=None, code=None):
        super().__init__(detail, code)
        self.scope = scope


class ServiceUnavailable(exceptions.APIException):
    """The database or the cache cannot be reached; the client should retry shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("Service temporarily unavailable.")
    default_code = "service_unavailable"


class HashingBusy(ServiceUnavailable):
    """Too many password hashes are running in this process to start one in time."""

    default_detail = _("Too many sign-ins at once. Please try again in a few seconds.")
    default_code = "busy"


class TokenLimitReached(Exception):
    """Raised by Token.objects.issue when the user already holds the most live tokens allowed."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(
            _(
                "You already have %(limit)d active tokens, the most allowed. Revoke tokens you "
                "no longer use (DELETE /api/auth/tokens/<id>/ or POST /api/auth/logout-all/) "
                "and try again."
            )
            % {"limit": limit}
        )
