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


class MalformedAuthorization(exceptions.APIException):
    """An Authorization header that names our scheme but cannot be parsed."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Invalid token header.")
    default_code = "invalid_request"
