from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import second_factor
from accounts.passwords.fields import password_field
from accounts.passwords.reset import user_from_code
from accounts.ratelimit import lockout


def _validate_new_password(password: str, user) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise serializers.ValidationError({"new_password": list(error.messages)}) from None


class PasswordChangeSerializer(serializers.Serializer):
    current_password = password_field()
    new_password = password_field()
    code = serializers.CharField(
        max_length=64,
        required=False,
        write_only=True,
        help_text=_("With multi-factor authentication on: a code of your app or a recovery code."),
    )

    def validate_current_password(self, value: str) -> str:
        # Under the login's per-account lock, so a stolen token cannot guess the password.
        request = self.context["request"]
        if not lockout.check_password(request.user, value, request):
            raise serializers.ValidationError(_("Your current password is incorrect."))
        return value

    def validate(self, attrs):
        request = self.context["request"]
        # With a second factor on, the password alone does not re-authenticate.
        if errors := second_factor.get().check_code(request.user, attrs.pop("code", None), request):
            raise serializers.ValidationError({"code": errors})
        _validate_new_password(attrs["new_password"], request.user)
        return attrs


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetAcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    # A secret: masked in the browsable API's form and never written back into it.
    token = serializers.CharField(max_length=128, style={"input_type": "password"})
    new_password = password_field()
    code = serializers.CharField(
        max_length=64,
        required=False,
        write_only=True,
        style={"input_type": "password"},
        help_text=_(
            "With multi-factor authentication on: a code of your authenticator app or an unused "
            "recovery code (an emailed sign-in code is not accepted)."
        ),
    )

    default_error_messages = {
        "invalid_code": _("This password reset code is invalid, expired or already used."),
    }

    def validate(self, attrs):
        # One message for a bad uid, a bad token, a used code and an expired one.
        user = user_from_code(attrs["uid"], attrs["token"])
        if user is None:
            raise serializers.ValidationError({"token": [self.error_messages["invalid_code"]]})
        _validate_new_password(attrs["new_password"], user)
        # The reset code proves only the mailbox: with MFA on, the second factor too. Checked
        # last, so a recovery code is spent only by a reset that then happens.
        code = attrs.pop("code", None)
        if errors := second_factor.get().check_code(
            user, code, self.context.get("request"), step="reset"
        ):
            raise serializers.ValidationError({"code": errors})
        attrs["user"] = user
        return attrs
