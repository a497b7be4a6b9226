"""The second login step: /api/auth/login/mfa/ and /api/auth/login/mfa/email/."""

import math

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response

from accounts.api.serializers import LoginResponseSerializer, PublicUserSerializer
from accounts.http.caching import no_store
from accounts.http.schema import ErrorSerializer
from accounts.mfa import login, serializers, service
from accounts.mfa.models import Challenge, PasskeyCeremony
from accounts.mfa.views import _DEAD_CHALLENGE, _WRONG_CODE, INVALID_CODE, _bad, _invalid
from accounts.mfa.webauthn import assertions, signin
from accounts.mfa.webauthn.serializers import (
    PasskeyOptionsSerializer,
)
from accounts.mfa.webauthn.views import require_enabled
from accounts.ratelimit.throttling import LoginRateThrottle

PASSKEY_FAILED = _("This passkey could not complete the sign-in.")
NO_PASSKEY = _("This account has no passkey.")
INVALID_CHALLENGE = _("This sign-in is invalid, expired or already used. Log in again.")
TOO_MANY_EMAILS = _("No more codes can be emailed for this sign-in. Log in again later.")
TOO_MANY_ACCOUNT_EMAILS = _(
    "Too many sign-in codes were emailed to this account. Use your authenticator app or a "
    "recovery code, or try again later."
)


class _SecondStepView(generics.GenericAPIView):
    # No authentication: the mfa_token is the only credential of this step.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    # The password step's per-IP bucket: guessing codes costs the same as guessing passwords.
    throttle_classes = [LoginRateThrottle]

    def _challenge(self, raw: str) -> Challenge:
        challenge = Challenge.objects.find_live(raw)
        if challenge is None or not challenge.user.is_active:
            raise _invalid("mfa_token", INVALID_CHALLENGE)
        return challenge


class MFALoginView(_SecondStepView):
    """The second login step: the pending login of the password step and a code, for a token."""

    serializer_class = serializers.MFALoginSerializer

    @extend_schema(
        responses={
            200: LoginResponseSerializer,
            400: _bad(_WRONG_CODE, _DEAD_CHALLENGE),
            403: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "The user already holds the most live tokens allowed; the "
                    "pending login stays usable once some are revoked."
                ),
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
                "Challenge and code",
                value={"mfa_token": "mfa_Zq0...", "code": "492039"},
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The challenge before the code: a dead challenge never spends a recovery code.
        challenge = self._challenge(serializer.validated_data["mfa_token"])
        if not challenge.count_attempt():
            raise _invalid("mfa_token", INVALID_CHALLENGE)
        if "credential" in serializer.validated_data:
            credential = serializer.validated_data["credential"]
            if signin.second_step(challenge, credential, request, "login") is None:
                raise _invalid("credential", PASSKEY_FAILED)
        elif login.check_code(challenge, serializer.validated_data["code"], request) is None:
            raise _invalid("code", INVALID_CODE)
        issued = login.complete(challenge, request)
        if issued is None:
            raise _invalid("mfa_token", INVALID_CHALLENGE)
        token, raw = issued
        body = {
            "token": raw,
            "token_type": "Bearer",
            "expires_at": token.expires_at,
            "user": PublicUserSerializer(challenge.user).data,
        }
        return no_store(Response(body))


class MFAPasskeyBeginView(_SecondStepView):
    """Request options for the pending login's passkeys (allowCredentials: that user's)."""

    serializer_class = serializers.MFATokenSerializer

    @extend_schema(
        responses={200: PasskeyOptionsSerializer, 400: _bad(_DEAD_CHALLENGE)},
    )
    def post(self, request):
        require_enabled()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = self._challenge(serializer.validated_data["mfa_token"])
        if not service.has_passkeys(challenge.user):
            raise _invalid("mfa_token", NO_PASSKEY)
        options, _raw = assertions.begin_assertion(
            PasskeyCeremony.Kind.SECOND_FACTOR, pending_login=challenge
        )
        # The ceremony is found again by the pending login and the signed challenge.
        return no_store(Response({"options": options}))


class MFAEmailView(_SecondStepView):
    """Email a 6-digit code for this sign-in (valid 10 min; 3 per sign-in, 3/15m per account)."""

    serializer_class = serializers.MFATokenSerializer

    # The 429 (the per-IP rate, or a fourth code for one sign-in) is documented by AutoSchema.
    @extend_schema(responses={202: None, 400: _bad(_DEAD_CHALLENGE)})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = self._challenge(serializer.validated_data["mfa_token"])
        # Per account, over all its pending logins: a password must not be a mail cannon.
        if (wait := login.email_rate_wait(challenge.user)) is not None:
            raise exceptions.Throttled(wait=wait, detail=str(TOO_MANY_ACCOUNT_EMAILS))
        if not login.send_email_code(challenge):
            wait = math.ceil((challenge.expires_at - timezone.now()).total_seconds())
            raise exceptions.Throttled(wait=max(1, wait), detail=str(TOO_MANY_EMAILS))
        return Response(status=status.HTTP_202_ACCEPTED)
