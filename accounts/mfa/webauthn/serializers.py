from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.mfa.models import Passkey
from accounts.passwords.fields import password_field

_CREDENTIAL_HELP = _(
    "The PublicKeyCredential as WebAuthn JSON (id, rawId, type, response with base64url "
    "fields, clientExtensionResults), as PublicKeyCredential.toJSON() gives it."
)


def credential_field(**kwargs) -> serializers.JSONField:
    return serializers.JSONField(write_only=True, help_text=_CREDENTIAL_HELP, **kwargs)


class PasskeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at", "passwordless"]
        read_only_fields = ["id", "created_at", "last_used_at", "passwordless"]


class PasskeyCreatedSerializer(PasskeySerializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        required=False,
        help_text=_(
            "Present only when this passkey turned multi-factor authentication on and the "
            "account had no recovery codes: 10 single-use codes, shown only here."
        ),
    )

    class Meta(PasskeySerializer.Meta):
        fields = [*PasskeySerializer.Meta.fields, "recovery_codes"]


class PasskeyReauthSerializer(serializers.Serializer):
    password = password_field()
    code = serializers.CharField(
        max_length=64,
        required=False,
        write_only=True,
        help_text=_(
            "With MFA on: a current code of the app, an unused recovery code, or the one-time "
            "code of a passkey check (POST /api/auth/passkeys/reauth/)."
        ),
    )


class PasskeyCeremonySerializer(serializers.Serializer):
    options = serializers.JSONField(
        read_only=True,
        help_text=_(
            "PublicKeyCredentialCreationOptions or PublicKeyCredentialRequestOptions as WebAuthn "
            "JSON (binary fields base64url), for navigator.credentials.create() or get()."
        ),
    )
    ceremony = serializers.CharField(
        read_only=True, help_text=_("Send it back with the credential; single use, 5 minutes.")
    )


class PasskeyAssertionSerializer(serializers.Serializer):
    ceremony = serializers.CharField(max_length=128, write_only=True)
    credential = credential_field()


class PasskeyReauthCodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        read_only=True,
        help_text=_(
            "Send it as `code`, with the password, to the next endpoint that asks to "
            "re-authenticate (adding or removing a passkey, a password change, a new token, "
            "MFA settings). Single use, for this user only."
        ),
    )
    expires_in = serializers.IntegerField(read_only=True, help_text=_("Seconds it stays usable."))


class PasskeyOptionsSerializer(serializers.Serializer):
    options = serializers.JSONField(read_only=True)


class PasskeyRegisterSerializer(serializers.Serializer):
    ceremony = serializers.CharField(max_length=128, write_only=True)
    credential = credential_field()
    name = serializers.CharField(max_length=100, write_only=True)


class PasskeyRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class PasswordlessLoginSerializer(serializers.Serializer):
    ceremony = serializers.CharField(max_length=128, write_only=True)
    credential = credential_field()
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_("A name for the token (default: the User-Agent)."),
    )
