from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from accounts import second_factor
from accounts.conf import app_settings
from accounts.http.fields import FlatListField
from accounts.models import Token
from accounts.passwords.fields import password_field
from accounts.ratelimit import lockout
from accounts.tokens import allowed_ips, lifetimes
from accounts.tokens.scopes import INTROSPECT, READ, WRITE, user_scopes


class TokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never the digest, never the raw token."""

    scopes = serializers.ListField(child=serializers.CharField(), read_only=True)
    allowed_ips = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("Addresses and CIDR ranges the token works from; empty: any."),
    )
    current = serializers.SerializerMethodField(
        help_text=_("Whether this token authenticated the request.")
    )

    class Meta:
        model = Token
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "created_at",
            "last_used_at",
            "expires_at",
            "allowed_ips",
            "last_used_ip",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, token: Token) -> bool:
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return isinstance(auth, Token) and auth.pk == token.pk


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

    default_error_messages = {
        "admin_only": _('Only an administrator can grant the "introspect" scope.'),
    }

    def to_internal_value(self, data):
        # MultipleChoiceField takes any iterable; JSON must send a list, not an object.
        if isinstance(data, dict):
            self.fail("not_a_list", input_type=type(data).__name__)
        if isinstance(data, list | tuple) and INTROSPECT in data:
            self.fail("admin_only")
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
        # Set in __init__ from ACCOUNTS_TOKEN_SCOPES.
        choices=(READ, WRITE),
        allow_empty=False,
        required=False,
        help_text="",
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
    password = password_field(
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
        scopes = self.fields["scopes"]
        scopes.choices = user_scopes()
        own = [scope for scope in user_scopes() if scope not in (READ, WRITE)]
        scopes.help_text = _(
            '"read" (safe methods only) and/or "write" (everything)%(own)s. Omitted: all of them.'
        ) % {"own": _(", and this API's own: %(list)s") % {"list": ", ".join(own)} if own else ""}

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
        return [scope for scope in user_scopes() if scope in value]

    def validate(self, attrs):
        request = self.context["request"]
        password = attrs.pop("password", None)
        code = attrs.pop("code", None)
        if password is not None:
            # A password that is sent is always checked, fresh token or not.
            # Under the login's per-account lock, so a stolen token cannot guess the password.
            if not lockout.check_password(request.user, password, request):
                raise serializers.ValidationError(
                    {"password": [self.error_messages["wrong_password"]]}
                )
            # With a second factor on, the password alone does not re-authenticate.
            if errors := second_factor.get().check_code(request.user, code, request):
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


class IntrospectionSerializer(serializers.Serializer):
    """RFC 7662's request: the token to ask about; the hint is accepted and not needed."""

    # Any string: an unknown or malformed one is simply not active.
    token = serializers.CharField(trim_whitespace=False, allow_blank=True)
    token_type_hint = serializers.CharField(required=False, allow_blank=True, max_length=100)


class IntrospectionResultSerializer(serializers.Serializer):
    """RFC 7662's answer: `active` alone when the token would not authenticate."""

    active = serializers.BooleanField()
    scope = serializers.CharField(required=False, help_text=_("Its scopes, space-separated."))
    token_type = serializers.CharField(required=False)
    exp = serializers.IntegerField(
        required=False, help_text=_("When it expires (Unix time); absent if it never does.")
    )
    iat = serializers.IntegerField(required=False, help_text=_("When it was issued (Unix time)."))
    sub = serializers.CharField(required=False, help_text=_("The user's id."))
    username = serializers.CharField(required=False, help_text=_("The user's email address."))
    token_id = serializers.IntegerField(required=False)
    allowed_ips = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("Present when the token works only from these addresses and ranges."),
    )
