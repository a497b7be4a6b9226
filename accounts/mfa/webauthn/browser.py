"""The browser's passkey pages: the session sign-in behind "Sign in with a passkey" (admin and
browsable API login pages), and a small page to add and remove passkeys.

The pages' script (static/mfa/passkeys.js) calls the API for options and for changes; the
session sign-in is a CSRF-protected form post, like the password form next to it.
"""

import json
from urllib.parse import urlencode

from django.contrib.auth import login as auth_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView, View

from accounts.mfa import service
from accounts.mfa.conf import webauthn_settings
from accounts.mfa.models import Passkey
from accounts.mfa.webauthn import signin
from accounts.ratelimit.throttling import check_login_rate

# Every session login goes through the project's authentication backend.
BACKEND = "accounts.ratelimit.backends.LockoutBackend"


def _site_urls(site: str) -> tuple[str, str]:
    """(login page, default next) of the admin or the browsable API."""
    if site == "admin":
        return reverse("admin:login"), reverse("admin:index")
    return reverse("rest_framework:login"), reverse("accounts:root")


@method_decorator([csrf_protect, never_cache], name="dispatch")
class SessionPasskeyLoginView(View):
    """Open a browser session with a passwordless passkey; back to the login page on failure."""

    http_method_names = ["post"]

    def post(self, request):
        if limited := check_login_rate(request):
            return limited
        site = request.POST.get("site", "")
        login_url, default_next = _site_urls(site)
        next_url = request.POST.get("next") or default_next
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = default_next
        try:
            credential = json.loads(request.POST.get("credential", ""))
        except ValueError:
            credential = None
        user = None
        if webauthn_settings.ENABLED:
            user = signin.passwordless_user(request, request.POST.get("ceremony"), credential)
        # The admin's own rule: staff only (the same generic failure as any other).
        if user is None or (site == "admin" and not user.is_staff):
            query = urlencode({"next": next_url, "passkey": "failed"})
            return HttpResponseRedirect(f"{login_url}?{query}")
        auth_login(request, user, backend=BACKEND)
        return HttpResponseRedirect(next_url)


@method_decorator(never_cache, name="dispatch")
class PasskeysPageView(TemplateView):
    """A signed-in browser user's passkeys, with add and remove (through the API)."""

    template_name = "mfa/passkeys.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('rest_framework:login')}?{query}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["passkeys"] = Passkey.objects.for_user(user)
        context["mfa_enabled"] = service.is_enabled(user)
        return context
