"""The two-step login: a password step that opens a challenge, a code step that closes it."""

import time

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import security_log
from accounts.mfa import codes, notify, service
from accounts.mfa.conf import mfa_settings, parse_rate
from accounts.mfa.models import Challenge
from accounts.models import Token
from accounts.ratelimit import lockout
from accounts.ratelimit.counters import counter_cache, hit


def challenge_for(user, request, name: str) -> dict | None:
    """The pending-login body when the user needs a second factor, else None.

    The one question the core login asks of MFA, after the password passed.
    """
    if not service.is_enabled(user):
        return None
    challenge, raw = Challenge.objects.issue(user, token_name=name)
    security_log.event("mfa.challenge", request, user_id=user.pk)
    return {
        "mfa_required": True,
        "mfa_token": raw,
        "methods": service.methods(user),
        "expires_at": challenge.expires_at,
    }


def check_code(challenge: Challenge, code: str, request) -> str | None:
    """Check a code against a live challenge; return the method that passed, or None.

    Counted against the account lock before the check (service.checked_attempt); the
    challenge's own attempt was counted by the caller first, so its cap holds too.
    """
    user = challenge.user

    def check() -> str | None:
        if challenge.verify_email_code(code):
            return service.EMAIL
        return service.verify_factor(user, code, request)

    return service.checked_attempt(user, request, "login", check)


def complete(challenge: Challenge, request) -> tuple[Token, str] | None:
    """Use the challenge up and issue the token; None when another request used it first."""
    user = challenge.user
    # At the token cap (a 403), the challenge stays usable once tokens are revoked.
    with transaction.atomic():
        if not challenge.consume():
            return None
        token, raw = Token.objects.issue(user, name=challenge.token_name)
    lockout.reset(user.email)
    user_logged_in.send(sender=type(user), request=request._request, user=user)
    return token, raw


def _email_window_key(user) -> str:
    return f"accounts:mfa-email-window:{user.pk}"


def email_rate_wait(user) -> int | None:
    """Count one emailed code against the account's ACCOUNTS_MFA_EMAIL_RATE, over all its
    pending logins; return the seconds to wait when it is over, else None.

    The window opens at the account's first emailed code, so a burst at a window's edge
    cannot send twice the rate.
    """
    rate = parse_rate(mfa_settings.EMAIL_RATE)
    if rate is None:
        return None
    limit, seconds = rate
    cache, now = counter_cache(), int(time.time())
    # add() is atomic: of two racing first codes, one opens the window for both.
    cache.add(_email_window_key(user), now, seconds)
    opened = cache.get(_email_window_key(user))
    if not isinstance(opened, int) or opened + seconds <= now:
        opened = now
        cache.set(_email_window_key(user), opened, seconds)
    remaining = max(1, opened + seconds - now)
    if hit(f"accounts:mfa-email:{user.pk}:{opened}", remaining) > limit:
        return remaining
    return None


def send_email_code(challenge: Challenge) -> bool:
    """Email a new 6-digit code for this challenge; False once the cap is reached."""
    code = codes.new_email_code()
    if not challenge.set_email_code(code):
        return False
    notify.send(
        challenge.user,
        _("Your sign-in code"),
        _(
            "Your sign-in code is %(code)s. It expires in 10 minutes. If you did not try to "
            "sign in, change your password."
        )
        % {"code": code},
        carries_code=True,
    )
    return True
