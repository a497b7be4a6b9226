"""The API's error bodies and reusable OpenAPI responses and headers.

Any view documents its errors with these (`extend_schema(responses={..., 403: FORBIDDEN})`);
the project's AutoSchema (accounts/api/schema.py) adds them to every operation.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """An error with one message."""

    detail = serializers.CharField(read_only=True)


class ValidationErrorSerializer(serializers.Serializer):
    """Field errors: each invalid field maps to its messages (`non_field_errors` for the rest)."""


class _ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": (
                "Each invalid field maps to a list of messages; `non_field_errors` holds "
                "messages about the request as a whole. A body that cannot be parsed gets "
                "`detail` instead."
            ),
            "properties": {"non_field_errors": messages, "detail": {"type": "string"}},
            "additionalProperties": messages,
        }


def _example(name: str, detail: str) -> OpenApiExample:
    return OpenApiExample(name, value={"detail": detail})


_FIELD_ERRORS = OpenApiExample("Field errors", value={"email": ["Enter a valid email address."]})
_MALFORMED_HEADER = _example(
    "Malformed Authorization header", "Invalid token header. No credentials provided."
)

BAD_REQUEST = OpenApiResponse(
    ValidationErrorSerializer,
    description=_("Invalid input."),
    examples=[_FIELD_ERRORS],
)
BAD_REQUEST_OR_MALFORMED_AUTHORIZATION = OpenApiResponse(
    ValidationErrorSerializer,
    description=_("Invalid input, or a malformed `Authorization` header."),
    examples=[_FIELD_ERRORS, _MALFORMED_HEADER],
)
MALFORMED_AUTHORIZATION = OpenApiResponse(
    ErrorSerializer,
    description=_("A malformed `Authorization` header."),
    examples=[_MALFORMED_HEADER],
)
UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "No credentials, or a token that is unknown, expired, revoked or belongs to an "
        "inactive user (one message for every case)."
    ),
    examples=[
        _example("No credentials", "Authentication credentials were not provided."),
        _example("Invalid token", "Invalid token."),
    ],
)
_INSUFFICIENT_SCOPE = _example(
    "Insufficient scope", "This token does not have the scope needed for this request."
)
_CSRF_FAILURE = _example("CSRF failure", "CSRF Failed: CSRF token missing.")
FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "Not allowed: a read-only token on a write (`WWW-Authenticate` names the missing "
        "scope), or a session-authenticated write without a CSRF token."
    ),
    examples=[_INSUFFICIENT_SCOPE, _CSRF_FAILURE],
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description=_("No such object, or one that belongs to another user."),
    examples=[_example("Not found", "Not found.")],
)
THROTTLED = OpenApiResponse(
    ErrorSerializer,
    description=_("Too many requests; `Retry-After` says how many seconds to wait."),
    examples=[_example("Throttled", "Request was throttled. Expected available in 60 seconds.")],
)

WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[400, 401, 403],
    description=_(
        'RFC 6750 challenge: `Bearer realm="api"`, with `error="invalid_token"` when a '
        'token was rejected, `error="invalid_request"` for a malformed header, or '
        '`error="insufficient_scope", scope="write"` when the token lacks a scope.'
    ),
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description=_("Seconds to wait before trying again."),
)
