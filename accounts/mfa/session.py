"""The second page of the browser logins (admin, browsable API) for accounts with MFA on.

After the right password, nothing is logged in: the session only remembers which
pending login (a Challenge row, like the API's, so it lives ACCOUNTS_MFA_CHALLENGE_TTL
seconds and 5 wrong codes, and ends with the account's other pending logins) waits for a code.
"""

from django import forms
from django.contrib.auth import login as auth_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic.edit import FormView

from accounts import security_log
from accounts.mfa import service
from accounts.mfa.conf import mfa_settings
from accounts.mfa.models import Challenge, PasskeyCeremony
from accounts.mfa.webauthn import assertions, signin
from accounts.ratelimit.throttling import check_login_rate

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


def begin(request, user, *, next_url: str, second_step_url: str) -> HttpResponseRedirect | None:
    """After the right password in a browser form: with MFA on, go to the second page."""
    if not service.is_enabled(user):
        return None
    # A new session key: whatever was planted in the old one cannot ride along.
    request.session.cycle_key()
    # The row, not a raw token: the server-side session is the credential of this step.
    challenge, _raw = Challenge.objects.issue(user, token_name="")
    request.session[PENDING] = {
        "challenge_id": challenge.pk,
        "backend": user.backend,
        "next": next_url,
    }
    security_log.event("mfa.challenge", request, user_id=user.pk)
    return HttpResponseRedirect(second_step_url)


class SecondStepForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )
    # A passkey's answer (AuthenticationResponseJSON), filled in by static/mfa/passkeys.js.
    credential = forms.JSONField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("code") and not cleaned.get("credential"):
            self.add_error("code", forms.Field.default_error_messages["required"])
        return cleaned


@method_decorator([csrf_protect, never_cache], name="dispatch")
class SecondStepView(FormView):
    """Ask for the code; a right one logs the pending user in, five wrong ones start over."""

    form_class = SecondStepForm
    login_url_name: str = ""
    admin_site = None

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(PENDING)
        challenge = None
        if isinstance(pending, dict):
            challenge = (
                Challenge.objects.live()
                .select_related("user")
                .filter(pk=pending.get("challenge_id"), user__is_active=True)
                .first()
            )
        if challenge is None:
            request.session.pop(PENDING, None)
            return HttpResponseRedirect(reverse(self.login_url_name))
        self.pending, self.challenge = pending, challenge
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return check_login_rate(request) or super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.admin_site is not None:
            context.update(self.admin_site.each_context(self.request))
        context["title"] = _("Second step")
        if service.has_passkeys(self.challenge.user):
            # A ceremony for this pending login: its options go into the page as JSON.
            context["passkey_options"], _raw = assertions.begin_assertion(
                PasskeyCeremony.Kind.SECOND_FACTOR, pending_login=self.challenge
            )
        return context

    def form_valid(self, form):
        request = self.request
        challenge, user = self.challenge, self.challenge.user
        code, credential = form.cleaned_data["code"], form.cleaned_data["credential"]
        # Counted before the check, as in the API: the challenge's cap, then the account lock.
        if not challenge.count_attempt():
            return self._start_over()
        if credential:
            passed = signin.second_step(challenge, credential, request, "session")
        else:
            check = lambda: service.verify_factor(user, code, request)  # noqa: E731
            passed = service.checked_attempt(user, request, "session", check)
        if passed is None:
            if challenge.attempts + 1 >= mfa_settings.CHALLENGE_MAX_ATTEMPTS:
                return self._start_over()
            form.add_error("code", INVALID_CODE)
            return self.form_invalid(form)
        if not challenge.consume():
            return self._start_over()
        del request.session[PENDING]
        auth_login(request, user, backend=self.pending["backend"])
        # Checked by LoginView.get_success_url when it was stored.
        return HttpResponseRedirect(self.pending["next"])

    def _start_over(self):
        self.request.session.pop(PENDING, None)
        return HttpResponseRedirect(reverse(self.login_url_name))
