from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from accounts.passwords.fields import password_field

EMAIL_MAX_LENGTH: int = User._meta.get_field("email").max_length or 254


class PublicUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]
        read_only_fields = fields


# One field instance formats every date_joined: same output as the serializer's own field.
_DATE_JOINED = serializers.DateTimeField()


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "date_joined"]
        read_only_fields = ["id", "email", "date_joined"]

    def to_representation(self, instance: User) -> dict:
        # Written out: a ModelSerializer builds its fields from the model on first use,
        # per instance, which cost as much as authentication on every GET /me. The
        # fields are still built for input (PATCH) and the schema.
        return {
            "id": instance.pk,
            "email": instance.email,
            "first_name": instance.first_name,
            "last_name": instance.last_name,
            "date_joined": _DATE_JOINED.to_representation(instance.date_joined),
        }


class RegisterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
    password = password_field()

    def validate_email(self, value: str) -> str:
        email = User.objects.normalize_email(value)
        # Lower-casing can lengthen an email ("İ" becomes two characters): check what is stored.
        if len(email) > EMAIL_MAX_LENGTH:
            raise serializers.ValidationError(
                _("Ensure this field has no more than %(max_length)d characters.")
                % {"max_length": EMAIL_MAX_LENGTH}
            )
        return email

    def validate(self, attrs):
        candidate = User(email=attrs["email"])
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs

    def create(self, validated_data):
        # Hash first and let the unique index decide, so a taken email costs the
        # same work as a free one and two racing sign-ups cannot both succeed.
        try:
            return User.objects.register(validated_data["email"], validated_data["password"])
        except IntegrityError:
            raise serializers.ValidationError(
                {"email": [_("A user with that email already exists.")]}
            ) from None


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = password_field()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, write_only=True)

    default_error_messages = {
        "invalid_credentials": _("Unable to log in with provided credentials."),
    }

    def validate(self, attrs):
        # authenticate() runs the hasher once whether or not the email exists,
        # whether the user is inactive or has an unusable password.
        user = authenticate(
            request=self.context.get("request"), email=attrs["email"], password=attrs["password"]
        )
        if user is None:
            self.fail("invalid_credentials")
        attrs["user"] = user
        return attrs


class LoginResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    token_type = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    user = PublicUserSerializer()
