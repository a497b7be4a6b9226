"""Password change (signed in) and reset by email (signed out)."""

from django.contrib.auth import update_session_auth_hash
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response

from accounts.http.schema import THROTTLED, ValidationErrorSerializer
from accounts.models import Token
from accounts.passwords.reset import confirm_url, send_password_reset
from accounts.passwords.serializers import (
    PasswordChangeSerializer,
    PasswordResetAcceptedSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
)
from accounts.ratelimit import lockout
from accounts.ratelimit.throttling import PasswordResetRateThrottle
from accounts.security_log import email_hash, event

RESET_ACCEPTED = _(
    "If an account with this email exists, a password reset code has been sent to it."
)

WEAK_NEW_PASSWORD = OpenApiExample(
    "Weak new password", value={"new_password": ["This password is too common."]}
)


class PasswordChangeView(generics.GenericAPIView):
    """Change the password; every other token of the user is revoked, this one is kept."""

    serializer_class = PasswordChangeSerializer

    @extend_schema(
        responses={
            204: None,
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="Wrong current password, or a new one the validators refuse.",
                examples=[
                    OpenApiExample(
                        "Wrong current password",
                        value={"current_password": ["Your current password is incorrect."]},
                    ),
                    WEAK_NEW_PASSWORD,
                ],
            ),
            # The current password counts against the per-IP login rate.
            429: THROTTLED,
        }
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        current = request.auth if isinstance(request.auth, Token) else None
        # The save announces password_changed (accounts.signals): email, pending logins.
        revoked = request.user.change_password(
            serializer.validated_data["new_password"],
            reason=Token.RevokeReason.PASSWORD_CHANGE,
            keep=current,
            request=request,
        )
        event("password.changed", request, user_id=request.user.pk, tokens_revoked=revoked)
        if current is None:
            # Keep the browser session that made the change; other sessions end.
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(generics.GenericAPIView):
    """Email a single-use reset code; the response is the same whether the account exists."""

    # No authentication: a stray session cookie must not turn this into a CSRF failure.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PasswordResetRateThrottle]
    serializer_class = PasswordResetSerializer

    @extend_schema(responses={202: PasswordResetAcceptedSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Queued for a worker, for known and unknown emails alike: the same work either way.
        send_password_reset(serializer.validated_data["email"], confirm_url(request))
        event(
            "password.reset_requested",
            request,
            email_hash=email_hash(serializer.validated_data["email"]),
        )
        return Response({"detail": RESET_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(generics.GenericAPIView):
    """Set a new password with an emailed code; every token of the user is revoked."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    # Same bucket as the request: both are unauthenticated and cost a hash.
    throttle_classes = [PasswordResetRateThrottle]
    serializer_class = PasswordResetConfirmSerializer

    @extend_schema(
        responses={
            204: None,
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="A bad, used or expired code, or a new password the validators refuse.",
                examples=[
                    OpenApiExample(
                        "Bad code",
                        value={
                            "token": [
                                "This password reset code is invalid, expired or already used."
                            ]
                        },
                    ),
                    WEAK_NEW_PASSWORD,
                ],
            ),
        }
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        revoked = user.change_password(
            serializer.validated_data["new_password"],
            reason=Token.RevokeReason.PASSWORD_RESET,
            request=request,
        )
        # The owner proved control of the email (and of the second factor, when on): the new
        # password works at once.
        lockout.reset(user.email)
        event("password.reset", request, user_id=user.pk, tokens_revoked=revoked)
        return Response(status=status.HTTP_204_NO_CONTENT)
