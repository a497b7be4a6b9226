"""Admin forms for tokens: revoking one from the user page, and issuing one."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.conf import app_settings
from accounts.exceptions import TokenLimitReached
from accounts.models import Token, User
from accounts.tokens import allowed_ips, lifetimes
from accounts.tokens.scopes import INTROSPECT, READ, WRITE, admin_scopes, user_scopes

_SCOPE_LABELS = {
    READ: _("read: safe methods (GET, HEAD, OPTIONS) only"),
    WRITE: _("write: every method"),
}
_SCOPE_LABELS[INTROSPECT] = _(
    "introspect: may ask POST /api/auth/introspect/ about other tokens (for your services)"
)


def scope_choices() -> list[tuple[str, object]]:
    """Every scope an administrator may grant (ACCOUNTS_TOKEN_SCOPES and introspect)."""
    return [(scope, _SCOPE_LABELS.get(scope, scope)) for scope in admin_scopes()]


class TokenInlineForm(forms.ModelForm):
    """A row of the user's tokens; the only input is a box to revoke it."""

    revoke = forms.BooleanField(label=_("Revoke"), required=False)

    class Meta:
        model = Token
        fields = ("revoke",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.revoked_at is not None:
            self.fields["revoke"].disabled = True


class TokenCreationForm(forms.ModelForm):
    """Issue a personal access token; nothing about it can be changed afterwards."""

    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"),
        required=False,
        initial=30,
        # Set in __init__ from the settings in force, in days.
        help_text="",
    )
    scopes = forms.MultipleChoiceField(
        # Set in __init__ from the settings in force.
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    allowed_ips = forms.CharField(
        label=_("Allowed IPs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "IP addresses or CIDR ranges (IPv4 or IPv6), one per line or comma-separated; "
            "empty: any address."
        ),
    )

    class Meta:
        model = Token
        fields = ("user", "name", "expires_in_days", "scopes", "allowed_ips")

    def clean_allowed_ips(self) -> list[str]:
        entries = self.cleaned_data["allowed_ips"].replace(",", "\n").split()
        try:
            return allowed_ips.normalise(entries)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices()
        self.fields["scopes"].initial = list(user_scopes())
        # An empty box means "never" here, which only a server without a maximum allows.
        self.fields["expires_in_days"].help_text = (
            _("At most %(days)d days.") % {"days": lifetimes.max_days()}
            if app_settings.TOKEN_MAX_TTL is not None
            else _("Empty for never.")
        )

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise ValidationError(_("This user is inactive: a token would not work."))
        return user

    def clean_expires_in_days(self) -> int | None:
        days = self.cleaned_data["expires_in_days"]
        # The same rule as the API and the createtoken command.
        try:
            self.ttl = lifetimes.personal_ttl(days)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return days

    issued: tuple[Token, str] | None = None

    def _limit_error(self, limit: int) -> ValidationError:
        return ValidationError(
            _(
                "This user already holds %(limit)d live tokens, the most allowed "
                "(ACCOUNTS_MAX_TOKENS_PER_USER). Revoke some first."
            ),
            params={"limit": limit},
            code="token_limit",
        )

    def clean(self):
        cleaned_data = super().clean()
        user, limit = cleaned_data.get("user"), app_settings.MAX_TOKENS_PER_USER
        # A quick answer for the common case; the manager decides under a row lock.
        if user is not None and limit is not None:
            if Token.objects.filter(user=user).live().count() >= limit:
                raise self._limit_error(limit)
        return cleaned_data

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or self._errors:  # type: ignore[attr-defined]
            return
        # Issued as the last step of validation, so that the cap, which only the manager
        # can check reliably (parallel submissions), is a form error rather than a 500.
        try:
            self.issued = self.issue()
        except TokenLimitReached as error:
            self.add_error(None, self._limit_error(error.limit))

    def issue(self) -> tuple[Token, str]:
        """Create the token; return the row and the raw token, which is never stored."""
        data = self.cleaned_data
        return Token.objects.issue(
            data["user"],
            name=data["name"],
            ttl=self.ttl,
            scopes=data["scopes"],
            kind=Token.Kind.PERSONAL,
            allowed_ips=data["allowed_ips"],
        )


class EmailFormMixin:
    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data.get("email"))


class UserCreationForm(EmailFormMixin, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(EmailFormMixin, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
