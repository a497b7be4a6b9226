from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.http.fields import FlatListField

MAX_TOKENS = 100
# Longer than any token of ours; longer strings are not worth reading.
_TOKEN_LENGTH = 1024


class TokenRevokeSerializer(serializers.Serializer):
    token = serializers.CharField(
        required=False,
        help_text=_("A token to revoke (RFC 7009's field name)."),
        max_length=_TOKEN_LENGTH,
    )
    tokens = FlatListField(
        # A blank entry is no token of ours: ignored like any malformed one (RFC 7009).
        child=serializers.CharField(allow_blank=True, max_length=_TOKEN_LENGTH),
        required=False,
        allow_empty=False,
        max_length=MAX_TOKENS,
        help_text=_("Several tokens to revoke, at most 100."),
    )

    default_error_messages = {
        "missing": _('Send the token to revoke in "token", or a list in "tokens".'),
        "too_many": _("Send at most 100 tokens at once."),
    }

    def validate(self, attrs):
        raw = ([attrs["token"]] if "token" in attrs else []) + attrs.get("tokens", [])
        if not raw:
            raise serializers.ValidationError({"token": [self.error_messages["missing"]]})
        if len(raw) > MAX_TOKENS:
            raise serializers.ValidationError({"tokens": [self.error_messages["too_many"]]})
        return {"tokens": raw}


class RevokedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SecretScanningMatchSerializer(serializers.Serializer):
    """One match in GitHub's secret scanning request (the body is a list of these)."""

    token = serializers.CharField()
    type = serializers.CharField()
    url = serializers.CharField(required=False)
    # GitHub's field names; DRF's Field has attributes named source and label, hence the ignores.
    source = serializers.CharField(required=False)  # type: ignore[assignment]


class SecretScanningLabelSerializer(serializers.Serializer):
    """GitHub's expected answer for one match."""

    token_hash = serializers.CharField(help_text=_("Hex SHA-256 of the token's UTF-8 bytes."))
    token_type = serializers.CharField(help_text=_("The match's type, echoed."))
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["true_positive", "false_positive"]
    )
