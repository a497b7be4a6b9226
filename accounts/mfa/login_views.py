"""The second login step: /api/auth/login/mfa/ and /api/auth/login/mfa/email/."""

import math

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response

from accounts.mfa import login, serializers, service
from accounts.mfa.models import Challenge
from accounts.mfa.views import _DEAD_CHALLENGE, _WRONG_CODE, INVALID_CODE, _bad, _invalid
from accounts.schema import ErrorSerializer
from accounts.serializers import LoginResponseSerializer, PublicUserSerializer
from accounts.throttling import LoginRateThrottle
from accounts.views import no_store

INVALID_CHALLENGE = _("This sign-in is invalid, expired or already used. Log in again.")
TOO_MANY_EMAILS = _("No more codes can be emailed for this sign-in. Log in again later.")


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
        if login.check_code(challenge, serializer.validated_data["code"], request) is None:
            service.failure(challenge.user, request, step="login")
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


class MFAEmailView(_SecondStepView):
    """Email a 6-digit code for this sign-in (valid 10 minutes; at most 3 per sign-in)."""

    serializer_class = serializers.MFATokenSerializer

    # The 429 (the per-IP rate, or a fourth code for one sign-in) is documented by AutoSchema.
    @extend_schema(responses={202: None, 400: _bad(_DEAD_CHALLENGE)})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = self._challenge(serializer.validated_data["mfa_token"])
        if not login.send_email_code(challenge):
            wait = math.ceil((challenge.expires_at - timezone.now()).total_seconds())
            raise exceptions.Throttled(wait=max(1, wait), detail=str(TOO_MANY_EMAILS))
        return Response(status=status.HTTP_202_ACCEPTED)
