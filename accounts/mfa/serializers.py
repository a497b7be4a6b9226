from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.passwords.fields import password_field

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

METHODS = ("totp", "passkey", "recovery_code", "email")


def _code_field(help_text: "str | StrPromise") -> serializers.CharField:
    # Long enough for a recovery code typed with spaces; nothing longer is ever hashed.
    return serializers.CharField(
        max_length=64, trim_whitespace=True, write_only=True, help_text=help_text
    )


class MFAStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(read_only=True)
    methods = serializers.ListField(child=serializers.ChoiceField(choices=METHODS), read_only=True)
    recovery_codes_remaining = serializers.IntegerField(read_only=True)


class PasswordSerializer(serializers.Serializer):
    password = password_field()


class TOTPSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(
        read_only=True, help_text=_("The base32 secret (160 bits), shown only in this response.")
    )
    otpauth_uri = serializers.CharField(read_only=True)
    qr_svg = serializers.CharField(
        read_only=True, help_text=_("The otpauth URI as an SVG QR code.")
    )


class CodeSerializer(serializers.Serializer):
    code = _code_field(_("The 6-digit code of the app."))


class PasswordAndCodeSerializer(serializers.Serializer):
    password = password_field()
    code = _code_field(
        _(
            "A current code of the app, an unused recovery code, or the one-time code of a "
            "passkey check (POST /api/auth/passkeys/reauth/)."
        )
    )


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("10 single-use codes, shown only in this response."),
    )


class ChallengeSerializer(serializers.Serializer):
    mfa_required = serializers.BooleanField(read_only=True)
    mfa_token = serializers.CharField(
        read_only=True, help_text=_("Send it with a code to /api/auth/login/mfa/.")
    )
    methods = serializers.ListField(child=serializers.ChoiceField(choices=METHODS), read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class MFATokenSerializer(serializers.Serializer):
    mfa_token = serializers.CharField(max_length=128, write_only=True)


class MFALoginSerializer(MFATokenSerializer):
    code = serializers.CharField(
        max_length=64,
        trim_whitespace=True,
        write_only=True,
        required=False,
        help_text=_("A current code of the app, an unused recovery code or an emailed code."),
    )
    credential = serializers.JSONField(
        write_only=True,
        required=False,
        help_text=_(
            "Instead of a code: the passkey's AuthenticationResponseJSON for the options of "
            "/api/auth/login/mfa/passkey/begin/."
        ),
    )

    def validate(self, attrs):
        if ("code" in attrs) == ("credential" in attrs):
            raise serializers.ValidationError(
                {"code": [_("Send a code or a passkey credential, not both.")]}
                if "code" in attrs
                else {"code": [_("This field is required.")]}
            )
        return attrs
