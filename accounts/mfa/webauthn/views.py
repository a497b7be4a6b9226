"""A signed-in user's passkeys: /api/auth/passkeys/ (begin, register, list, rename, remove,
and the passkey check that stands in for a code at re-authentication)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from accounts import security_log
from accounts.http.caching import no_store
from accounts.http.schema import THROTTLED, ValidationErrorSerializer
from accounts.mfa import reauth, service
from accounts.mfa.conf import webauthn_settings
from accounts.mfa.models import Passkey, RecoveryCode
from accounts.mfa.webauthn import assertions, ceremonies, lifecycle, serializers, signin
from accounts.ratelimit import lockout
from accounts.ratelimit.throttling import check_password_rate

WRONG_PASSWORD = _("Your password is incorrect.")
REGISTRATION_FAILED = _(
    "This passkey could not be registered. Start again: POST /api/auth/passkeys/begin/."
)
PASSKEYS_OFF = _("Passkeys are switched off on this server.")
NO_PASSKEY = _("This account has no passkey.")
CHECK_FAILED = _(
    "This passkey could not be verified. Start again: POST /api/auth/passkeys/reauth/begin/."
)


def require_enabled() -> None:
    if not webauthn_settings.ENABLED:
        raise exceptions.NotFound(PASSKEYS_OFF)


def bad_request(*examples: tuple[str, dict]) -> OpenApiResponse:
    return OpenApiResponse(
        ValidationErrorSerializer,
        description=_("A missing, malformed or wrong field."),
        examples=[OpenApiExample(name, value=value) for name, value in examples],
    )


_WRONG_PASSWORD = ("Wrong password", {"password": ["Your password is incorrect."]})
_WRONG_CODE = ("Wrong code", {"code": ["Invalid code."]})
_FAILED = ("Refused credential", {"credential": [str(REGISTRATION_FAILED)]})


def _reauthenticate(request) -> None:
    """The password, and with MFA on a code of the app or a recovery code, or a 400."""
    serializer = serializers.PasskeyReauthSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user = request.user
    if not lockout.check_password(user, serializer.validated_data["password"], request):
        raise exceptions.ValidationError({"password": [WRONG_PASSWORD]})
    if errors := reauth.check_code(user, serializer.validated_data.get("code"), request):
        raise exceptions.ValidationError({"code": errors})


class PasskeyBeginView(generics.GenericAPIView):
    """Start registering a passkey (password, and a code with MFA on): options and a ceremony."""

    serializer_class = serializers.PasskeyReauthSerializer

    @extend_schema(
        tags=["MFA"],
        responses={
            200: serializers.PasskeyCeremonySerializer,
            400: bad_request(_WRONG_PASSWORD, _WRONG_CODE),
        },
    )
    def post(self, request):
        require_enabled()
        _reauthenticate(request)
        options, raw = ceremonies.begin_registration(request.user)
        return no_store(Response({"options": options, "ceremony": raw}))


class PasskeyListView(generics.GenericAPIView):
    """The user's passkeys; POST finishes a registration begun at /api/auth/passkeys/begin/."""

    serializer_class = serializers.PasskeySerializer
    pagination_class = None

    def get_queryset(self):
        return Passkey.objects.for_user(self.request.user)

    @extend_schema(tags=["MFA"], responses={200: serializers.PasskeySerializer(many=True)})
    def get(self, request):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    @extend_schema(
        tags=["MFA"],
        request=serializers.PasskeyRegisterSerializer,
        responses={201: serializers.PasskeyCreatedSerializer, 400: bad_request(_FAILED)},
    )
    def post(self, request):
        require_enabled()
        serializer = serializers.PasskeyRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, data = request.user, serializer.validated_data
        was_enabled = service.is_enabled(user)
        try:
            # Not in a transaction: a refused response must still use the ceremony up.
            passkey = ceremonies.finish_registration(
                user, data["ceremony"], data["credential"], data["name"]
            )
        except ceremonies.Refused as refused:
            security_log.event("passkey.refused", request, user_id=user.pk, reason=refused.reason)
            raise exceptions.ValidationError({"credential": [REGISTRATION_FAILED]}) from None
        lifecycle.added(passkey, request)
        body = serializers.PasskeyCreatedSerializer(passkey).data
        if not was_enabled:
            # The first passkey turns MFA on; recovery codes keep the account reachable.
            if not RecoveryCode.objects.filter(user=user).unused().exists():
                body["recovery_codes"] = RecoveryCode.objects.regenerate(user)
            service.announce_enabled(user, request)
        return no_store(Response(body, status=status.HTTP_201_CREATED))


class PasskeyDetailView(generics.GenericAPIView):
    """PATCH renames a passkey; DELETE removes it (password, and a code with MFA on)."""

    serializer_class = serializers.PasskeySerializer

    def get_queryset(self):
        return Passkey.objects.for_user(self.request.user)

    @extend_schema(
        tags=["MFA"],
        request=serializers.PasskeyRenameSerializer,
        responses={200: serializers.PasskeySerializer},
    )
    def patch(self, request, pk: int):
        passkey = self.get_object()
        serializer = serializers.PasskeyRenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passkey.name = serializer.validated_data["name"]
        passkey.save(update_fields=["name"])
        return Response(serializers.PasskeySerializer(passkey).data)

    @extend_schema(
        tags=["MFA"],
        request=serializers.PasskeyReauthSerializer,
        responses={204: None, 400: bad_request(_WRONG_PASSWORD, _WRONG_CODE)},
    )
    def delete(self, request, pk: int):
        passkey = self.get_object()
        _reauthenticate(request)
        lifecycle.remove(passkey, request)
        return Response(status=status.HTTP_204_NO_CONTENT)


_NO_PASSKEY = ("No passkey", {"non_field_errors": ["This account has no passkey."]})
_CHECK_FAILED = ("Refused credential", {"credential": [str(CHECK_FAILED)]})


class PasskeyReauthBeginView(generics.GenericAPIView):
    """Start a passkey check of the signed-in user: request options for their passkeys."""

    serializer_class = serializers.PasskeyCeremonySerializer

    @extend_schema(
        tags=["MFA"],
        request=None,
        responses={200: serializers.PasskeyCeremonySerializer, 400: bad_request(_NO_PASSKEY)},
    )
    def post(self, request):
        require_enabled()
        if not service.has_passkeys(request.user):
            raise exceptions.ValidationError({"non_field_errors": [NO_PASSKEY]})
        options, raw = assertions.begin_assertion(ceremonies.Kind.REAUTH, user=request.user)
        return no_store(Response({"options": options, "ceremony": raw}))


class PasskeyReauthView(generics.GenericAPIView):
    """Finish a passkey check: a one-time code that re-authentication accepts as `code`."""

    serializer_class = serializers.PasskeyAssertionSerializer

    @extend_schema(
        tags=["MFA"],
        request=serializers.PasskeyAssertionSerializer,
        responses={
            200: serializers.PasskeyReauthCodeSerializer,
            400: bad_request(_CHECK_FAILED),
            429: THROTTLED,
        },
    )
    def post(self, request):
        require_enabled()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A stolen token must not try assertions faster than passwords: the per-IP login rate.
        check_password_rate(request)
        data = serializer.validated_data
        code = signin.reauthentication(request.user, data["ceremony"], data["credential"], request)
        if code is None:
            raise exceptions.ValidationError({"credential": [CHECK_FAILED]})
        ttl = int(webauthn_settings.CEREMONY_TTL.total_seconds())
        return no_store(Response({"code": code, "expires_in": ttl}))
