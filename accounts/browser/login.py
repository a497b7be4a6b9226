"""Browser logins and password checks (admin and browsable API) with the API's protection.

They authenticate through accounts.ratelimit.backends.LockoutBackend like the API, so the
per-account lock is shared, and each POST counts against ACCOUNTS_LOGIN_RATE for
the client IP, the same bucket as POST /api/auth/login/. The admin's own password
change checks the old password the same way (accounts.ratelimit.lockout.check_password).
"""

from django import forms
from django.contrib.admin import forms as admin_forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from accounts import second_factor
from accounts.passwords.validators import PASSWORD_MAX_LENGTH
from accounts.ratelimit import lockout
from accounts.ratelimit.throttling import check_login_rate, too_many_attempts

# One message for a wrong password, an unknown email, a locked or inactive account
# (and, in the admin, a user who is not staff), so the form reveals none of them.
GENERIC_LOGIN_ERROR = _("Please enter a correct email address and password.")


def _password_field(label=None, **attrs) -> forms.CharField:
    # Nothing longer than a valid password is ever hashed.
    return forms.CharField(
        label=label or _("Password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", **attrs}),
    )


class SessionLoginForm(AuthenticationForm):
    error_messages = {"invalid_login": GENERIC_LOGIN_ERROR, "inactive": GENERIC_LOGIN_ERROR}
    password = _password_field()


class AdminLoginForm(AdminAuthenticationForm):
    error_messages = {"invalid_login": GENERIC_LOGIN_ERROR, "inactive": GENERIC_LOGIN_ERROR}
    password = _password_field()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if refusal := second_factor.get().staff_refusal(user):
            raise ValidationError(refusal, code="mfa_required")


class SecondStepLoginMixin:
    """For a LoginView: with a second factor on, the right password leads to a second page."""

    second_step_url_name: str

    def form_valid(self, form):
        pending = second_factor.get().begin_session_login(
            self.request,
            form.get_user(),
            next_url=self.get_success_url(),
            second_step_url=reverse(self.second_step_url_name),
        )
        return pending or super().form_valid(form)


class SessionLoginView(SecondStepLoginMixin, LoginView):
    """Django's login view for the browsable API, rate limited like the API login.

    With a second factor on, the right password leads to a second page.
    """

    template_name = "rest_framework/login.html"
    authentication_form = SessionLoginForm
    second_step_url_name = "rest_framework:mfa-login"

    def post(self, request, *args, **kwargs):
        return check_login_rate(request) or super().post(request, *args, **kwargs)


class AdminPasswordChangeForm(admin_forms.AdminPasswordChangeForm):
    """The admin's own password change, with the old password checked under the lock."""

    old_password = _password_field(_("Old password"), autofocus=True)

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        # Same lock and rate as a login: a hijacked admin session cannot guess unlimited.
        if not lockout.check_password(self.user, old_password, self.request):
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class AdminPasswordChangeView(auth_views.PasswordChangeView):
    form_class = AdminPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except Throttled as exc:
            return too_many_attempts(exc.wait)
