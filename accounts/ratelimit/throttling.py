"""Per-client-IP rates for the public endpoints, as DRF throttles, each with its own bucket.

Rates come from ACCOUNTS_LOGIN_RATE, ACCOUNTS_REGISTER_RATE, ACCOUNTS_PASSWORD_RESET_RATE,
ACCOUNTS_REVOKE_RATE and ACCOUNTS_INTROSPECT_RATE (per calling token), in DRF's
"<count>/<s|m|h|d>", read on every request.
Counting is a fixed window with one atomic increment, not DRF's list of
timestamps, which grows with the rate and is read-modify-written without a lock.
"""

import math
import time

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

from accounts.conf import app_settings
from accounts.http.clientip import client_ip, rate_limit_key
from accounts.ratelimit.counters import hit


class _AccountsRateThrottle(SimpleRateThrottle):
    setting: str

    def __init__(self):
        # SimpleRateThrottle reads its rates at import time; ours are read per request.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate) if self.rate else (None, None)
        self._wait = None

    def get_rate(self) -> str | None:
        return getattr(app_settings, self.setting)

    def get_cache_key(self, request, view) -> str:
        return f"accounts:throttle:{self.scope}:{rate_limit_key(client_ip(request))}"

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        key = f"{self.get_cache_key(request, view)}:{window}"
        count = hit(key, self.duration)
        self._wait = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self) -> float | None:
        return None if self._wait is None else max(1, math.ceil(self._wait))


class LoginRateThrottle(_AccountsRateThrottle):
    scope = "login"
    setting = "LOGIN_RATE"


class RegisterRateThrottle(_AccountsRateThrottle):
    scope = "register"
    setting = "REGISTER_RATE"


class PasswordResetRateThrottle(_AccountsRateThrottle):
    scope = "password_reset"
    setting = "PASSWORD_RESET_RATE"


class RevokeRateThrottle(_AccountsRateThrottle):
    scope = "revoke"
    setting = "REVOKE_RATE"


class IntrospectRateThrottle(_AccountsRateThrottle):
    """Per calling token (ACCOUNTS_INTROSPECT_RATE): each service has its own budget."""

    scope = "introspect"
    setting = "INTROSPECT_RATE"

    def get_cache_key(self, request, view) -> str:
        return f"accounts:throttle:{self.scope}:token:{request.auth.pk}"


def check_password_rate(request) -> None:
    """Count a password check against the client IP's login bucket; raise Throttled when over.

    For password checks outside the login views (re-authentication, the admin's own
    password change), so that none of them is an unlimited hashing endpoint.
    """
    throttle = LoginRateThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(throttle.wait())


def too_many_attempts(wait: int | None) -> HttpResponse:
    response = HttpResponse(
        _("Too many login attempts. Try again later."), status=429, content_type="text/plain"
    )
    response["Retry-After"] = str(wait or 1)
    return response


def check_login_rate(request) -> HttpResponse | None:
    """Count a login POST against the per-IP login rate; return a 429 when it is over."""
    if request.method != "POST":
        return None
    try:
        check_password_rate(request)
    except Throttled as exc:
        return too_many_attempts(getattr(exc, "wait", None))
    return None
