"""Passwordless sign-in with a discoverable passkey: /api/auth/login/passkey/begin/ and /."""

from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions
from rest_framework.response import Response

from accounts.api.serializers import LoginResponseSerializer, PublicUserSerializer
from accounts.http.caching import no_store
from accounts.http.schema import ErrorSerializer
from accounts.mfa.models import PasskeyCeremony
from accounts.mfa.webauthn import assertions, serializers, signin
from accounts.mfa.webauthn.views import bad_request, require_enabled
from accounts.models import Token
from accounts.ratelimit.throttling import LoginRateThrottle

PASSKEY_FAILED = _("This passkey could not sign you in. Start again.")
_FAILED = ("Refused passkey", {"credential": [str(PASSKEY_FAILED)]})


class _PasswordlessView(generics.GenericAPIView):
    # No authentication: the passkey is the credential; a stray session cookie must not
    # turn sign-in into a CSRF failure.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    # The password login's per-IP bucket: a passkey attempt costs the same as a password.
    throttle_classes = [LoginRateThrottle]


class PasswordlessBeginView(_PasswordlessView):
    """Start a passwordless sign-in: request options with an empty allowCredentials."""

    serializer_class = serializers.PasskeyCeremonySerializer

    @extend_schema(request=None, responses={200: serializers.PasskeyCeremonySerializer})
    def post(self, request):
        require_enabled()
        options, raw = assertions.begin_assertion(PasskeyCeremony.Kind.PASSWORDLESS)
        return no_store(Response({"options": options, "ceremony": raw}))


class PasswordlessLoginView(_PasswordlessView):
    """Sign in with a discoverable passkey alone (user verification required): a token."""

    serializer_class = serializers.PasswordlessLoginSerializer

    @extend_schema(
        responses={
            200: LoginResponseSerializer,
            400: bad_request(_FAILED),
            403: OpenApiResponse(
                ErrorSerializer,
                description=_("The user already holds the most live tokens allowed."),
                examples=[
                    OpenApiExample(
                        "Token cap reached",
                        value={"detail": "You already have 100 active tokens, the most allowed."},
                    )
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "Ceremony and credential",
                value={
                    "ceremony": "pkc_3v8...",
                    "credential": {
                        "id": "hV3Lx...",
                        "rawId": "hV3Lx...",
                        "type": "public-key",
                        "response": {
                            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0Ii...",
                            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuo...",
                            "signature": "MEUCIQD...",
                            "userHandle": "q0lX...",
                        },
                        "clientExtensionResults": {},
                    },
                    "name": "CLI on laptop",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        require_enabled()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = signin.passwordless_user(request, data["ceremony"], data["credential"])
        if user is None:
            raise exceptions.ValidationError({"credential": [PASSKEY_FAILED]})
        name = data.get("name") or request.headers.get("User-Agent", "")
        token, raw = Token.objects.issue(user, name=name[:100])
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        body = {
            "token": raw,
            "token_type": "Bearer",
            "expires_at": token.expires_at,
            "user": PublicUserSerializer(user).data,
        }
        return no_store(Response(body))
