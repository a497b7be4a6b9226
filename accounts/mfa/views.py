"""Enrolment (/api/auth/mfa/...) and the second login step (/api/auth/login/mfa/...)."""

import math

import segno
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response

from accounts.mfa import login, reauth, serializers, service
from accounts.mfa.models import Authenticator, Challenge, RecoveryCode
from accounts.schema import ErrorSerializer, ValidationErrorSerializer
from accounts.serializers import LoginResponseSerializer, PublicUserSerializer
from accounts.throttling import LoginRateThrottle
from accounts.views import no_store

WRONG_PASSWORD = _("Your password is incorrect.")
INVALID_CODE = _("Invalid code.")
NO_PENDING_SECRET = _("Start the set-up first: POST /api/auth/mfa/totp/ with your password.")
INVALID_CHALLENGE = _("This sign-in is invalid, expired or already used. Log in again.")
TOO_MANY_EMAILS = _("No more codes can be emailed for this sign-in. Log in again later.")


class AlreadyEnabled(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Multi-factor authentication is already on.")
    default_code = "conflict"


class NotEnabled(AlreadyEnabled):
    default_detail = _("Multi-factor authentication is off.")


def _invalid(field: str, message) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [message]})


def _status(user) -> dict:
    return {
        "enabled": service.is_enabled(user),
        "methods": service.methods(user),
        "recovery_codes_remaining": service.recovery_codes_remaining(user),
    }


def _reauthenticate(request, data) -> None:
    """Check the password and the second factor of a signed-in user, or raise a 400."""
    serializer = serializers.PasswordAndCodeSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    user = request.user
    if not reauth.check_password(user, serializer.validated_data["password"], request):
        raise _invalid("password", WRONG_PASSWORD)
    if not service.is_enabled(user):
        raise NotEnabled()
    errors = reauth.check_code(user, serializer.validated_data["code"], request)
    if errors:
        raise exceptions.ValidationError({"code": errors})


_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=_("Multi-factor authentication is already on (or, to turn it off, is off)."),
    examples=[
        OpenApiExample("Already on", value={"detail": "Multi-factor authentication is already on."})
    ],
)


def _bad(*examples: tuple[str, dict]) -> OpenApiResponse:
    return OpenApiResponse(
        ValidationErrorSerializer,
        description=_("A missing, malformed or wrong field."),
        examples=[OpenApiExample(name, value=value) for name, value in examples],
    )


_WRONG_PASSWORD = ("Wrong password", {"password": ["Your password is incorrect."]})
_WRONG_CODE = ("Wrong code", {"code": ["Invalid code."]})
_DEAD_CHALLENGE = (
    "Unknown, used, expired or exhausted sign-in",
    {"mfa_token": ["This sign-in is invalid, expired or already used. Log in again."]},
)


class MFAView(generics.GenericAPIView):
    """Whether multi-factor authentication is on; DELETE turns it off."""

    serializer_class = serializers.MFAStatusSerializer

    def get(self, request):
        return Response(_status(request.user))

    @extend_schema(
        request=serializers.PasswordAndCodeSerializer,
        responses={204: None, 400: _bad(_WRONG_PASSWORD, _WRONG_CODE), 409: _CONFLICT},
    )
    def delete(self, request):
        _reauthenticate(request, request.data)
        service.disable(request.user, request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TOTPSetupView(generics.GenericAPIView):
    """Start the set-up of an authenticator app: a new secret, shown once; nothing is on yet."""

    serializer_class = serializers.PasswordSerializer

    @extend_schema(
        responses={
            201: serializers.TOTPSetupSerializer,
            400: _bad(_WRONG_PASSWORD),
            409: _CONFLICT,
        },
        examples=[
            OpenApiExample("Password", value={"password": "plum-tree orbit"}, request_only=True)
        ],
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        # The password first: a 409 must not tell a token thief whether MFA is on.
        if not reauth.check_password(user, serializer.validated_data["password"], request):
            raise _invalid("password", WRONG_PASSWORD)
        if service.is_enabled(user):
            raise AlreadyEnabled()
        authenticator, secret = Authenticator.objects.start(user)
        uri = authenticator.provisioning_uri(secret)
        body = {
            "secret": secret,
            "otpauth_uri": uri,
            "qr_svg": segno.make(uri, micro=False).svg_inline(scale=4),
        }
        return no_store(Response(body, status=status.HTTP_201_CREATED))


class TOTPConfirmView(generics.GenericAPIView):
    """Turn MFA on with a code of the app; answers the first recovery codes, shown once."""

    serializer_class = serializers.CodeSerializer

    @extend_schema(
        responses={
            200: serializers.RecoveryCodesSerializer,
            400: _bad(_WRONG_CODE, ("No pending secret", {"code": [str(NO_PENDING_SECRET)]})),
            409: _CONFLICT,
        },
        examples=[OpenApiExample("Code", value={"code": "492039"}, request_only=True)],
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        authenticator = Authenticator.objects.filter(user=user).first()
        if authenticator is not None and authenticator.is_confirmed:
            raise AlreadyEnabled()
        if authenticator is None:
            raise _invalid("code", NO_PENDING_SECRET)
        # The confirming code's step is spent too: it can never log in.
        if not authenticator.verify(serializer.validated_data["code"]):
            raise _invalid("code", INVALID_CODE)
        recovery_codes = service.enable(authenticator, request)
        return no_store(Response({"recovery_codes": recovery_codes}))


class RecoveryCodesView(generics.GenericAPIView):
    """Replace the recovery codes: the old ones stop working; the new ones are shown once."""

    serializer_class = serializers.PasswordAndCodeSerializer

    @extend_schema(
        responses={
            200: serializers.RecoveryCodesSerializer,
            400: _bad(_WRONG_PASSWORD, _WRONG_CODE),
            409: _CONFLICT,
        },
    )
    def post(self, request):
        _reauthenticate(request, request.data)
        recovery_codes = RecoveryCode.objects.regenerate(request.user)
        return no_store(Response({"recovery_codes": recovery_codes}))


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
    """The second login step: the mfa_token of the password step and a code, for a token."""

    serializer_class = serializers.MFALoginSerializer

    @extend_schema(
        responses={200: LoginResponseSerializer, 400: _bad(_WRONG_CODE, _DEAD_CHALLENGE)},
        examples=[
            OpenApiExample(
                "Challenge and code",
                value={"mfa_token": "mfa_Zq0...", "code": "492039"},
                request_only=True,
            ),
            OpenApiExample(
                "Wrong code",
                value={"code": ["Invalid code."]},
                response_only=True,
                status_codes=[400],
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
