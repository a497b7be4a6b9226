from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import lockout
from accounts.password_reset import user_from_code
from accounts.serializers import _password_field


def _validate_new_password(password: str, user) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise serializers.ValidationError({"new_password": list(error.messages)}) from None


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(**_password_field)
    new_password = serializers.CharField(**_password_field)

    def validate_current_password(self, value: str) -> str:
        # Under the login's per-account lock, so a stolen token cannot guess the password.
        request = self.context["request"]
        if not lockout.check_password(request.user, value, request):
            raise serializers.ValidationError(_("Your current password is incorrect."))
        return value

    def validate(self, attrs):
        _validate_new_password(attrs["new_password"], self.context["request"].user)
        return attrs


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetAcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    # A secret: masked in the browsable API's form and never written back into it.
    token = serializers.CharField(max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(**_password_field)

    default_error_messages = {
        "invalid_code": _("This password reset code is invalid, expired or already used."),
    }

    def validate(self, attrs):
        # One message for a bad uid, a bad token, a used code and an expired one.
        user = user_from_code(attrs["uid"], attrs["token"])
        if user is None:
            raise serializers.ValidationError({"token": [self.error_messages["invalid_code"]]})
        _validate_new_password(attrs["new_password"], user)
        attrs["user"] = user
        return attrs
