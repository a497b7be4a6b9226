"""Per-account login lock: ACCOUNTS_LOGIN_MAX_FAILURES failed logins for one email
within ACCOUNTS_LOGIN_FAILURE_WINDOW seconds lock it.

The window opens at an email's first failure. Reaching the limit locks the email,
existing or not, for the rest of that window; a successful login closes the window.
Keys hold a SHA-256 of the normalised email, never the email itself. Used by
accounts.backends.LockoutBackend, so the API, the admin and the browsable API's
session login all share one counter.
"""

import math
import time

from accounts import security_log
from accounts.conf import app_settings
from accounts.counters import counter_cache, hit
from accounts.security_log import email_hash


def _window_key(email: str) -> str:
    return f"accounts:login-window:{email_hash(email)}"


def _count_key(email: str, opened_at: int) -> str:
    # The window's opening time is part of the key, so a new window starts from zero.
    return f"accounts:login-failures:{email_hash(email)}:{opened_at}"


def _window_seconds() -> int:
    return max(1, math.ceil(app_settings.LOGIN_FAILURE_WINDOW.total_seconds()))


def _max_failures() -> int | None:
    limit = app_settings.LOGIN_MAX_FAILURES
    return limit if limit else None


def retry_after(email: str) -> int | None:
    """Seconds until the email may try again, or None when it is not locked."""
    limit = _max_failures()
    if limit is None:
        return None
    cache = counter_cache()
    opened_at = cache.get(_window_key(email))
    if opened_at is None:
        return None
    # The clock decides, not only the cache's own expiry, which may lag by a second.
    remaining = opened_at + _window_seconds() - int(time.time())
    if remaining <= 0 or (cache.get(_count_key(email, opened_at)) or 0) < limit:
        return None
    return remaining


def is_locked(email: str) -> bool:
    return retry_after(email) is not None


def record_failure(email: str, request=None) -> int:
    """Count a failed login for `email`; return the failures in the current window."""
    limit = _max_failures()
    if limit is None:
        return 0
    cache = counter_cache()
    window = _window_seconds()
    now = int(time.time())
    # add() is atomic: of two racing first failures, one opens the window for both.
    cache.add(_window_key(email), now, window)
    opened_at = cache.get(_window_key(email), now)
    if opened_at + window <= now:
        # The window is over though its key has not expired yet: open a new one.
        opened_at = now
        cache.set(_window_key(email), now, window)
    remaining = max(1, opened_at + window - now)
    count = hit(_count_key(email, opened_at), remaining)
    if count == limit:
        security_log.event(
            "login.lockout",
            request,
            email_hash=email_hash(email),
            failures=count,
            seconds=remaining,
        )
    return count


def reset(email: str) -> None:
    """Forget the failures of `email` (after a successful login)."""
    counter_cache().delete(_window_key(email))


def check_password(user, raw_password: str, request=None) -> bool:
    """Check a signed-in user's password (re-authentication) under the same lock as login.

    Without this, a stolen token could guess its owner's password through the
    password-change or token-creation forms, unlimited.
    """
    if is_locked(user.email):
        type(user)().set_password(raw_password)  # the same single hash as a real check
        correct = False
    else:
        # check_password runs the hasher once and upgrades an old hash on success.
        correct = user.check_password(raw_password)
    if correct:
        reset(user.email)
        return True
    record_failure(user.email, request)
    security_log.event("reauth.failure", request, user_id=user.pk, locked=is_locked(user.email))
    return False
