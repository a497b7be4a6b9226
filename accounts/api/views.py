from django.contrib.auth import logout as session_logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.urls import get_resolver
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts import second_factor
from accounts.api.serializers import (
    LoginResponseSerializer,
    LoginSerializer,
    PublicUserSerializer,
    RegisterSerializer,
    UserSerializer,
)
from accounts.conf import app_settings
from accounts.http.caching import no_store
from accounts.http.schema import ErrorSerializer
from accounts.models import Token
from accounts.ratelimit.throttling import LoginRateThrottle, RegisterRateThrottle
from accounts.tokens.permissions import TokenHasScope
from accounts.tokens.serializers import LogoutAllSerializer

_API_ROOT = OpenApiResponse(
    {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}},
    description=_("Each endpoint's name and URL."),
    examples=[
        OpenApiExample(
            "Endpoints",
            value={
                "login": "http://127.0.0.1:8000/api/auth/login/",
                "me": "http://127.0.0.1:8000/api/auth/me/",
            },
        )
    ],
)
_EMAIL_AND_PASSWORD = OpenApiExample(
    "Email and password",
    value={"email": "ada@example.com", "password": "plum-tree orbit harbour lantern"},
    request_only=True,
)


@extend_schema(responses={200: _API_ROOT})
class ApiRootView(APIView):
    """The endpoints of this API."""

    permission_classes = [permissions.AllowAny, TokenHasScope]

    def get(self, request, format=None):
        # The accounts namespace as the URL configuration loaded it, features' routes included.
        urlpatterns = get_resolver().namespace_dict["accounts"][1].url_patterns
        # Every endpoint whose URL needs no argument, so new ones are listed without edits.
        names = [p.name for p in urlpatterns if p.name != "root" and not p.pattern.converters]
        return Response(
            {name: reverse(f"accounts:{name}", request=request, format=format) for name in names}
        )


_REGISTRATION_CLOSED = OpenApiResponse(
    ErrorSerializer,
    description=_("Registration is switched off on this server."),
    examples=[OpenApiExample("Registration closed", value={"detail": "Registration is closed."})],
)


@extend_schema(
    responses={201: PublicUserSerializer, 403: _REGISTRATION_CLOSED},
    examples=[
        _EMAIL_AND_PASSWORD,
        OpenApiExample(
            "Registered", value={"id": 1, "email": "ada@example.com"}, response_only=True
        ),
    ],
)
class RegisterView(generics.GenericAPIView):
    """Create an account with an email and a password."""

    # No authentication: a stray session cookie must not turn sign-up into a CSRF failure.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [RegisterRateThrottle]
    serializer_class = RegisterSerializer

    def post(self, request):
        if not app_settings.ALLOW_REGISTRATION:
            raise PermissionDenied(_("Registration is closed."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        return Response(PublicUserSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema(
    responses={
        200: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name="LoginResult",
                # The second factor's pending-login body joins the token one (accounts/mfa).
                serializers=lambda: [
                    LoginResponseSerializer,
                    *second_factor.get().login_result_serializers(),
                ],
                resource_type_field_name=None,
            ),
            description=_(
                "A token; or, for an account with multi-factor authentication on, a pending "
                "login to complete at /api/auth/login/mfa/ with a code."
            ),
        ),
        403: OpenApiResponse(
            ErrorSerializer,
            description="The user already holds the most live tokens allowed (100 by default).",
            examples=[
                OpenApiExample(
                    "Token cap reached",
                    value={
                        "detail": "You already have 100 active tokens, the most allowed. Revoke "
                        "tokens you no longer use (DELETE /api/auth/tokens/<id>/ or POST "
                        "/api/auth/logout-all/) and try again."
                    },
                )
            ],
        ),
    },
    examples=[
        OpenApiExample(
            "Email, password and a name for the token",
            value={
                "email": "ada@example.com",
                "password": "plum-tree orbit harbour lantern",
                "name": "CLI on laptop",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Logged in",
            value={
                "token": "ast_5jL7yDPfGfpN0R1ZWTDiGWsBzyUYgPNAgYr46pxrLXAAWO7RY",
                "token_type": "Bearer",
                "expires_at": "2026-12-27T09:30:00Z",
                "user": {"id": 1, "email": "ada@example.com"},
            },
            response_only=True,
        ),
        OpenApiExample(
            "Multi-factor authentication required",
            value={
                "mfa_required": True,
                "mfa_token": "mfa_q3Jx0c9Vt2kLr8wY1nBfE5uH7aZsDpGm4oKiTjQyXeU",
                "methods": ["totp", "recovery_code", "email"],
                "expires_at": "2026-11-27T09:35:00Z",
            },
            response_only=True,
            status_codes=[200],
        ),
        OpenApiExample(
            "Wrong email or password",
            value={"non_field_errors": ["Unable to log in with provided credentials."]},
            response_only=True,
            status_codes=[400],
        ),
    ],
)
class LoginView(generics.GenericAPIView):
    """Exchange an email and a password for a new token, shown only in this response."""

    # No authentication: a stray session cookie must not turn login into a CSRF failure.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginRateThrottle]
    serializer_class = LoginSerializer

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        name = serializer.validated_data.get("name") or request.headers.get("User-Agent", "")
        # An account with a second factor on gets a pending login, not a token.
        challenge = second_factor.get().begin_login(user, request, name=name[:100])
        if challenge is not None:
            return no_store(Response(challenge))
        token, raw = Token.objects.issue(user, name=name[:100])
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        body = {
            "token": raw,
            "token_type": "Bearer",
            "expires_at": token.expires_at,
            "user": PublicUserSerializer(user).data,
        }
        return no_store(Response(body))


class MeView(generics.RetrieveUpdateAPIView):
    """The authenticated user's profile; PATCH changes the names."""

    serializer_class = UserSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user


@extend_schema(request=None, responses={204: None})
class LogoutView(APIView):
    """Revoke the token that authenticated this request (or end the browser session)."""

    permission_classes = [permissions.IsAuthenticated]
    # A leaked read-only token must still be able to revoke itself.
    read_scope_methods = ("POST",)

    def post(self, request):
        if isinstance(request.auth, Token):
            request.auth.revoke(Token.RevokeReason.LOGOUT)
            user_logged_out.send(
                sender=type(request.user), request=request._request, user=request.user
            )
        else:
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(generics.GenericAPIView):
    """Revoke every token of the authenticated user; `keep_current` spares this request's."""

    serializer_class = LogoutAllSerializer

    @extend_schema(responses={204: None})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keep_current = serializer.validated_data["keep_current"]
        keep = request.auth if keep_current and isinstance(request.auth, Token) else None
        # Announced (accounts.signals.tokens_revoked_all): pending logins end too.
        request.user.revoke_all_tokens(Token.RevokeReason.LOGOUT_ALL, keep=keep, request=request)
        if not isinstance(request.auth, Token) and not keep_current:
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
