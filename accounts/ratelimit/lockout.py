"""Per-account login lock: ACCOUNTS_LOGIN_MAX_FAILURES password checks for one email
within ACCOUNTS_LOGIN_FAILURE_WINDOW seconds that do not succeed lock it.

The window opens at an email's first counted attempt. Every password check is
counted *before* the password is hashed (`claim_attempt`), with one atomic
increment, so however many guesses arrive at once no more than the limit are
ever checked in a window; a successful check closes the window (`reset`). A check
over the limit while others still run waits for them (`IN_FLIGHT_WAIT`), so parallel
logins with the right password are not refused for each other's sake.
Reaching the limit locks the email, existing or not, for the rest of the window.
Keys hold a SHA-256 of the normalised email, never the email itself. Used by
accounts.ratelimit.backends.LockoutBackend, so the API, the admin and the browsable API's
session login all share one counter, and by `check_password` for re-authentication.
"""

import math
import secrets
import time

from accounts import second_factor, security_log
from accounts.conf import app_settings
from accounts.exceptions import HashingBusy
from accounts.ratelimit.counters import counter_cache, hit
from accounts.ratelimit.throttling import check_password_rate
from accounts.security_log import email_hash


def _window_key(email: str) -> str:
    return f"accounts:login-window:{email_hash(email)}"


def _count_key(email: str, window_id: str) -> str:
    # A random id per window, so a new window (after a reset, even in the same second)
    # never resumes an old count.
    return f"accounts:login-failures:{email_hash(email)}:{window_id}"


def _failed_key(email: str, window_id: str) -> str:
    return f"accounts:login-failed:{email_hash(email)}:{window_id}"


# A check over the limit while others are still running waits this long for them: if one
# succeeds, the count starts again; if they fail, the lock is on and it is refused.
IN_FLIGHT_WAIT = 3.0
_POLL = 0.02


def _window_seconds() -> int:
    return max(1, math.ceil(app_settings.LOGIN_FAILURE_WINDOW.total_seconds()))


def _max_failures() -> int | None:
    limit = app_settings.LOGIN_MAX_FAILURES
    return limit if limit else None


def _current_window(email: str) -> tuple[int, str] | None:
    """The (opening second, id) of the email's window if it is still open by the clock."""
    window = counter_cache().get(_window_key(email))
    if not isinstance(window, tuple):  # no window open
        return None
    # The clock decides, not only the cache's own expiry, which may lag by a second.
    if window[0] + _window_seconds() <= int(time.time()):
        return None
    return window


def _open_window(email: str) -> tuple[tuple[int, str], int]:
    """The email's open window (opening one if needed) and the seconds left in it."""
    cache = counter_cache()
    seconds = _window_seconds()
    now = int(time.time())
    # add() is atomic: of two racing first attempts, one opens the window for both.
    cache.add(_window_key(email), (now, secrets.token_hex(8)), seconds)
    window = _current_window(email)
    if window is None:
        # The window is over though its key has not expired yet: open a new one, named
        # after this second so that attempts racing to do the same share it.
        window = (now, f"s{now}")
        cache.set(_window_key(email), window, seconds)
    return window, max(1, window[0] + seconds - now)


def _failures(email: str) -> int:
    window = _current_window(email)
    if window is None:
        return 0
    return counter_cache().get(_failed_key(email, window[1])) or 0


def _count_failure(email: str, request) -> int:
    """Add one to the email's failures in its window; log the lock when it is reached."""
    window, remaining = _open_window(email)
    failures = hit(_failed_key(email, window[1]), remaining)
    if failures == _max_failures():
        _log_lockout(email, failures, remaining, request)
    return failures


def retry_after(email: str) -> int | None:
    """Seconds until the email may try again, or None when it is not locked."""
    limit = _max_failures()
    if limit is None:
        return None
    window = _current_window(email)
    if window is None:
        return None
    if (counter_cache().get(_failed_key(email, window[1])) or 0) < limit:
        return None
    return window[0] + _window_seconds() - int(time.time())


def is_locked(email: str) -> bool:
    return retry_after(email) is not None


def _log_lockout(email: str, count: int, remaining: int, request) -> None:
    security_log.event(
        "login.lockout",
        request,
        email_hash=email_hash(email),
        failures=count,
        seconds=remaining,
    )


def _uncount(email: str, window_id: str) -> None:
    try:
        counter_cache().decr(_count_key(email, window_id))
    except ValueError:
        pass  # the window was reset or expired meanwhile: nothing left to give back


def claim_attempt(email: str, request=None) -> int | None:
    """Count a password check for `email` before it runs; return its number in the window,
    or None when the limit is reached and the password must not be checked.

    Checks are counted first, atomically, so parallel guesses cannot all see "not locked
    yet": at most ACCOUNTS_LOGIN_MAX_FAILURES run in a window. A check over the limit
    while others still run waits (at most IN_FLIGHT_WAIT seconds) for them instead of
    failing at once, so many parallel logins with the right password all get through.
    The caller then calls `reset` on success or `attempt_failed` on failure.
    """
    limit = _max_failures()
    if limit is None:
        return 0
    deadline = time.monotonic() + IN_FLIGHT_WAIT
    while True:
        window, remaining = _open_window(email)
        count = hit(_count_key(email, window[1]), remaining)
        if count <= limit:
            return count
        _uncount(email, window[1])
        if _failures(email) >= limit or time.monotonic() >= deadline:
            return None
        time.sleep(_POLL)


def attempt_failed(email: str, request=None) -> None:
    """Record that a check claimed with `claim_attempt` failed (its attempt stays counted)."""
    if _max_failures() is not None:
        _count_failure(email, request)


def release_attempt(email: str) -> None:
    """Uncount a claimed check whose password was right, leaving the window open.

    For an account with a second factor: the right password is not a failure, but only
    the passed factor may clear the failures counted so far.
    """
    if _max_failures() is None:
        return
    window = _current_window(email)
    if window is not None:
        _uncount(email, window[1])


def record_failure(email: str, request=None) -> int:
    """Count a failure for `email` that no claimed attempt covers (e.g. a wrong second
    factor); return the failures in the current window."""
    if _max_failures() is None:
        return 0
    window, remaining = _open_window(email)
    # A check slot too, so the failures and the checks they allow stay in step.
    hit(_count_key(email, window[1]), remaining)
    return _count_failure(email, request)


def reset(email: str) -> None:
    """Forget the failures of `email` (after a successful login): its counts and its window."""
    cache = counter_cache()
    window = cache.get(_window_key(email))
    if isinstance(window, tuple):
        cache.delete_many([_count_key(email, window[1]), _failed_key(email, window[1])])
    cache.delete(_window_key(email))


def check_password(
    user, raw_password: str, request=None, *, clear_lock: bool | None = None
) -> bool:
    """Check a signed-in user's password (re-authentication) under the same lock as login.

    Without this, a stolen token could guess its owner's password through the
    password-change or token-creation forms, unlimited. With a request, the check
    also counts against the client IP's login rate first, and raises
    rest_framework.exceptions.Throttled when that is over (a 429 in the API). With
    clear_lock off (an account with a second factor), a right password leaves the
    lock in place (its own attempt uncounted): only the passed second factor clears it.
    By default it is off exactly for accounts with a second factor on.
    """
    if clear_lock is None:
        clear_lock = not second_factor.get().is_enabled(user)
    if request is not None:
        # No unlimited hashing for anyone holding a token or a session either.
        check_password_rate(request)
    number = claim_attempt(user.email, request)
    if number is None:
        # The same single hash as a real check (__class__: request.user may be lazy).
        user.__class__().set_password(raw_password)
        correct = False
    else:
        try:
            # check_password runs the hasher once and upgrades an old hash on success.
            correct = user.check_password(raw_password)
        except HashingBusy:
            release_attempt(user.email)  # refused before the password was checked
            raise
    if correct:
        if clear_lock:
            reset(user.email)
        elif number is not None:
            release_attempt(user.email)
        return True
    if number is not None:
        attempt_failed(user.email, request)
    security_log.event("reauth.failure", request, user_id=user.pk, locked=is_locked(user.email))
    return False
