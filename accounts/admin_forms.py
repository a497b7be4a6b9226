"""Admin forms for tokens: revoking one from the user page, and issuing one."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.conf import app_settings
from accounts.models import DEFAULT_SCOPES, Token

SCOPE_CHOICES = [
    ("read", _("read: safe methods (GET, HEAD, OPTIONS) only")),
    ("write", _("write: every method")),
]


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
        min_value=1,
        initial=30,
        help_text=_("At most ACCOUNTS_TOKEN_MAX_TTL (365 days by default)."),
    )
    scopes = forms.MultipleChoiceField(
        choices=SCOPE_CHOICES,
        initial=list(DEFAULT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Token
        fields = ("user", "name", "expires_in_days", "scopes")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise ValidationError(_("This user is inactive: a token would not work."))
        return user

    def clean_expires_in_days(self) -> int:
        days = self.cleaned_data["expires_in_days"]
        max_ttl = app_settings.TOKEN_MAX_TTL
        if max_ttl is not None and timedelta(days=days) > max_ttl:
            raise ValidationError(
                _("A token may live at most %(days)d days."), params={"days": max_ttl.days}
            )
        return days

    def issue(self) -> tuple[Token, str]:
        """Create the token; return the row and the raw token, which is never stored."""
        data = self.cleaned_data
        return Token.objects.issue(
            data["user"],
            name=data["name"],
            ttl=timedelta(days=data["expires_in_days"]),
            scopes=data["scopes"],
            kind=Token.Kind.PERSONAL,
        )
