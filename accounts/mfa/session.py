"""The second page of the browser logins (admin, browsable API) for accounts with MFA on.

After the right password, nothing is logged in: the session only remembers, for
ACCOUNTS_MFA_CHALLENGE_TTL seconds and 5 wrong codes, whose code it waits for.
"""

import time

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic.edit import FormView

from accounts import lockout, security_log
from accounts.mfa import service
from accounts.mfa.conf import mfa_settings

PENDING = "mfa_pending_login"
INVALID_CODE = _("Invalid code.")
REQUIRED_FOR_STAFF = _(
    "Staff accounts need multi-factor authentication. Turn it on first with an API token: "
    "POST /api/auth/mfa/totp/ with your password, then POST /api/auth/mfa/totp/confirm/ with "
    "a code of your authenticator app (see docs/mfa.md); then log in again."
)


def staff_needs_mfa(user) -> bool:
    """Whether ACCOUNTS_MFA_REQUIRED_FOR_STAFF refuses this staff user the admin."""
    return bool(
        mfa_settings.REQUIRED_FOR_STAFF
        and getattr(user, "is_staff", False)
        and not service.is_enabled(user)
    )


class SecondStepLoginMixin:
    """For a LoginView: with MFA on, the right password leads to a second page, not a session."""

    second_step_url_name: str

    def form_valid(self, form):
        user = form.get_user()
        if not service.is_enabled(user):
            return super().form_valid(form)
        # A new session key: whatever was planted in the old one cannot ride along.
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user_id": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "expires": time.time() + int(mfa_settings.CHALLENGE_TTL),
            "attempts": 0,
        }
        security_log.event("mfa.challenge", self.request, user_id=user.pk)
        return HttpResponseRedirect(reverse(self.second_step_url_name))


class SecondStepForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


@method_decorator([csrf_protect, never_cache], name="dispatch")
class SecondStepView(FormView):
    """Ask for the code; a right one logs the pending user in, five wrong ones start over."""

    form_class = SecondStepForm
    login_url_name: str = ""
    admin_site = None

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(PENDING)
        if not pending or pending["expires"] <= time.time():
            request.session.pop(PENDING, None)
            return HttpResponseRedirect(reverse(self.login_url_name))
        self.pending = pending
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        from accounts.session_login import check_login_rate

        return check_login_rate(request) or super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.admin_site is not None:
            context.update(self.admin_site.each_context(self.request))
        context["title"] = _("Second step")
        return context

    def form_valid(self, form):
        request = self.request
        user = get_user_model().objects.filter(pk=self.pending["user_id"], is_active=True).first()
        code = form.cleaned_data["code"]
        # A locked account fails like a wrong code, and spends nothing.
        if (
            user is None
            or lockout.is_locked(user.email)
            or service.verify_factor(user, code, request) is None
        ):
            if user is not None:
                service.failure(user, request, step="session")
            self.pending["attempts"] += 1
            if self.pending["attempts"] >= mfa_settings.CHALLENGE_MAX_ATTEMPTS:
                del request.session[PENDING]
                return HttpResponseRedirect(reverse(self.login_url_name))
            request.session[PENDING] = self.pending
            form.add_error("code", INVALID_CODE)
            return self.form_invalid(form)
        del request.session[PENDING]
        lockout.reset(user.email)
        auth_login(request, user, backend=self.pending["backend"])
        # Checked by LoginView.get_success_url when it was stored.
        return HttpResponseRedirect(self.pending["next"])
