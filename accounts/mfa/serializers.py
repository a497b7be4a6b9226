from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.serializers import _password_field

METHODS = ("totp", "recovery_code", "email")
# Long enough for a recovery code typed with spaces; nothing longer is ever hashed.
_code_field = {"max_length": 64, "trim_whitespace": True, "write_only": True}


class MFAStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(read_only=True)
    methods = serializers.ListField(child=serializers.ChoiceField(choices=METHODS), read_only=True)
    recovery_codes_remaining = serializers.IntegerField(read_only=True)


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(**_password_field)


class TOTPSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(
        read_only=True, help_text=_("The base32 secret (160 bits), shown only in this response.")
    )
    otpauth_uri = serializers.CharField(read_only=True)
    qr_svg = serializers.CharField(
        read_only=True, help_text=_("The otpauth URI as an SVG QR code.")
    )


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(**_code_field, help_text=_("The 6-digit code of the app."))


class PasswordAndCodeSerializer(serializers.Serializer):
    password = serializers.CharField(**_password_field)
    code = serializers.CharField(
        **_code_field, help_text=_("A current code of the app, or an unused recovery code.")
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
        **_code_field,
        help_text=_("A current code of the app, an unused recovery code or an emailed code."),
    )
