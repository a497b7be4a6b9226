from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from accounts import allowed_ips, lifetimes
from accounts.conf import app_settings
from accounts.fields import FlatListField
from accounts.mfa import reauth
from accounts.models import Token
from accounts.permissions import SCOPES
from accounts.serializers import TokenSerializer, _password_field


def needs_reauthentication(request) -> bool:
    """Whether minting a token needs the password again.

    A token older than the window (10 minutes by default) might be stolen, and
    must not be able to mint long-lived siblings; a browser session's age is not
    tracked, so it always needs the password.
    """
    token = request.auth
    if not isinstance(token, Token):
        return True
    return token.created_at < timezone.now() - app_settings.TOKEN_CREATION_REAUTH_AFTER


class _OptionalDaysField(serializers.IntegerField):
    """An integer where JSON null means "never", but an empty HTML form box means "omitted"."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return empty
        return super().get_value(dictionary)


class _OptionalScopesField(serializers.MultipleChoiceField):
    """Scopes where nothing chosen in an HTML form means "omitted" (the default scopes)."""

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if html.is_html_input(dictionary) and value == []:
            return empty
        return value

    def to_internal_value(self, data):
        # MultipleChoiceField takes any iterable; JSON must send a list, not an object.
        if isinstance(data, dict):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class _AllowedIPsField(FlatListField):
    """A list in JSON; in an HTML form, a box of addresses separated by commas or lines."""

    def __init__(self, **kwargs):
        kwargs.setdefault("style", {"base_template": "textarea.html", "rows": 3})
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            text = dictionary.get(self.field_name, "")
            return text.replace(",", " ").split() if text else empty
        return super().get_value(dictionary)


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = _OptionalDaysField(
        required=False,
        allow_null=True,
        # Set in __init__ from the settings in force, in days.
        help_text="",
    )
    idle_timeout_days = _OptionalDaysField(
        required=False,
        min_value=1,
        max_value=lifetimes.ABSOLUTE_MAX_DAYS,
        help_text=_("Revoke automatically after this many days without use. Omitted: never."),
    )
    # A list in JSON; a multiple choice in the browsable API's HTML form.
    scopes = _OptionalScopesField(
        choices=SCOPES,
        allow_empty=False,
        required=False,
        help_text=_('"read" (safe methods only) and/or "write" (everything).'),
    )
    allowed_ips = _AllowedIPsField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=allowed_ips.MAX_ENTRIES,
        help_text=_(
            "IP addresses and CIDR ranges (IPv4 and IPv6) the token may be used from; "
            "omitted or empty: any address."
        ),
    )
    password = serializers.CharField(
        **_password_field,
        required=False,
        help_text=_(
            "Your password; required from a browser session and when the request's token "
            "is over 10 minutes old."
        ),
    )

    code = serializers.CharField(
        max_length=64,
        required=False,
        write_only=True,
        help_text=_(
            "With multi-factor authentication on, a code of your app or a recovery code, "
            "sent with the password."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"].help_text = lifetimes.expiry_help_text()

    default_error_messages = {
        "password_required": _("Enter your password again to create a token."),
        "wrong_password": _("Your password is incorrect."),
    }

    def validate_expires_in_days(self, value: int | None) -> int | None:
        try:
            lifetimes.personal_ttl(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return value

    def validate_allowed_ips(self, value: list[str]) -> list[str]:
        try:
            return allowed_ips.normalise(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate_scopes(self, value: set[str]) -> list[str]:
        return [scope for scope in SCOPES if scope in value]

    def validate(self, attrs):
        request = self.context["request"]
        password = attrs.pop("password", None)
        code = attrs.pop("code", None)
        if password is not None:
            # A password that is sent is always checked, fresh token or not.
            # Under the login's per-account lock, so a stolen token cannot guess the password.
            if not reauth.check_password(request.user, password, request):
                raise serializers.ValidationError(
                    {"password": [self.error_messages["wrong_password"]]}
                )
            # With MFA on, the password alone does not re-authenticate.
            if errors := reauth.check_code(request.user, code, request):
                raise serializers.ValidationError({"code": errors})
        elif needs_reauthentication(request):
            raise serializers.ValidationError(
                {"password": [self.error_messages["password_required"]]}
            )
        if "idle_timeout_days" in attrs:
            attrs["idle_timeout"] = timedelta(days=attrs.pop("idle_timeout_days"))
        if "expires_in_days" in attrs:
            attrs["ttl"] = lifetimes.personal_ttl(attrs.pop("expires_in_days"))
        else:
            try:
                attrs["ttl"] = lifetimes.default_personal_ttl()
            except ValueError as error:
                raise serializers.ValidationError({"expires_in_days": [str(error)]}) from None
        return attrs


class TokenCreatedSerializer(TokenSerializer):
    """The response to token creation: the raw token, shown this once."""

    token = serializers.CharField(read_only=True)

    class Meta(TokenSerializer.Meta):
        fields = ["token", *TokenSerializer.Meta.fields]
        read_only_fields = fields


class LogoutAllSerializer(serializers.Serializer):
    keep_current = serializers.BooleanField(
        default=False, help_text=_("Keep the token of this request (log out other devices).")
    )
