"""Enrolment: /api/auth/mfa/, /totp/, /totp/confirm/ and /recovery-codes/."""

import segno
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from accounts.http.caching import no_store
from accounts.http.schema import THROTTLED, ErrorSerializer, ValidationErrorSerializer
from accounts.mfa import reauth, serializers, service
from accounts.mfa.models import Authenticator, RecoveryCode
from accounts.ratelimit import lockout
from accounts.ratelimit.throttling import check_password_rate

WRONG_PASSWORD = _("Your password is incorrect.")
INVALID_CODE = _("Invalid code.")
NO_PENDING_SECRET = _("Start the set-up first: POST /api/auth/mfa/totp/ with your password.")
SETUP_EXPIRED = _(
    "This set-up has expired. Start again: POST /api/auth/mfa/totp/ with your password."
)


class AlreadyEnabled(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Multi-factor authentication is already on.")
    default_code = "conflict"


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
    if not lockout.check_password(user, serializer.validated_data["password"], request):
        raise _invalid("password", WRONG_PASSWORD)
    # With MFA off there is no code that could be right.
    if not service.is_enabled(user):
        raise _invalid("code", INVALID_CODE)
    errors = reauth.check_code(user, serializer.validated_data["code"], request)
    if errors:
        raise exceptions.ValidationError({"code": errors})


_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=_("Multi-factor authentication is already on."),
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
        responses={204: None, 400: _bad(_WRONG_PASSWORD, _WRONG_CODE)},
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
        if not lockout.check_password(user, serializer.validated_data["password"], request):
            raise _invalid("password", WRONG_PASSWORD)
        # An account whose MFA is on through passkeys alone may still add an app.
        if service.has_totp(user):
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
            400: _bad(
                _WRONG_CODE,
                ("No pending secret", {"code": [str(NO_PENDING_SECRET)]}),
                ("Expired set-up", {"code": [str(SETUP_EXPIRED)]}),
            ),
            409: _CONFLICT,
            429: THROTTLED,
        },
        examples=[OpenApiExample("Code", value={"code": "492039"}, request_only=True)],
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        # A stolen token must not guess codes faster than a password: the per-IP login rate.
        check_password_rate(request)
        authenticator = Authenticator.objects.filter(user=user).first()
        if authenticator is not None and authenticator.is_confirmed:
            raise AlreadyEnabled()
        if authenticator is None:
            raise _invalid("code", NO_PENDING_SECRET)
        if authenticator.setup_expired():
            Authenticator.objects.filter(pk=authenticator.pk, confirmed_at__isnull=True).delete()
            raise _invalid("code", SETUP_EXPIRED)
        code = serializer.validated_data["code"]
        # A wrong code is a login failure of the account, counted before the check; a right
        # one proves the new app, not the account, so it leaves earlier failures in place.
        # The confirming code's step is spent too: it can never log in.
        check = lambda: service.TOTP if authenticator.verify(code) else None  # noqa: E731
        if service.checked_attempt(user, request, "confirm", check, clear_lock=False) is None:
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
        },
    )
    def post(self, request):
        _reauthenticate(request, request.data)
        recovery_codes = RecoveryCode.objects.regenerate(request.user)
        return no_store(Response({"recovery_codes": recovery_codes}))
