"""Self-service for a user's own tokens: list, create (personal access tokens), revoke."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.http.caching import no_store
from accounts.http.schema import THROTTLED, ErrorSerializer, ValidationErrorSerializer
from accounts.models import Token
from accounts.ratelimit.throttling import IntrospectRateThrottle
from accounts.tokens.authentication import TokenAuthentication
from accounts.tokens.introspection import introspect
from accounts.tokens.permissions import TokenHasScope
from accounts.tokens.scopes import INTROSPECT
from accounts.tokens.serializers import (
    IntrospectionResultSerializer,
    IntrospectionSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)


class TokenListCreateView(generics.GenericAPIView):
    """List the caller's live tokens, or create a named personal access token."""

    name = _("Your tokens")  # the browsable API's page title
    serializer_class = TokenSerializer
    pagination_class = None  # at most ACCOUNTS_MAX_TOKENS_PER_USER rows

    def get_queryset(self):
        return Token.objects.filter(user=self.request.user).live()

    def get_serializer_class(self):
        # The browsable API's form shows the fields a POST accepts.
        return TokenCreateSerializer if self.request.method == "POST" else TokenSerializer

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request):
        serializer = self.get_serializer(self.get_queryset(), many=True)
        return Response(serializer.data)

    @extend_schema(
        request=TokenCreateSerializer,
        responses={
            201: TokenCreatedSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="A bad field, or the password missing or wrong.",
                examples=[
                    OpenApiExample(
                        "Password needed",
                        value={"password": ["Enter your password again to create a token."]},
                    ),
                    OpenApiExample(
                        "Lifetime too long",
                        value={"expires_in_days": ["Tokens can live at most 365 days."]},
                    ),
                ],
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description="Token limit reached, a read-only token, or a session without CSRF.",
                examples=[
                    OpenApiExample(
                        "Token limit reached",
                        value={
                            "detail": "You already have 100 active tokens, the most allowed. "
                            "Revoke tokens you no longer use (DELETE /api/auth/tokens/<id>/ "
                            "or POST /api/auth/logout-all/) and try again."
                        },
                    ),
                    OpenApiExample(
                        "Insufficient scope",
                        value={
                            "detail": "This token does not have the scope needed for this request."
                        },
                    ),
                ],
            ),
            # A password, when sent, counts against the per-IP login rate.
            429: THROTTLED,
        },
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = Token.objects.issue(
            request.user, kind=Token.Kind.PERSONAL, **serializer.validated_data
        )
        shown = TokenSerializer(token, context=self.get_serializer_context())
        body = {"token": raw, **shown.data}
        return no_store(Response(body, status=status.HTTP_201_CREATED))


_NO_SUCH_TOKEN = OpenApiResponse(
    ErrorSerializer,
    description="No such live token of yours (another user's id is a 404 too).",
    examples=[OpenApiExample("No such token", value={"detail": "No such token."})],
)


class TokenDetailView(generics.RetrieveDestroyAPIView):
    """One of the caller's live tokens: read or revoke it; any other id is a 404."""

    name = _("Token")  # the browsable API's page title
    serializer_class = TokenSerializer

    def get_queryset(self):
        # Only the caller's own tokens: any other id is "not found", never "forbidden".
        return Token.objects.filter(user=self.request.user).live()

    @extend_schema(responses={200: TokenSerializer, 404: _NO_SUCH_TOKEN})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={204: None, 404: _NO_SUCH_TOKEN})
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def get_object(self) -> Token:
        try:
            return super().get_object()
        except Http404:
            raise NotFound(_("No such token.")) from None

    def perform_destroy(self, instance: Token) -> None:
        instance.revoke(Token.RevokeReason.USER_REQUEST)


@extend_schema(
    responses={
        200: OpenApiResponse(
            IntrospectionResultSerializer,
            description=_("The token's details while it works; otherwise only active: false."),
            examples=[
                OpenApiExample(
                    "A live token",
                    value={
                        "active": True,
                        "scope": "read write",
                        "token_type": "Bearer",
                        "exp": 1798761600,
                        "iat": 1796169600,
                        "sub": "1",
                        "username": "ada@example.com",
                        "token_id": 42,
                    },
                ),
                OpenApiExample("Anything else", value={"active": False}),
            ],
        ),
    },
)
class IntrospectView(generics.GenericAPIView):
    """Tell one of your services whether a token works, and whose it is (RFC 7662).

    The caller authenticates with a token holding the `introspect` scope, which only an
    administrator grants. An unknown, malformed, expired or revoked token, or one of an
    inactive user, is `{"active": false}` alike.
    """

    # Tokens only: a browser session carries no scope to check.
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, TokenHasScope]
    required_scopes = [INTROSPECT]
    # Asking changes nothing: `introspect` suffices, no `write`.
    read_scope_methods = ("POST",)
    throttle_classes = [IntrospectRateThrottle]
    serializer_class = IntrospectionSerializer

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return no_store(Response(introspect(serializer.validated_data["token"])))
